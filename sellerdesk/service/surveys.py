"""The satisfaction survey (owner H6)."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.service.models import Conversation


def send_survey(conversation: Conversation, *, at: datetime) -> None:
    """Send the survey for a resolved conversation — once per conversation, ever."""
