"""`sellerdesk serve`'s web server: gunicorn with uvicorn workers on the ASGI application
(pages, API and websockets), one web process unless Redis carries the chat's events."""

from __future__ import annotations

from typing import Any

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
