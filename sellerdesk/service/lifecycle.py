"""What every write on a conversation shares: the clock, the size limit of a message,
cleaning typed text, the row lock, and the one way of moving a conversation (`move`: the
transition table, the timeline, the clocks). Used by service.conversations (messages)
and service.moves (status, priority, reads)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.service import calendars, config, events, routing, sla, states
from sellerdesk.service.models import Conversation, ConversationStatus
from sellerdesk.service.states import ConversationAction

DEFAULT_MAX_MESSAGE_CHARS = 5000
MAX_OVERRIDE_REASON = 300
MAX_EXTERNAL_ID = 200
MAX_SNOOZE = timedelta(days=90)
MAX_CALL_SECONDS = 24 * 3600
PREVIEW_CHARS = 200
# A buyer writing again within this many hours of the last message continues that chat.
DEFAULT_REOPEN_WITHIN_HOURS = 24


def service_setting(name: str, default: int) -> int:
    return int(config.setting(name, default))


def max_message_chars() -> int:
    """The longest message body accepted (SERVICE["MAX_MESSAGE_CHARS"])."""
    return service_setting("MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS)


def now(at: datetime | None) -> datetime:
    return at or timezone.now()


def clean_body(body: str, *, field: str = "body", required: bool = True) -> str:
    body = (body or "").replace("\x00", "").strip()
    if required and not body:
        raise ValidationFailed({field: _("may not be empty")})
    limit = max_message_chars()
    if len(body) > limit:
        raise ValidationFailed(
            {field: _("is %(length)s characters long; at most %(limit)s") % {"length": len(body), "limit": limit}}
        )
    return body


def clip(text: str, limit: int) -> str:
    text = (text or "").replace("\x00", "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def preview(body: str, attachment_count: int) -> str:
    line = " ".join(body.split())
    if not line and attachment_count:
        line = _("[image]")
    return clip(line, PREVIEW_CHARS)


def locked(conversation: Conversation) -> Conversation:
    """The conversation's row, locked for the rest of the transaction and read again."""
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def move(
    conversation: Conversation,
    action: ConversationAction,
    *,
    actor: User | None,
    at: datetime,
    fields: Iterable[str] = (),
) -> None:
    """Move a locked conversation (InvalidTransition when the table has no such move),
    save the status with `fields`, write the event and tell the clocks."""
    before = conversation.status
    conversation.status = states.next_status(before, action)
    conversation.save(update_fields=sorted({"status", *fields}))
    events.record_event(
        conversation=conversation,
        code=events.MOVED,
        actor=actor,
        at=at,
        action=str(action.value),
        status_before=before,
        status_after=conversation.status,
    )
    sla.on_status(conversation, before=before, after=conversation.status, at=at)


def reopen_locked(conversation: Conversation, *, actor: User | None, at: datetime) -> None:
    was_resolved = conversation.status == ConversationStatus.RESOLVED
    conversation.resolved_at = None
    conversation.snoozed_until = None
    move(conversation, ConversationAction.REOPEN, actor=actor, at=at, fields=("resolved_at", "snoozed_until"))
    if was_resolved:
        routing.on_reopened(conversation, at=at)


def business_seconds_since(conversation: Conversation, start: datetime, end: datetime) -> int:
    """Business seconds from `start` to `end` on the calendar of the conversation's
    service-level policy (none: wall-clock seconds)."""
    policy = conversation.sla_policy
    calendar = policy.calendar if policy is not None else None
    return calendars.business_seconds_between(calendar, start, end)
