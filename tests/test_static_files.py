"""Static files under ASGI (`sellerdesk serve` runs the ASGI application): served by an
asynchronous response (core.staticfiles), not read whole into memory behind Django's
warning "StreamingHttpResponse must consume synchronous iterators" — which every
stylesheet and script request printed with whitenoise's own response. And the page stack
stays synchronous: the test client works in a thread running an event loop (as in the
browser tests), which an async-only static-files middleware broke."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client

STYLESHEET = "sellerdesk/app.css"


def _get(path: str) -> tuple[dict[str, Any], bytes]:
    from sellerdesk.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def run() -> tuple[dict[str, Any], bytes]:
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(10)
        body = b""
        while True:
            message = await communicator.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(10)
        return start, body

    return async_to_sync(run)()


def test_a_stylesheet_is_served_under_asgi_without_the_synchronous_iterator_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start, body = _get(f"{settings.STATIC_URL}{STYLESHEET}")

    assert start["status"] == 200
    assert body == (Path(settings.STATICFILES_DIRS[0]) / STYLESHEET).read_bytes()
    headers = {name.lower(): value for name, value in start["headers"]}
    assert headers[b"content-type"].startswith(b"text/css")
    assert not [warning for warning in caught if "synchronous iterators" in str(warning.message)]


def test_a_missing_static_file_is_a_404_page_not_an_error() -> None:
    start, _body = _get(f"{settings.STATIC_URL}sellerdesk/no-such-file.css")
    assert start["status"] == 404


def test_the_test_client_gets_a_stylesheet_in_a_thread_running_an_event_loop() -> None:
    async def inside_a_loop() -> tuple[int, bytes]:
        answer = Client().get(f"{settings.STATIC_URL}{STYLESHEET}")  # blocking, as Playwright's tests do
        return answer.status_code, b"".join(answer.streaming_content)  # type: ignore[arg-type]

    status, body = asyncio.run(inside_a_loop())

    assert status == 200
    assert body == (Path(settings.STATICFILES_DIRS[0]) / STYLESHEET).read_bytes()
