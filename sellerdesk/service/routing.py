"""Routing conversations to agents (owner H4)."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.core.models import User
from sellerdesk.service.models import Conversation


def route(conversation: Conversation, *, at: datetime) -> User | None:
    """Assign an unassigned conversation to the best online agent with room (skill, shop,
    language, intent, load), or to its last agent when reopened and they are online.
    None (left unassigned, waiting) when nobody fits."""
    return None


def on_finished(conversation: Conversation, *, at: datetime) -> None:
    """The conversation was resolved: its agent's load counter goes down."""


def on_reopened(conversation: Conversation, *, at: datetime) -> None:
    """A resolved conversation came back: counts against its agent again, or is routed."""
