"""What the WSGI and the ASGI applications share: the API under /api/v1/ is served by a
handler of its own whose middleware is settings.API_MIDDLEWARE (no sessions, messages,
CSRF, htmx or static files: it authenticates by token and answers JSON); everything else
by Django's handler with the full settings.MIDDLEWARE."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.core.handlers.base import BaseHandler

API_PREFIX = "/api/v1/"

H = TypeVar("H", bound=BaseHandler)


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def api_handler(handler_class: type[H]) -> H:
    """A `handler_class` (WSGIHandler, ASGIHandler) built with the API's middleware: Django
    reads settings.MIDDLEWARE once, while the handler is made."""
    full_stack = settings.MIDDLEWARE
    settings.MIDDLEWARE = settings.API_MIDDLEWARE
    try:
        return handler_class()
    finally:
        settings.MIDDLEWARE = full_stack
