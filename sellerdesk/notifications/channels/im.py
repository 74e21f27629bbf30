"""Chat (the service desk's conversation with the buyer).

A chat message is posted into the buyer's web-chat conversation through the
CHAT_DELIVERY port (notifications.hooks), which the service desk provides (it sits above
notifications): the buyer reads it in the portal's chat, live, and the agents see it in
the conversation. Without the desk, or when no buyer is known for the message, it is
delivered as an in-site message, shown in the buyer portal with the order's other
messages (the portal lists channel "im" with "in_site")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import DatabaseError

from sellerdesk.core.errors import DomainError
from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.notifications.channels.base import SendResult, clip
from sellerdesk.notifications.hooks import CHAT_DELIVERY

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


class ImAdapter:
    channel = "im"

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            deliver = CHAT_DELIVERY.get()
        except PortNotProvided:
            return SendResult(ok=True, provider_message_id=f"in_site:{message.pk}")
        try:
            posted = deliver(message)
        except DomainError as error:
            return SendResult(ok=False, retryable=False, error=clip(error.message, 500))
        except (DatabaseError, OSError) as error:
            # The database was busy, or the far end (a marketplace's chat) unreachable:
            # worth another try later.
            return SendResult(ok=False, error=clip(str(error), 500))
        if posted is None:
            return SendResult(ok=True, provider_message_id=f"in_site:{message.pk}")
        return SendResult(ok=True, provider_message_id=posted)
