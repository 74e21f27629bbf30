"""The `sellerdesk` command line: tokens."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sellerdesk.core.models import ApiToken, User, hash_token
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.conftest import ApiClient


def test_token_create_prints_the_token_as_the_last_line_and_it_works(owner: User) -> None:
    out = StringIO()

    call_command("token", "create", "owner", stdout=out)

    token = out.getvalue().splitlines()[-1]
    stored = ApiToken.objects.get()
    assert (stored.user, stored.key_hash, stored.prefix) == (owner, hash_token(token), token[:8])
    assert token not in stored.key_hash
    response = ApiClient(token).get("/api/v1/orders")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_token_create_with_a_name(agent: User) -> None:
    out = StringIO()

    call_command("token", "create", "agent", "--name", "淘宝同步", stdout=out)

    assert ApiToken.objects.get().name == "淘宝同步"
    assert ApiClient(out.getvalue().splitlines()[-1]).get("/api/v1/orders").status_code == 200


def test_each_token_is_new(owner: User) -> None:
    first, second = StringIO(), StringIO()

    call_command("token", "create", "owner", stdout=first)
    call_command("token", "create", "owner", stdout=second)

    assert first.getvalue().splitlines()[-1] != second.getvalue().splitlines()[-1]
    assert ApiToken.objects.count() == 2


def test_token_for_unknown_user_is_an_error(db: Any) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody", stdout=StringIO())

    assert ApiToken.objects.count() == 0
