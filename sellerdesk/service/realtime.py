"""Real time (owner H2): what the desk and the portal's chat see without reloading.

Publishing is called by the actions (service.conversations …) inside their transaction;
it sends after commit, through the channel layer, to the groups named here. Never raises
for a delivery problem (the clients catch up on reconnect from the database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sellerdesk.service.models import AgentProfile, Conversation, Message


def conversation_group(conversation_id: int) -> str:
    return f"service.conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"service.agent.{user_id}"


def shop_group(shop_id: int) -> str:
    """Every agent of the shop (new unassigned conversations, inbox counts)."""
    return f"service.shop.{shop_id}"


def buyer_group(customer_id: int) -> str:
    return f"service.buyer.{customer_id}"


def publish_message(message: Message) -> None:
    """A new message (not a private note to the buyer): to the conversation's watchers,
    its agent's inbox, and the buyer (web chat) unless it is a note."""


def publish_conversation(conversation: Conversation) -> None:
    """The conversation's status, assignee, unread counts or SLA changed: inbox rows."""


def publish_presence(profile: AgentProfile) -> None:
    """An agent went online / away / offline: the supervisors' and team's screens."""
