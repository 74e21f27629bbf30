"""Login throttling (django-axes): the authentication backend that refuses a locked-out
account and address, and the reads and the unlock the owner's Staff page uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' lockout check before the password check (ModelBackend, next in the list).

    Every login over HTTP (our login page, the admin's) passes its request, and is
    throttled. A call without a request — the test client's `login()`, a shell — has no
    client address to throttle by; axes would raise there, this lets the next backend
    decide instead.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[no-any-return]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page a locked-out login gets (429): why, and when it may try again."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(
        request, "registration/locked_out.html", context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    )


@dataclass(frozen=True)
class Lockout:
    """One account and address that reached the failure limit."""

    username: str
    ip_address: str
    failures: int
    last_failure_at: datetime


def current_lockouts() -> list[Lockout]:
    """The account-and-address pairs locked out now (failures at the limit, within the
    cool-off time), newest first."""
    if not settings.AXES_ENABLED:
        return []
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return [
        Lockout(
            username=attempt.username or "",
            ip_address=attempt.ip_address or "",
            failures=attempt.failures_since_start,
            last_failure_at=attempt.attempt_time,
        )
        for attempt in attempts.order_by("-attempt_time")
    ]


def recent_failures(*, limit: int = 50) -> list[AccessFailureLog]:
    """The latest failed logins (the audit of attempts), newest first."""
    return list(AccessFailureLog.objects.order_by("-attempt_time")[:limit])


def unlock_login(*, username: str) -> int:
    """Clear every failed attempt recorded for `username` (from any address), so it may log
    in again at once. Returns the number of records cleared."""
    return AxesProxyHandler.reset_attempts(username=username)
