"""`sellerdesk demo` on an empty database: it loads the shop around the clock's "now"
and prints the logins, or refuses bad arguments and writes nothing. (The loaded shop's
consistency is tests/test_demo.py's, which loads it once for all its tests.)"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from sellerdesk.core import demo_credentials
from sellerdesk.demo.generate import STEPS
from sellerdesk.demo.management.commands.demo import progress_printer
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


def test_demo_command_loads_an_empty_database_printing_its_progress_and_the_logins(
    db: Any, credentials_file: Path
) -> None:
    """Issue 17 D: the demo shows its progress, steps done / in all, each step once and
    in order (not on a terminal: a plain line a step), and prints the logins it wrote.
    (One load for both: even a 12-order demo takes most of a minute.)"""
    out = io.StringIO()

    call_command("demo", "--if-empty", "--orders", "12", "--skus", "10", stdout=out)

    assert catalogue_skus().count() == 10
    text = out.getvalue()
    logins = demo_credentials.read_credentials()
    assert [username for username, _password in logins] == ["owner", "agent", "lijie", "xiaowang", "supplier"]
    for username, password in logins:
        assert f"log in as {username} / {password}" in text
    assert f"Orders: {Order.objects.count()} (" in text
    assert Order.objects.count() > 12

    steps = [line for line in text.splitlines() if line.startswith("[")]
    total = len(STEPS) + 1  # the history (12 orders and the CRM's) is one chunk
    assert [line.split("]")[0] for line in steps] == [f"[{done}/{total}" for done in range(1, total + 1)]
    assert steps[0] == f"[1/{total}] staff, shops and the catalogue"
    assert any(line.endswith(" played") and line.startswith("[5/") for line in steps)
    assert steps[-1] == f"[{total}/{total}] customers and the dashboard"


def test_the_progress_on_a_terminal_is_one_line_redrawn_with_a_bar() -> None:
    """Issue 17 D: on a terminal the progress is a bar redrawn in place, ended by a newline."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    show = progress_printer(OutputWrapper(terminal))

    show(1, 4, "staff")
    show(2, 4, "orders 200 of 400 played")
    assert "\n" not in terminal.getvalue()
    show(4, 4, "done")

    drawn = terminal.getvalue().split("\r")[1:]
    assert [line.split("]")[0] for line in drawn] == [
        "[" + "#" * 7 + "." * 23,
        "[" + "#" * 15 + "." * 15,
        "[" + "#" * 30,
    ]
    assert drawn[1].rstrip() == "[" + "#" * 15 + "." * 15 + "] 2/4 orders 200 of 400 played"
    assert terminal.getvalue().endswith("\n") and terminal.getvalue().count("\n") == 1


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


@pytest.mark.parametrize("switch", ["SIMULATED_GATEWAY_ENABLED", "SIMULATED_CARRIER_ENABLED"])
def test_in_a_production_start_the_demo_says_at_once_what_it_needs(db: Any, settings: Any, switch: str) -> None:
    """Issue 17 A1 (noticed): with the simulated gateway or carrier off, as in a production
    start, the demo played orders for minutes and then failed; it now refuses before it
    writes anything, naming the setting."""
    setattr(settings, switch, False)

    with pytest.raises(CommandError, match="SELLERDESK_ENV=development") as refused:
        call_command("demo", "--orders", "12", "--skus", "10", stdout=io.StringIO())

    assert switch.replace("_ENABLED", "").replace("SIMULATED", "SELLERDESK_SIMULATED") in str(refused.value)
    assert not Order.objects.exists()
