"""`sellerdesk serve`'s web server: gunicorn with uvicorn workers on the ASGI application
(pages, API and websockets), one web process unless Redis carries the chat's events."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sellerdesk.core import demo_credentials
from sellerdesk.core.management.commands import serve
from sellerdesk.core.management.commands.serve import default_web_workers, web_command


def test_the_web_server_is_gunicorn_with_uvicorn_workers_on_the_asgi_application() -> None:
    command = web_command(host="127.0.0.1", port=8123, workers=3)

    assert command[1:4] == ["-m", "gunicorn", "sellerdesk.asgi:application"]
    assert command[command.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[command.index("--workers") + 1] == "3"


def test_one_web_process_without_redis_two_with_it(settings: Any) -> None:
    settings.REDIS_URL = ""
    assert default_web_workers() == 1

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert default_web_workers() == 2


class ChildProcess:
    """A child process that has ended on its own with `returncode`, or runs (None) until
    terminated."""

    def __init__(self, returncode: int | None) -> None:
        self.returncode = returncode

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        if self.returncode is None:
            self.returncode = -15

    def wait(self, timeout: float | None = None) -> int | None:
        return self.returncode


def serve_with_children(monkeypatch: pytest.MonkeyPatch, *returncodes: int | None) -> tuple[str, str]:
    """`sellerdesk serve` in process, its web server and worker replaced by processes that
    ended with these statuses (None: running); (stdout, the CommandError's message)."""
    started = iter(returncodes)
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *args, **kwargs: ChildProcess(next(started)))
    monkeypatch.setattr(serve.time, "sleep", lambda seconds: None)
    # The test database is made without migrations: serve would find them all unapplied.
    monkeypatch.setattr(serve.startup, "database_problems", lambda: [])
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--port", "1", stdout=out, stderr=io.StringIO())
    return out.getvalue(), str(refused.value)


def test_serve_exits_non_zero_when_its_web_server_ends_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 A1: a web server that could not boot (gunicorn's status 3) used to leave
    `sellerdesk serve` exiting 0."""
    _, message = serve_with_children(monkeypatch, 3, None)

    assert message == "sellerdesk: stopped because the web server with status 3 ended."


def test_serve_says_once_it_is_a_development_start_and_prints_no_passwords(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    """Issue 17 A1, A5: a development start says so once; the demo's passwords are printed
    by `sellerdesk demo` when it loads them, not on every start."""
    credentials = tmp_path / "demo-credentials.txt"
    monkeypatch.setattr(demo_credentials, "PATH", credentials)
    demo_credentials.write_credentials([("owner", "Secret-Pass-123")])
    settings.IS_PRODUCTION = False
    settings.SELLERDESK_ENV = "development"

    out, _ = serve_with_children(monkeypatch, None, 1)

    assert out.count("Development start (SELLERDESK_ENV=development)") == 1
    assert "Secret-Pass-123" not in out
    assert "log in as" not in out
