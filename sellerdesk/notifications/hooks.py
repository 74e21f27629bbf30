"""What notifications asks of the layers above it (core.hooks Ports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sellerdesk.core.hooks import Port

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


class ChatDelivery(Protocol):
    def __call__(self, message: OutgoingMessage) -> str | None:
        """Post `message` (channel im) into the buyer's conversation of the service desk
        and answer the id it has there, or None when no conversation can take it (no
        buyer known): the chat adapter then keeps it as an in-site message. Runs with no
        transaction open; may raise a DomainError (refused for good) or a DatabaseError
        (worth trying again)."""
        ...


# Provided by the service desk (service.subscribers): chat messages go into the buyer's
# web-chat conversation. Without it, a chat message is shown as an in-site message.
CHAT_DELIVERY: Port[ChatDelivery] = Port("chat messages into the buyer's conversation (service)")
