"""Talking to the ASGI application in-process (sellerdesk.asgi) without a server.

channels.testing's communicators would do, but importing channels.testing imports its
live-server case, which needs daphne (not installed: we serve with uvicorn). These are
the same few lines on asgiref's ApplicationCommunicator.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator


class WebsocketCommunicator(ApplicationCommunicator):  # type: ignore[misc]
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode(),
            "headers": headers or [],
            "subprotocols": [],
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 2) -> tuple[bool, Any]:
        """(True, subprotocol) when accepted, (False, close code) when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def send_json_to(self, data: Any) -> None:
        await self.send_to(json.dumps(data))

    async def receive_json_from(self, timeout: float = 2) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 2) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


class HttpCommunicator(ApplicationCommunicator):  # type: ignore[misc]
    def __init__(self, application: Any, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        parsed = urlparse(path)
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method.upper(),
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode(),
            "headers": headers,
            "server": ("127.0.0.1", 80),
            "client": ("127.0.0.1", 12345),
        }
        super().__init__(application, scope)

    async def get_response(self, timeout: float = 30) -> dict[str, Any]:
        await self.send_input({"type": "http.request", "body": b""})
        start = await self.receive_output(timeout)
        assert start["type"] == "http.response.start", start
        body = b""
        while True:
            part = await self.receive_output(timeout)
            body += part.get("body", b"")
            if not part.get("more_body"):
                break
        return {"status": start["status"], "headers": start.get("headers", []), "body": body}
