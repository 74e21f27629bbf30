"""Static files from the application (whitenoise), also under ASGI.

`sellerdesk serve` runs the ASGI application. Whitenoise answers with a file response
whose content is a synchronous iterator; Django's ASGI handler, meeting one, reads the
whole file into memory and warns ("StreamingHttpResponse must consume synchronous
iterators …") on every stylesheet and script. Here the response gives the ASGI handler
an asynchronous iterator that reads the file a block at a time in a worker thread;
under WSGI it is whitenoise's response unchanged. The middleware stays synchronous, so
the WSGI stack (and the test client, even inside the browser tests' event loop) takes
no async hop for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from whitenoise.middleware import WhiteNoiseFileResponse, WhiteNoiseMiddleware


def _next_block(blocks: Iterator[bytes]) -> bytes | None:
    return next(blocks, None)


class StaticFileResponse(WhiteNoiseFileResponse):
    """Whitenoise's file response, read a block at a time under ASGI too."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        blocks = iter(self.streaming_content)
        read = sync_to_async(_next_block, thread_sensitive=False)
        while (block := await read(blocks)) is not None:
            yield block


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoiseMiddleware answering with StaticFileResponse (settings.MIDDLEWARE)."""

    @staticmethod
    def serve(static_file: Any, request: HttpRequest) -> StaticFileResponse:
        # As whitenoise's own serve(), with the response above.
        response = static_file.get_response(request.method, request.META)
        answer = StaticFileResponse(response.file or (), status=int(response.status))
        del answer["content-type"]  # whitenoise's headers say it
        for key, value in response.headers:
            answer[key] = value
        return answer
