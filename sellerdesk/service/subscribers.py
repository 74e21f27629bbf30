"""What the service desk answers from the layers below it (core.hooks)."""

from __future__ import annotations


def connect() -> None:
    """Subscribe this app's functions to the hooks and provide its ports (called once,
    from ServiceConfig.ready)."""
