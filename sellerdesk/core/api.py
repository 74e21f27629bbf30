"""The JSON API: one NinjaAPI, bearer-token auth, and the single place where domain
errors become `{"code", "message", "details"}` answers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.types import DictStrAny

from sellerdesk.core import limits
from sellerdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from sellerdesk.core.models import ApiToken, TokenScope, User, hash_token
from sellerdesk.core.renderers import LocalTimeRenderer


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


# The error answers every endpoint may give (see `api` below for how errors map to them);
# 503: the database is busy (SQLite write lock) or a carrier did not answer.
ERROR_RESPONSES = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 503)}


@dataclass(frozen=True)
class TokenGrant:
    """What a checked token allows: its user, scope, expiry and shops (None: every shop)."""

    token_id: int
    user: User
    scope: str
    expires_at: datetime | None
    shop_ids: frozenset[int] | None


# Methods a read-only token may use.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """Bearer tokens. A process remembers a good token for TOKEN_CACHE_SECONDS (a few
    seconds), which spares a query on every API call; revoking a token or deactivating
    its user therefore takes effect within that time. An expired token is refused at
    once, cached or not; a read-only token is refused (403) any method but GET and HEAD.

    The user it answers carries the token's shops as `token_shop_ids` (None: no limit),
    which shops.access adds to the user's own shop limit."""

    def __init__(self) -> None:
        super().__init__()
        self._cache: dict[str, tuple[float, TokenGrant]] = {}
        # When this process last wrote each token's last_used_at.
        self._last_used_written: dict[str, datetime] = {}

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key_hash = hash_token(token)
        lifetime: float = settings.SELLERDESK["TOKEN_CACHE_SECONDS"]
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > time.monotonic():
            grant = cached[1]
        else:
            found = (
                ApiToken.objects.select_related("user")
                .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
                .first()
            )
            if found is None:
                self._cache.pop(key_hash, None)
                return None
            shop_ids = frozenset(found.shops.values_list("pk", flat=True))
            grant = TokenGrant(
                token_id=found.pk,
                user=found.user,
                scope=found.scope,
                expires_at=found.expires_at,
                shop_ids=shop_ids or None,
            )
            # The user instance acts for this token only (each token has its own): the
            # token's shop limit travels with it to the queries (shops.access).
            grant.user.token_shop_ids = grant.shop_ids  # type: ignore[attr-defined]
            if lifetime > 0:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key_hash] = (time.monotonic() + lifetime, grant)
        now = timezone.now()
        if grant.expires_at is not None and grant.expires_at <= now:
            return None
        if grant.scope == TokenScope.READ_ONLY and request.method not in READ_METHODS:
            raise PermissionDenied(
                _("This token is read-only: it may only read (GET)."), details={"scope": grant.scope}
            )
        self._note_use(key_hash, grant.token_id, now)
        request.user = grant.user
        return grant.user

    def _note_use(self, key_hash: str, token_id: int, now: datetime) -> None:
        """Write the token's last use, at most once every TOKEN_LAST_USED_EVERY_SECONDS: a
        conditional UPDATE, so N processes write it once between them, and a process that
        wrote it recently does not even ask."""
        every = timedelta(seconds=settings.SELLERDESK.get("TOKEN_LAST_USED_EVERY_SECONDS", 60))
        written = self._last_used_written.get(key_hash)
        if written is not None and timedelta(0) <= now - written < every:
            return
        if len(self._last_used_written) > 10_000:
            self._last_used_written.clear()
        self._last_used_written[key_hash] = now
        ApiToken.objects.filter(pk=token_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - every)
        ).update(last_used_at=now)


def _nul_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) holding a NUL character, if any."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            found = _nul_path(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


class StrictTextParser(Parser):
    """JSON and query strings as usual, but no NUL characters anywhere: PostgreSQL cannot
    store them, and no shop data needs them."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        # json.loads gives up with a RecursionError (a 500) at about 1,000 levels: refused
        # here as bad JSON (400) above the limit, whatever the content type said.
        if limits.is_nested_deeper(request.body, limits.json_max_depth()):
            raise limits.TooDeeplyNested(limits.json_max_depth())
        data = super().parse_body(request)
        path = _nul_path(data)
        if path:
            # ninja turns any error raised here into a 400; on_http_error answers 422 instead.
            request.nul_field = path  # type: ignore[attr-defined]
            raise ValueError("NUL character in the body")
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> DictStrAny:
        parsed = super().parse_querydict(data, list_fields, request)
        path = _nul_path(parsed)
        if path:
            raise ValidationFailed({path: _("must not contain a NUL character")})
        return parsed


api = NinjaAPI(
    title="sellerdesk",
    version="1",
    description=_("The sellerdesk API. Base path /api/v1; see API.md for the stable core."),
    auth=[TokenAuth()],
    urls_namespace="api",
    parser=StrictTextParser(),
    renderer=LocalTimeRenderer(),  # every datetime answered in local time with its offset
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def actor_of(request: HttpRequest) -> User:
    """The authenticated user of an API request (ninja puts it in request.auth)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details or {}}, status=status)


def path_of(location: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'payload', 'lines', 1, 'quantity') → 'lines[1].quantity'."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)  # the handler's parameter name
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("function-after", "function-before", "function-wrap", "tagged-union") or "[" in str(part):
            continue
        else:
            text += ("." if text else "") + str(part)
    return text or "body"


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        path = path_of(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        fields.setdefault(path, message)
    return error_response(request, 422, "validation_error", _("Some fields are invalid."), {"fields": fields})


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthorized", _("Send a valid token: Authorization: Bearer <token>."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    nul_field = getattr(request, "nul_field", None)
    if nul_field:
        fields = {nul_field: _("must not contain a NUL character")}
        return error_response(request, 422, "validation_error", _("Some fields are invalid."), {"fields": fields})
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        429: "throttled",
    }
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or _("Not found."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "body_too_large", _("The request body is too large."))
