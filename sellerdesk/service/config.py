"""The service desk's settings: settings.SELLERDESK["SERVICE"] (see settings.py; every
key optional, each reader gives its default)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def service_settings() -> dict[str, Any]:
    return dict(settings.SELLERDESK.get("SERVICE", {}))


def setting(name: str, default: Any) -> Any:
    """SERVICE[name], or `default` when the installation does not set it."""
    return settings.SELLERDESK.get("SERVICE", {}).get(name, default)
