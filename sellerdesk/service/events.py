"""The conversation's timeline: codes (core.messages) and the one writer, `record_event`.

Every code a conversation event is written with is registered with `register_code` — here
for the codes of service.conversations, in each other module for its own codes, at
import (the modules are imported by ServiceConfig.ready) — with a translatable template
and an example, so that tests/test_timeline.py renders each in zh-Hans and en.
Parameters are facts (ids, codes, numbers), never sentences; what a person typed (a
reason, a summary) travels as a parameter and is shown as typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.models import User
from sellerdesk.service.models import ConversationChannel, ConversationEvent, ConversationStatus, Priority

_CODES: set[str] = set()


def register_code(code: str, template: Any = None, **renderer: Any) -> None:
    """Declare a conversation-timeline code and how it reads (see `core.messages.register`:
    `format`, `render`, `example`, `verbatim`). Registering a code twice raises."""
    messages.register(code, template, **renderer)
    _CODES.add(str(code))


def codes() -> list[str]:
    """Every conversation-timeline code registered so far, sorted."""
    return sorted(_CODES)


def record_event(
    *, conversation: Any, code: str, actor: User | None = None, at: datetime, **data: Any
) -> ConversationEvent:
    """One row of the conversation's timeline, in the caller's transaction. The code must
    be registered (LookupError otherwise: a text nobody can render is refused where it is
    written). `data` must be JSON-serialisable facts."""
    stored = messages.message(code, **data)
    stored.pop("code")
    return ConversationEvent.objects.create(conversation=conversation, code=code, data=stored, actor=actor, at=at)


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


ACTION_LABELS: dict[str, Any] = {
    "wait": gettext_lazy("Waiting for the buyer"),
    "snooze": gettext_lazy("Snoozed"),
    "resolve": gettext_lazy("Resolved"),
    "reopen": gettext_lazy("Reopened"),
}

OPENED = "conversation_opened"
MOVED = "conversation_moved"
PRIORITY = "conversation_priority"
CALL_LOGGED = "conversation_call_logged"
COMPLAINT = "conversation_marked_complaint"
SENT_ANYWAY = "conversation_sent_anyway"

register_code(
    OPENED,
    gettext_lazy("Conversation opened (%(channel)s)"),
    format=lambda p: {"channel": _label(ConversationChannel, p.get("channel", ""))},
    example={"channel": "web"},
)
register_code(
    MOVED,
    gettext_lazy("%(action)s: %(before)s → %(after)s"),
    format=lambda p: {
        "action": str(ACTION_LABELS.get(p.get("action", ""), p.get("action", ""))),
        "before": _label(ConversationStatus, p.get("status_before", "")),
        "after": _label(ConversationStatus, p.get("status_after", "")),
    },
    example={"action": "resolve", "status_before": "open", "status_after": "resolved"},
)
register_code(
    PRIORITY,
    gettext_lazy("Priority: %(before)s → %(after)s"),
    format=lambda p: {
        "before": _label(Priority, p.get("before", "")),
        "after": _label(Priority, p.get("after", "")),
    },
    example={"before": 1, "after": 3},
)
register_code(
    CALL_LOGGED,
    gettext_lazy("Phone call with %(number)s logged (%(duration)s s)"),
    format=lambda p: {"number": p.get("number", ""), "duration": p.get("duration_seconds", 0)},
    example={"number": "13800138000", "duration_seconds": 95, "inbound": True},
)
register_code(
    COMPLAINT,
    gettext_lazy("Marked as a complaint"),
    example={},
)
register_code(
    SENT_ANYWAY,
    gettext_lazy("Sent with the forbidden phrase “%(phrase)s” anyway: %(reason)s"),
    format=lambda p: {"phrase": p.get("phrase", ""), "reason": p.get("reason", "")},
    example={"phrase": "不知道", "reason": "买家原话引用", "message_id": 1},
)
