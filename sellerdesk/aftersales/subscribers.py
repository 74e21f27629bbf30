"""What after-sales does when a lower layer says something happened (core.hooks)."""

from __future__ import annotations


def connect() -> None:
    """Subscribe this app's handlers; called once from AftersalesConfig.ready()."""
