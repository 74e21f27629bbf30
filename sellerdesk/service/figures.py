"""Daily figures of the desk (owner H4): ServiceDailyFigure rows added to as things happen."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.service.models import Conversation


def conversation_opened(conversation: Conversation, *, at: datetime) -> None:
    """One more conversation on the day of `at`."""


def first_response(conversation: Conversation, *, business_seconds: int, at: datetime) -> None:
    """The first agent reply, `business_seconds` after the buyer's first message."""


def resolved(conversation: Conversation, *, business_seconds: int, at: datetime) -> None:
    """The conversation was resolved, `business_seconds` after it opened."""


def sla_outcome(conversation: Conversation, *, met: bool, at: datetime) -> None:
    """One clock ended: met in time, or breached."""


def csat(conversation: Conversation, *, score: int, at: datetime) -> None:
    """The buyer answered the survey."""


def forbidden_hit(conversation: Conversation | None, *, agent_id: int, shop_id: int, at: datetime) -> None:
    """An agent's draft was caught."""
