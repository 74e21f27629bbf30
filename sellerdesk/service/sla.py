"""Service-level clocks of conversations (owner H4). Called by service.conversations in
the caller's transaction; each keeps Conversation.sla_state / sla_due_at up to date."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.service.models import Conversation


def on_opened(conversation: Conversation, *, at: datetime) -> None:
    """Pick the conversation's policy (Conversation.sla_policy) and start the resolution clock."""


def on_buyer_message(conversation: Conversation, *, at: datetime) -> None:
    """A buyer message waits: start the first-reply clock (none answered yet) or a
    next-reply clock; resume paused clocks."""


def on_agent_reply(conversation: Conversation, *, at: datetime) -> None:
    """An agent answered: the running first/next-reply clock is met (or was breached)."""


def on_status(conversation: Conversation, *, before: str, after: str, at: datetime) -> None:
    """pending/snoozed pause the clocks, open resumes them, resolved meets resolution."""
