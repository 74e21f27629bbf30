"""What payments asks the layers above it (ports; see core.hooks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sellerdesk.core.hooks import Port
from sellerdesk.orders.models import Order

# Money already on its way back to the buyer of this order through another flow (an
# after-sales refund written and not yet confirmed by the gateway or the bank transfer),
# which records its own refund row when the money has gone. Payments subtracts it from
# what an order's close or a removed line would refund, so that no money is counted
# twice. Provided by aftersales; without it nothing is under way.
REFUNDS_UNDER_WAY: Port[Callable[[Order], Decimal]] = Port("refunds under way for an order (aftersales)")


@dataclass(frozen=True)
class RefundNotificationResult:
    """What a gateway's refund callback did: the refund, its status now, and whether it
    was recorded before (a replay)."""

    refund_number: str
    status: str
    duplicate: bool


class RefundNotificationHandler(Protocol):
    def __call__(self, *, gateway_name: str, body: bytes, headers: Mapping[str, str]) -> RefundNotificationResult:
        """Verify the signed callback (BadSignature first), record the refund once."""
        ...


# Who records a gateway's refund callback (the refunds are after-sales'); the endpoint
# /api/v1/payments/{gateway}/refunds/notify hands the request to it.
REFUND_NOTIFICATIONS: Port[RefundNotificationHandler] = Port("gateway refund callbacks (aftersales)")
