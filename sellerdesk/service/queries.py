"""Reads of the desk used by more than one caller: the inbox and its counts, a buyer's
past conversations, the messages after one a client saw (catching up after a
reconnect). Every read is limited to the shops the actor serves (service.access)."""

from __future__ import annotations

import re
from typing import Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.models import (
    INTENTS,
    UNCLASSIFIED,
    AgentProfile,
    Conversation,
    ConversationChannel,
    ConversationStatus,
    Message,
    SlaState,
)
from sellerdesk.service.states import ACTIVE_STATUSES

View = Literal["mine", "unassigned", "team", "all"]
VIEWS: tuple[str, ...] = ("mine", "unassigned", "team", "all")
# The inbox never lists more rows than this at once (the client pages by last_message_at).
INBOX_LIMIT = 200
CATCH_UP_LIMIT = 500
MAX_QUERY = 100


def _team_id(actor: User) -> int | None:
    return AgentProfile.objects.filter(user_id=actor.pk).values_list("team_id", flat=True).first()


def _visible(actor: User | None) -> QuerySet[Conversation]:
    conversations = Conversation.objects.all()
    shops = agent_shop_ids(actor)
    if shops is not None:
        conversations = conversations.filter(shop_id__in=shops)
    return conversations


def _view(conversations: QuerySet[Conversation], actor: User, view: str) -> QuerySet[Conversation]:
    if view == "mine":
        return conversations.filter(assignee_id=actor.pk)
    if view == "unassigned":
        return conversations.filter(assignee__isnull=True)
    if view == "team":
        team = _team_id(actor)
        return conversations.filter(team_id=team) if team is not None else conversations.none()
    return conversations


def inbox(
    *,
    actor: User,
    view: str = "mine",
    channel: str | None = None,
    shop_id: int | None = None,
    intent: str | None = None,
    sla_state: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Conversation]:
    """The conversations of one inbox view, newest message first, at most INBOX_LIMIT:
    by default the active ones (open, pending, snoozed); `status` picks one status.
    Filters: channel, shop, intent, SLA state, and `q` (the buyer's name or contact, the
    subject, or the conversation's number)."""
    require(actor, "service.view")
    bad: dict[str, str] = {}
    if view not in VIEWS:
        bad["view"] = _("one of %(values)s") % {"values": ", ".join(VIEWS)}
    if channel and channel not in ConversationChannel.values:
        bad["channel"] = _("one of %(values)s") % {"values": ", ".join(ConversationChannel.values)}
    if intent and intent not in (*INTENTS, UNCLASSIFIED):
        bad["intent"] = _("not a known intent")
    if sla_state and sla_state not in SlaState.values:
        bad["sla_state"] = _("one of %(values)s") % {"values": ", ".join(v for v in SlaState.values if v)}
    if status and status not in ConversationStatus.values:
        bad["status"] = _("one of %(values)s") % {"values": ", ".join(ConversationStatus.values)}
    if q and len(q) > MAX_QUERY:
        bad["q"] = _("at most %(count)s characters") % {"count": MAX_QUERY}
    if bad:
        raise ValidationFailed(bad)
    conversations = _view(_visible(actor), actor, view)
    if status:
        conversations = conversations.filter(status=status)
    else:
        conversations = conversations.filter(status__in=list(ACTIVE_STATUSES))
    if channel:
        conversations = conversations.filter(channel=channel)
    if shop_id is not None:
        conversations = conversations.filter(shop_id=shop_id)
    if intent:
        conversations = conversations.filter(intent="" if intent == UNCLASSIFIED else intent)
    if sla_state:
        conversations = conversations.filter(sla_state=sla_state)
    if q and q.strip():
        term = q.strip()
        match = (
            Q(contact_name__icontains=term)
            | Q(contact__icontains=term)
            | Q(subject__icontains=term)
            | Q(customer__name__icontains=term)
        )
        number = re.fullmatch(r"#?([0-9]{1,12})", term)
        if number:
            match |= Q(pk=int(number.group(1)))
        conversations = conversations.filter(match)
    return conversations.select_related("shop", "customer", "assignee", "order").order_by("-last_message_at", "-pk")[
        :INBOX_LIMIT
    ]


def counts(actor: User) -> dict[str, int]:
    """How many active conversations each inbox view holds for `actor`."""
    require(actor, "service.view")
    active = _visible(actor).filter(status__in=list(ACTIVE_STATUSES))
    # One pass over the active rows, one COUNT … FILTER per view (not a query per view).
    team = _team_id(actor)
    aggregates = {
        "mine": Count("pk", filter=Q(assignee_id=actor.pk)),
        "unassigned": Count("pk", filter=Q(assignee__isnull=True)),
        "all": Count("pk"),
    }
    if team is not None:
        aggregates["team"] = Count("pk", filter=Q(team_id=team))
    found = active.aggregate(**aggregates)
    return {view: int(found.get(view) or 0) for view in VIEWS}


def unread_total(actor: User) -> int:
    """Buyer messages unread in the actor's own conversations (the desk's badge)."""
    total = (
        _visible(actor)
        .filter(assignee_id=actor.pk, status__in=list(ACTIVE_STATUSES))
        .aggregate(total=Sum("unread_agent"))["total"]
    )
    return int(total or 0)


def conversation_for(actor: User, pk: int, *, permission: str = "service.view") -> Conversation:
    """Conversation `pk` if `actor` may see it, else NotFound (another shop's conversation
    is not shown to exist)."""
    require(actor, permission)
    found = _visible(actor).select_related("shop", "customer", "assignee", "order", "sla_policy").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such conversation."), details={"conversation": pk})
    return found


def past_conversations(conversation: Conversation, *, limit: int = 20) -> QuerySet[Conversation]:
    """The buyer's other conversations (by customer, else by the same contact on the
    same channel), newest first."""
    if conversation.customer_id is not None:
        others = Conversation.objects.filter(customer_id=conversation.customer_id)
    elif conversation.contact:
        others = Conversation.objects.filter(
            shop_id=conversation.shop_id, channel=conversation.channel, contact=conversation.contact
        )
    else:
        return Conversation.objects.none()
    return others.exclude(pk=conversation.pk).select_related("shop").order_by("-created_at", "-pk")[:limit]


def messages_since(
    conversation: Conversation, after_id: int = 0, *, include_notes: bool = True, limit: int = CATCH_UP_LIMIT
) -> QuerySet[Message]:
    """The conversation's messages with an id above `after_id` in order (catching up after
    a reconnect), with their attachments and authors; the buyer's side (include_notes
    False) leaves the notes and call logs out."""
    messages = Message.objects.filter(conversation=conversation, pk__gt=max(0, int(after_id)))
    if not include_notes:
        # The buyer's side: private notes and the agents' call logs are not theirs to read.
        messages = messages.exclude(kind__in=["note", "call"])
    return messages.select_related("author", "call").prefetch_related("attachments").order_by("pk")[:limit]


def may_supervise(actor: User | None) -> bool:
    return has_permission(actor, "service.supervise")
