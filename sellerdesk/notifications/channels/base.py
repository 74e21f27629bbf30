"""The interface every channel adapter implements.

An adapter sends one OutgoingMessage through one channel (SMS, email, webhook, in-site,
chat) and answers with a SendResult: sent (with the provider's message id), or failed,
saying whether trying again later may help. The outbox (notifications.outbox) calls it
outside any database transaction and records the answer; an adapter never changes the
message row itself, and never raises for a failure the provider reports (only for a
programming error), so that every attempt is recorded the same way.

registry.adapter_for picks the adapter for a channel from the settings.

The same message may be handed to an adapter more than once (a worker died after the
provider accepted it): adapters pass the message's idempotency key on where the provider
takes one (webhooks: X-Sellerdesk-Delivery; Aliyun: OutId), so the receiver can dedupe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


@dataclass(frozen=True)
class SendResult:
    """How one attempt went. `retryable` matters only when not `ok`: False means the same
    message will never go through (a bad number, a 404 webhook), so the outbox gives up
    at once instead of backing off."""

    ok: bool
    provider_message_id: str = ""
    status_code: int | None = None
    error: str = ""
    # The provider's answer, cut short: kept on the DeliveryAttempt for staff.
    response: str = ""
    retryable: bool = True


class ChannelAdapter(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send `message` (no transaction open); failures come back as a SendResult."""
        ...


def notification_settings() -> dict[str, Any]:
    """settings.SELLERDESK["NOTIFICATIONS"] (every key optional; see settings.py)."""
    return dict(settings.SELLERDESK.get("NOTIFICATIONS", {}))


def clip(text: str, limit: int = 1000) -> str:
    """`text` cut to fit a DeliveryAttempt's column."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
