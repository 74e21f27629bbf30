"""The WSGI application: the API under /api/v1/ through a lean middleware stack (no
sessions, messages, CSRF, htmx or static files: it authenticates by token and answers
JSON), everything else through the full stack of settings.MIDDLEWARE."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")


class ApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        full_stack = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full_stack


class Application:
    def __init__(self) -> None:
        self.site = get_wsgi_application()
        self.api = ApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = self.api if environ.get("PATH_INFO", "").startswith("/api/v1/") else self.site
        return handler(environ, start_response)


application = Application()
