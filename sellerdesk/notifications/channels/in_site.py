"""In-site messages: shown in the buyer portal (the order's messages, with read state).

Nothing leaves the machine: the row itself is the message, so sending it only marks it
delivered. The outbox records the attempt and sets sent_at from this result, and from
then on the portal shows it (read_at is set when the buyer opens it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerdesk.notifications.channels.base import SendResult

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


class InSiteAdapter:
    channel = "in_site"

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(ok=True, provider_message_id=f"in_site:{message.pk}")
