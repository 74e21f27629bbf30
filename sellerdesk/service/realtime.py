"""Real time (owner H2): what the desk and the portal's chat see without reloading.

Publishing is called by the actions (service.conversations …) inside their transaction;
it sends after commit, through the channel layer, to the groups named here. Never raises
for a delivery problem (the clients catch up on reconnect from the database).

The events are the JSON objects of the websocket protocol (docs/websocket.md); the
consumers (service.consumers) pass them to the sockets of the groups they joined.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

if TYPE_CHECKING:
    from sellerdesk.service.models import AgentProfile, Attachment, Conversation, Message

logger = logging.getLogger(__name__)

# The handler name every consumer answers ("service.event" → service_event).
EVENT_TYPE = "service.event"
# Every staff socket: agents' presence.
STAFF_GROUP = "service.staff"
# Staff sockets of agents who may see every shop (AgentProfile.shops empty).
ALL_SHOPS_GROUP = "service.shops"


def conversation_group(conversation_id: int) -> str:
    return f"service.conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"service.agent.{user_id}"


def shop_group(shop_id: int) -> str:
    """Every agent of the shop (new unassigned conversations, inbox counts)."""
    return f"service.shop.{shop_id}"


def buyer_group(customer_id: int) -> str:
    return f"service.buyer.{customer_id}"


# --- the events' JSON --------------------------------------------------------------------


def _attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "name": attachment.original_name,
    }


def message_json(message: Message) -> dict[str, Any]:
    """A message as the protocol's "message" object; the same shape for a live event and
    for catching up (service.consumers)."""
    author = message.author
    return {
        "id": message.pk,
        "kind": message.kind,
        "body": message.body,
        # An agent's display name (what a Taobao buyer sees of 客服); never a username.
        "author": (author.display_name or author.get_full_name() or "") if author is not None else "",
        "created_at": message.created_at.isoformat(),
        "attachments": [_attachment_json(attachment) for attachment in message.attachments.all()],
    }


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    """An inbox row: what the desk's list shows of a conversation."""
    return {
        "id": conversation.pk,
        "shop": conversation.shop_id,
        "channel": conversation.channel,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee": conversation.assignee_id,
        "team": conversation.team_id,
        "contact_name": conversation.contact_name or conversation.contact,
        "subject": conversation.subject,
        "intent": conversation.intent,
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
        "last_message_preview": conversation.last_message_preview,
        "waiting_since": conversation.waiting_since.isoformat() if conversation.waiting_since else None,
        "unread_agent": conversation.unread_agent,
        "sla_state": conversation.sla_state,
        "sla_due_at": conversation.sla_due_at.isoformat() if conversation.sla_due_at else None,
    }


def _watcher_groups(conversation: Conversation) -> list[str]:
    """The desks that show the conversation itself: those subscribed to it, its agent's."""
    groups = [conversation_group(conversation.pk)]
    if conversation.assignee_id is not None:
        groups.append(agent_group(conversation.assignee_id))
    return groups


def _inbox_groups(conversation: Conversation) -> list[str]:
    """Every desk whose inbox lists the conversation (its shop's agents, every-shop agents)."""
    return [shop_group(conversation.shop_id), ALL_SHOPS_GROUP]


def _buyer_sees(conversation: Conversation) -> bool:
    # The portal's chat page shows the buyer's web chat; other channels answer on their own.
    return conversation.customer_id is not None and conversation.channel == "web"


# --- sending -----------------------------------------------------------------------------


def send_now(groups: list[str], event: dict[str, Any]) -> None:
    """Send `event` to every group at once. A delivery problem (Redis down) is logged, not
    raised: the write that caused the event has committed, and the clients catch up."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, groups, {"type": EVENT_TYPE, "event": event})
    except Exception:
        logger.warning("realtime: could not publish %s to %s", event.get("type"), groups, exc_info=True)


async def _send_all(layer: Any, groups: list[str], payload: dict[str, Any]) -> None:
    for group in dict.fromkeys(groups):
        await layer.group_send(group, payload)


def _after_commit(groups: list[str], event: dict[str, Any]) -> None:
    # Never tell a socket about a row that a rollback may still take back.
    transaction.on_commit(lambda: send_now(groups, event))


def publish_message(message: Message) -> None:
    """A new message (not a private note to the buyer): to the conversation's watchers,
    its agent's inbox, and the buyer (web chat) unless it is a note."""
    conversation = message.conversation
    event = {"type": "message", "conversation": conversation.pk, "message": message_json(message)}
    _after_commit(_watcher_groups(conversation), event)
    # The inbox rows move too (last message, unread count) on every desk of the shop.
    _after_commit(_inbox_groups(conversation), {"type": "conversation", **conversation_json(conversation)})
    if message.kind != "note" and _buyer_sees(conversation) and conversation.customer_id is not None:
        _after_commit([buyer_group(conversation.customer_id)], event)


def publish_conversation(conversation: Conversation) -> None:
    """The conversation's status, assignee, unread counts or SLA changed: inbox rows."""
    _after_commit(
        _inbox_groups(conversation) + _watcher_groups(conversation),
        {"type": "conversation", **conversation_json(conversation)},
    )
    if _buyer_sees(conversation) and conversation.customer_id is not None:
        # The buyer sees only whether the conversation is open and their unread count.
        _after_commit(
            [buyer_group(conversation.customer_id)],
            {
                "type": "conversation",
                "id": conversation.pk,
                "status": conversation.status,
                "unread_buyer": conversation.unread_buyer,
            },
        )


def publish_read(conversation: Conversation, *, by: Literal["agent", "buyer"]) -> None:
    """One side read the other's messages (service.conversations.mark_read / buyer_read):
    the other side's ticks turn to "read"."""
    event = {
        "type": "read",
        "conversation": conversation.pk,
        "by": by,
        "unread_agent": conversation.unread_agent,
        "unread_buyer": conversation.unread_buyer,
    }
    _after_commit(_watcher_groups(conversation), event)
    if _buyer_sees(conversation) and conversation.customer_id is not None:
        _after_commit([buyer_group(conversation.customer_id)], event)


def publish_presence(profile: AgentProfile) -> None:
    """An agent went online / away / offline: the supervisors' and team's screens."""
    _after_commit(
        [STAFF_GROUP],
        {
            "type": "presence",
            "user": profile.user_id,
            "presence": profile.presence,
            "at": profile.presence_at.isoformat() if profile.presence_at else None,
        },
    )
