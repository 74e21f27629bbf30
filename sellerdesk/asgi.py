"""The ASGI application (gunicorn's uvicorn workers serve it, `sellerdesk serve`).

HTTP: as in wsgi.py (core.handlers), the API under /api/v1/ goes through the lean
middleware stack (settings.API_MIDDLEWARE), everything else through the full stack.

WebSocket (service.ws_urls, docs/websocket.md): the session and the staff login from the
cookies (channels' AuthMiddlewareStack; the buyer's portal session is in the same
session), and only from pages of this site (the Origin must be one of ALLOWED_HOSTS): a
cookie-authenticated socket must not be opened by another site's page.

A production start with a missing or published secret exits (status 4) instead of
serving, naming the variables to set (core/startup.py, issue 17 A1).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
site = get_asgi_application()  # sets Django up before the imports below touch models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from sellerdesk.core.handlers import api_handler, is_api  # noqa: E402
from sellerdesk.core.limits import AsgiBodyLimit  # noqa: E402
from sellerdesk.core.startup import refuse_unsafe_production_start  # noqa: E402
from sellerdesk.service.ws_urls import websocket_urlpatterns  # noqa: E402


class HttpApplication:
    def __init__(self) -> None:
        self.site = site
        self.api = api_handler(ASGIHandler)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        handler = self.api if is_api(scope.get("path", "")) else self.site
        await handler(scope, receive, send)


refuse_unsafe_production_start()

application = ProtocolTypeRouter(
    {
        # The body limit before Django's handler reads the body (core.limits, issue 17 B).
        "http": AsgiBodyLimit(HttpApplication()),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
