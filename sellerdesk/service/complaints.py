"""The complaint procedure on complaint conversations (owner H6)."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.service.models import Conversation


def on_complaint(conversation: Conversation, *, at: datetime) -> None:
    """The conversation became a complaint (intent, or marked by an agent): start the
    guided checklist (calm, listen, empathise, apologise, solve) once."""
