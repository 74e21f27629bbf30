"""Logins are throttled (django-axes): locked out per account and address after the
failure limit, unlocked by time or by the owner, every failure kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, override_settings

from sellerdesk.core.login_throttle import current_lockouts, unlock_login
from sellerdesk.core.models import User
from tests.factories import make_user
from tests.support.clock import TEST_NOW

LIMIT = 3


@pytest.fixture
def agent(db: Any) -> User:
    return make_user("agent", "agent")


def _attempt(password: str, *, address: str = "10.0.0.1", username: str = "agent") -> Any:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en").post(
        "/login/", {"username": username, "password": password}
    )


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_repeated_failures_lock_the_account_on_that_address_even_for_the_right_password(agent: User) -> None:
    """Issue 17 A3: after the failure limit, the account and address are locked out."""
    for _ in range(LIMIT - 1):
        assert _attempt("wrong").status_code == 200  # the login page again, with the error

    locked = _attempt("wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()

    right = _attempt("pw-agent")
    assert right.status_code == 429
    assert "_auth_user_id" not in right.client.session

    # Another address is not locked out for this account (the pair is).
    assert _attempt("pw-agent", address="10.0.0.2").status_code == 302
    assert [lock.username for lock in current_lockouts()] == ["agent"]
    # Every failure is audited.
    assert AccessFailureLog.objects.filter(username="agent").count() == LIMIT + 1


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_the_lockout_ends_after_the_cool_off_time(agent: User) -> None:
    """Issue 17 A3: unlocked by time."""
    for _ in range(LIMIT):
        _attempt("wrong")
    assert _attempt("pw-agent").status_code == 429

    with time_machine.travel(TEST_NOW + timedelta(minutes=16), tick=True):
        assert _attempt("pw-agent").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_the_owner_unlocks_a_locked_out_login(agent: User) -> None:
    """Issue 17 A3: unlocked by an owner (the Staff page calls this)."""
    for _ in range(LIMIT):
        _attempt("wrong")
    assert _attempt("pw-agent").status_code == 429

    assert unlock_login(username="agent") >= 1

    assert AccessAttempt.objects.filter(username="agent").count() == 0
    assert current_lockouts() == []
    assert _attempt("pw-agent").status_code == 302


def test_a_success_forgets_the_earlier_failures(agent: User) -> None:
    """Issue 17 A3: the limit counts failures in a row, not forever."""
    _attempt("wrong")
    assert _attempt("pw-agent").status_code == 302
    assert AccessAttempt.objects.filter(username="agent").count() == 0


def test_logins_without_a_request_are_not_refused(agent: User) -> None:
    """The test client's login() and force_login() keep working with axes on."""
    client = Client()
    assert client.login(username="agent", password="pw-agent") is True
    assert client.get("/orders/").status_code == 200
