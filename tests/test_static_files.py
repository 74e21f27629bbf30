"""Static files under ASGI (`sellerdesk serve` runs the ASGI application): served by an
asynchronous response, not read whole into memory behind Django's warning
"StreamingHttpResponse must consume synchronous iterators" — which every stylesheet and
script request printed with the sync-only whitenoise middleware."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings

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
