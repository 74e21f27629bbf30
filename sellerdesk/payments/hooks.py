"""What payments asks the layers above it (ports; see core.hooks)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sellerdesk.core.hooks import Port
from sellerdesk.orders.models import Order

# Money already on its way back to the buyer of this order through another flow (an
# after-sales refund written and not yet confirmed by the gateway or the bank transfer),
# which records its own refund row when the money has gone. Payments subtracts it from
# what an order's close or a removed line would refund, so that no money is counted
# twice. Provided by aftersales; without it nothing is under way.
REFUNDS_UNDER_WAY: Port[Callable[[Order], Decimal]] = Port("refunds under way for an order (aftersales)")
