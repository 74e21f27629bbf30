"""What the marketplaces app does when something happens below it (core.hooks)."""

from __future__ import annotations


def connect() -> None:
    """Subscribe this app's handlers (called once from MarketplacesConfig.ready())."""
