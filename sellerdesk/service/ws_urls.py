"""The websocket paths (sellerdesk.asgi routes them; protocol: docs/websocket.md)."""

from __future__ import annotations

from django.urls import path

from sellerdesk.service.consumers import BuyerConsumer, StaffConsumer

websocket_urlpatterns = [
    path("ws/service/", StaffConsumer.as_asgi()),
    path("ws/chat/", BuyerConsumer.as_asgi()),
]
