"""Follow-ups (回访) after a resolved problem (owner H6)."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.service.models import Conversation


def on_resolved(conversation: Conversation, *, at: datetime) -> None:
    """Schedule a follow-up when the conversation solved a problem (after-sale intents,
    complaints); nothing for a pre-sale question."""
