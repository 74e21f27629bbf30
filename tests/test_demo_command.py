"""`sellerdesk demo` on an empty database: it loads the shop around the clock's "now"
and prints the logins, or refuses bad arguments and writes nothing. (The loaded shop's
consistency is tests/test_demo.py's, which loads it once for all its tests.)"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sellerdesk.core import demo_credentials
from sellerdesk.orders.models import Order
from tests.test_demo import catalogue_skus, snapshot


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The demo hashes two real passwords per load; the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "demo-credentials.txt"
    monkeypatch.setattr(demo_credentials, "PATH", path)
    return path


def test_demo_command_loads_an_empty_database_and_prints_the_logins(db: Any, credentials_file: Path) -> None:
    out = io.StringIO()

    call_command("demo", "--if-empty", "--orders", "12", "--skus", "10", stdout=out)

    assert catalogue_skus().count() == 10
    text = out.getvalue()
    for username, password in demo_credentials.read_credentials():
        assert f"log in as {username} / {password}" in text
    assert f"Orders: {Order.objects.count()} (" in text
    assert Order.objects.count() > 12


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "3"], "--days must be at least 14"),
        (["--orders", "-1"], "--orders must be 0 or more"),
        (["--skus", "0"], "--skus must be between 1 and 296"),
    ],
)
def test_demo_refuses_bad_arguments_and_writes_nothing(
    db: Any, credentials_file: Path, arguments: list[str], message: str
) -> None:
    before = snapshot()

    with pytest.raises(CommandError, match=message):
        call_command("demo", *arguments, stdout=io.StringIO())

    assert snapshot() == before
    assert not credentials_file.exists()
