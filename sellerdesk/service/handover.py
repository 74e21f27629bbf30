"""Shift handover (交接班, seed 003's 交接班规范 and seed 000's 聊天记录的交接): at the
end of a shift the agent writes what the next one must know — the open conversations,
the promises made with their due times, notes — and the next agent acknowledges it
("交清接明"). Both names and times are kept; handovers nobody acknowledged are listed
for the supervisor.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.service import events, routing
from sellerdesk.service.access import may_serve_shop
from sellerdesk.service.models import Conversation, Handover, HandoverItem
from sellerdesk.service.states import ACTIVE_STATUSES

HANDED_OVER = "conversation_handed_over"
HANDOVER_ACKNOWLEDGED = "conversation_handover_acknowledged"
events.register_code(
    HANDED_OVER,
    gettext_lazy("Handed over at the end of the shift by %(from)s"),
    format=lambda data: {"from": data.get("from_name", "")},
    example={"from_name": "阿华", "handover": 1, "promise": "今晚 20:00 前回复退款进度"},
)
events.register_code(
    HANDOVER_ACKNOWLEDGED,
    gettext_lazy("Handover acknowledged by %(by)s"),
    format=lambda data: {"by": data.get("by_name", "")},
    example={"by_name": "小美", "handover": 1},
)

MAX_NOTES = 5000
MAX_PROMISE = 300
MAX_ITEMS = 200


@dataclass(frozen=True)
class ItemDraft:
    """One thing handed over: a conversation, a promise made to the buyer with when it is
    due, or both."""

    conversation_id: int | None = None
    promise: str = ""
    due_at: datetime | None = None


def open_conversations(agent: User) -> list[Conversation]:
    """The conversations the agent is working on (what a handover hands on by default)."""
    return list(
        Conversation.objects.filter(assignee=agent, status__in=ACTIVE_STATUSES).order_by("last_message_at", "pk")
    )


def write_handover(
    *,
    from_agent: User,
    to_agent: User | None = None,
    notes: str,
    items: Sequence[ItemDraft] | None = None,
    at: datetime | None = None,
) -> Handover:
    """The leaving agent's handover: notes (at most 5,000 characters), the items — by
    default (`items` None) the agent's open conversations — each with an optional promise
    (at most 300 characters) and its due time, for `to_agent` or whoever takes the next
    shift. Checked whole (ValidationFailed naming `items[i].field`; nothing written).
    Each conversation handed over gets a line on its timeline."""
    at = at or timezone.now()
    require(from_agent, "service.reply")
    notes = (notes or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if len(notes) > MAX_NOTES:
        errors["notes"] = _("At most %(n)s characters.") % {"n": MAX_NOTES}
    if to_agent is not None:
        if to_agent.pk == from_agent.pk:
            errors["to_agent"] = _("Hand over to another agent.")
        elif not to_agent.is_active or not has_permission(to_agent, "service.reply"):
            errors["to_agent"] = _("%(name)s does not answer conversations.") % {"name": to_agent.signature}
    drafts = (
        [ItemDraft(conversation_id=conversation.pk) for conversation in open_conversations(from_agent)]
        if items is None
        else list(items)
    )
    if len(drafts) > MAX_ITEMS:
        errors["items"] = _("At most %(n)s items.") % {"n": MAX_ITEMS}
    wanted = {draft.conversation_id for draft in drafts if draft.conversation_id is not None}
    found = {conversation.pk: conversation for conversation in Conversation.objects.filter(pk__in=wanted)}
    for index, draft in enumerate(drafts[:MAX_ITEMS]):
        prefix = f"items[{index}]."
        promise = (draft.promise or "").strip()
        if draft.conversation_id is None and not promise:
            errors[prefix + "promise"] = _("Name a conversation or a promise.")
        if len(promise) > MAX_PROMISE:
            errors[prefix + "promise"] = _("At most %(n)s characters.") % {"n": MAX_PROMISE}
        if draft.due_at is not None and not promise:
            errors[prefix + "due_at"] = _("A due time belongs to a promise.")
        if draft.conversation_id is not None:
            conversation = found.get(draft.conversation_id)
            if conversation is None:
                errors[prefix + "conversation"] = _("No such conversation.")
            elif not may_serve_shop(from_agent, conversation.shop_id):
                errors[prefix + "conversation"] = _("You do not serve this conversation's shop.")
    if not notes and not drafts:
        errors["notes"] = _("Write what the next shift should know, or hand over a conversation.")
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        handover = Handover.objects.create(from_agent=from_agent, to_agent=to_agent, notes=notes, created_at=at)
        HandoverItem.objects.bulk_create(
            [
                HandoverItem(
                    handover=handover,
                    conversation_id=draft.conversation_id,
                    promise=(draft.promise or "").strip(),
                    due_at=draft.due_at,
                )
                for draft in drafts
            ]
        )
        for draft in drafts:
            if draft.conversation_id is not None:
                events.record_event(
                    conversation=found[draft.conversation_id],
                    code=HANDED_OVER,
                    actor=from_agent,
                    at=at,
                    from_name=from_agent.signature,
                    handover=handover.pk,
                    promise=(draft.promise or "").strip(),
                )
    return handover


def acknowledge(*, handover: Handover, actor: User, at: datetime | None = None, take_over: bool = False) -> Handover:
    """The next agent confirms they received the handover ("交清接明"): their name and the
    time are kept. Only the agent it was written for (or, when it names none, any agent
    but its writer) may; acknowledging twice is refused (409). With `take_over`, the
    handed-over conversations the writer still has (and that are still open) become the
    acknowledging agent's, as far as routing allows (online, their shop, room under their
    cap); those it refuses stay where they are, and the acknowledgement stands."""
    at = at or timezone.now()
    require(actor, "service.reply")
    with transaction.atomic():
        handover = Handover.objects.select_for_update().get(pk=handover.pk)
        if handover.acknowledged_at is not None:
            raise Conflict("handover_acknowledged", _("This handover was already acknowledged."))
        if handover.to_agent_id is not None and handover.to_agent_id != actor.pk:
            raise PermissionDenied(_("This handover is for another agent."))
        if handover.from_agent_id == actor.pk:
            raise PermissionDenied(_("The next agent acknowledges a handover, not its writer."))
        handover.acknowledged_by = actor
        handover.acknowledged_at = at
        handover.save(update_fields=["acknowledged_by", "acknowledged_at"])
        conversation_ids = list(
            handover.items.filter(conversation__isnull=False).values_list("conversation_id", flat=True)
        )
        for conversation in Conversation.objects.filter(pk__in=conversation_ids).order_by("pk"):
            events.record_event(
                conversation=conversation,
                code=HANDOVER_ACKNOWLEDGED,
                actor=actor,
                at=at,
                by_name=actor.signature,
                handover=handover.pk,
            )
            if (
                take_over
                and conversation.assignee_id == handover.from_agent_id
                and conversation.status in ACTIVE_STATUSES
            ):
                # On the handover's authority (the system's, not the agent's: an agent may
                # not take a conversation another agent has), in a savepoint each; refused
                # (offline, another shop, no room): the conversation stays with its agent.
                with suppress(DomainError):
                    routing.assign(conversation=conversation, agent=actor, actor=None, at=at)
    return handover


def unacknowledged(*, older_than: timedelta | None = None, now: datetime | None = None) -> QuerySet[Handover]:
    """Handovers nobody acknowledged yet (written more than `older_than` ago, if given),
    the oldest first: the supervisor's list."""
    rows = Handover.objects.filter(acknowledged_at__isnull=True).select_related("from_agent", "to_agent")
    if older_than is not None:
        rows = rows.filter(created_at__lte=(now or timezone.now()) - older_than)
    return rows.order_by("created_at", "pk")


def handovers_for(*, actor: User) -> QuerySet[Handover]:
    """The handovers an agent sees: those they wrote, those for them, those for anyone
    (not yet acknowledged) — every one for a supervisor. The newest first."""
    require(actor, "service.view")
    rows = Handover.objects.select_related("from_agent", "to_agent", "acknowledged_by").prefetch_related(
        "items", "items__conversation"
    )
    if not has_permission(actor, "service.supervise"):
        rows = rows.filter(
            Q(from_agent=actor) | Q(to_agent=actor) | Q(to_agent__isnull=True, acknowledged_at__isnull=True)
        )
    return rows.order_by("-created_at", "-pk")
