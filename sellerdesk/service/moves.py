"""The moves of a conversation and its other small writes: waiting for the buyer,
snoozing, resolving (the survey, the follow-up, the agent's load and the figures told),
reopening, priority, marking a complaint, and the two sides' reads. Each is one
transaction on the locked row; re-exported by service.conversations, which callers use."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.service import complaints, events, figures, followups, realtime, routing, surveys
from sellerdesk.service.access import require_access
from sellerdesk.service.lifecycle import MAX_SNOOZE, business_seconds_since, locked, move, now, reopen_locked
from sellerdesk.service.models import Conversation, ConversationStatus, Message, MessageKind, Priority, Skill
from sellerdesk.service.states import ConversationAction


def wait_for_buyer(*, conversation: Conversation, actor: User, at: datetime | None = None) -> Conversation:
    """Pending: the agent waits for the buyer's answer (the clocks pause)."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.status == ConversationStatus.PENDING:
            return conversation
        conversation.snoozed_until = None
        move(conversation, ConversationAction.WAIT, actor=actor, at=at, fields=("snoozed_until",))
        realtime.publish_conversation(conversation)
    return conversation


def snooze(*, conversation: Conversation, actor: User, until: datetime, at: datetime | None = None) -> Conversation:
    """Snoozed until `until` (later than now, within 90 days): the service.snoozes job
    wakes it then, or the buyer's next message does."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    if timezone.is_naive(until):
        raise ValidationFailed({"until": _("needs a time zone")})
    if until <= at:
        raise ValidationFailed({"until": _("must be later than now")})
    if until - at > MAX_SNOOZE:
        raise ValidationFailed({"until": _("at most %(days)s days from now") % {"days": MAX_SNOOZE.days}})
    with transaction.atomic():
        conversation = locked(conversation)
        conversation.snoozed_until = until
        if conversation.status == ConversationStatus.SNOOZED:
            conversation.save(update_fields=["snoozed_until"])
        else:
            move(conversation, ConversationAction.SNOOZE, actor=actor, at=at, fields=("snoozed_until",))
        realtime.publish_conversation(conversation)
    return conversation


def resolve(*, conversation: Conversation, actor: User | None, at: datetime | None = None) -> Conversation:
    """Resolved: the clocks end, the agent's load goes down, the figures count the
    resolution, the survey is sent (once) and a follow-up scheduled where it helps."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.status == ConversationStatus.RESOLVED:
            return conversation
        conversation.resolved_at = at
        conversation.snoozed_until = None
        conversation.waiting_since = None
        if conversation.assignee_id is not None:
            conversation.last_assignee_id = conversation.assignee_id
        move(
            conversation,
            ConversationAction.RESOLVE,
            actor=actor,
            at=at,
            fields=("resolved_at", "snoozed_until", "waiting_since", "last_assignee"),
        )
        routing.on_finished(conversation, at=at)
        figures.resolved(
            conversation, business_seconds=business_seconds_since(conversation, conversation.created_at, at), at=at
        )
        surveys.send_survey(conversation, at=at)
        followups.on_resolved(conversation, at=at)
        realtime.publish_conversation(conversation)
    return conversation


def reopen(*, conversation: Conversation, actor: User | None, at: datetime | None = None) -> Conversation:
    """Open again (from pending, snoozed or resolved); a resolved one counts against its
    agent again or is routed."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.status == ConversationStatus.OPEN:
            return conversation
        reopen_locked(conversation, actor=actor, at=at)
        realtime.publish_conversation(conversation)
    return conversation


def set_priority(*, conversation: Conversation, actor: User, priority: int, at: datetime | None = None) -> Conversation:
    """Change the priority (low, normal, high, urgent), on the timeline."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    if priority not in Priority.values:
        raise ValidationFailed({"priority": _("one of %(values)s") % {"values": ", ".join(map(str, Priority.values))}})
    with transaction.atomic():
        conversation = locked(conversation)
        before = conversation.priority
        if before == priority:
            return conversation
        conversation.priority = priority
        conversation.save(update_fields=["priority"])
        events.record_event(
            conversation=conversation, code=events.PRIORITY, actor=actor, at=at, before=before, after=priority
        )
        realtime.publish_conversation(conversation)
    return conversation


def mark_complaint(*, conversation: Conversation, actor: User, at: datetime | None = None) -> Conversation:
    """The agent marks the conversation a complaint: high priority, the complaint
    procedure started (once)."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.intent == "complaint":
            return conversation
        conversation.intent = "complaint"
        conversation.skill = Skill.AFTER_SALE
        conversation.priority = max(conversation.priority, Priority.HIGH)
        conversation.save(update_fields=["intent", "skill", "priority"])
        events.record_event(conversation=conversation, code=events.COMPLAINT, actor=actor, at=at)
        complaints.on_complaint(conversation, at=at)
        realtime.publish_conversation(conversation)
    return conversation


def mark_read(*, conversation: Conversation, actor: User, at: datetime | None = None) -> Conversation:
    """The agent has read the buyer's messages: their unread count goes to zero."""
    at = now(at)
    require_access(actor, conversation, "service.view")
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.unread_agent == 0:
            return conversation
        Message.objects.filter(conversation=conversation, kind=MessageKind.BUYER, read_at__isnull=True).update(
            read_at=at
        )
        conversation.unread_agent = 0
        conversation.save(update_fields=["unread_agent"])
        realtime.publish_conversation(conversation)
        realtime.publish_read(conversation, by="agent")
    return conversation


def buyer_read(*, conversation: Conversation, at: datetime | None = None) -> Conversation:
    """The buyer has read the agents' messages (their portal chat was open)."""
    at = now(at)
    with transaction.atomic():
        conversation = locked(conversation)
        if conversation.unread_buyer == 0:
            return conversation
        Message.objects.filter(
            conversation=conversation, kind__in=[MessageKind.AGENT, MessageKind.SYSTEM], read_at__isnull=True
        ).update(read_at=at)
        conversation.unread_buyer = 0
        conversation.save(update_fields=["unread_buyer"])
        realtime.publish_conversation(conversation)
        realtime.publish_read(conversation, by="buyer")
    return conversation
