"""Chat (the service desk's conversation with the buyer).

The service desk (issue 9) does not exist yet, so there is no conversation to write into:
until it lands, a chat message is delivered as an in-site message, shown in the buyer
portal with the order's other messages (the portal lists channel "im" with "in_site").
When the desk exists, this adapter posts into the buyer's conversation instead (through
a hook the desk provides: the desk sits above notifications)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerdesk.notifications.channels.base import SendResult

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


class ImAdapter:
    channel = "im"

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(ok=True, provider_message_id=f"in_site:{message.pk}")
