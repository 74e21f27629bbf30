"""The WSGI application: the API under /api/v1/ through its lean middleware stack,
everything else through the full stack (core.handlers). The websockets need the ASGI
application (asgi.py). A production start with a missing or published secret exits
(status 4) instead of serving (core/startup.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

from sellerdesk.core.handlers import api_handler, is_api
from sellerdesk.core.startup import refuse_unsafe_production_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")


class Application:
    def __init__(self) -> None:
        self.site = get_wsgi_application()
        self.api = api_handler(WSGIHandler)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = self.api if is_api(environ.get("PATH_INFO", "")) else self.site
        return handler(environ, start_response)


application = Application()
# A production start with a missing or published secret exits here, naming the variables
# (issue 17 A1): gunicorn on this module refuses to serve, as `sellerdesk serve` does.
refuse_unsafe_production_start()
