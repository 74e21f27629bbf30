"""How payments follows orders (core.hooks): money taken for goods that will not ship
goes back to the buyer. Connected in PaymentsConfig.ready()."""

from __future__ import annotations

from decimal import Decimal

from sellerdesk.core import hooks
from sellerdesk.core.money import ZERO
from sellerdesk.orders.hooks import OrderClosed, RefundOwed
from sellerdesk.orders.models import Order
from sellerdesk.orders.views import register_move
from sellerdesk.payments.actions import record_refund
from sellerdesk.payments.hooks import REFUNDS_UNDER_WAY
from sellerdesk.payments.views import PAY


def _under_way(order: Order) -> Decimal:
    """What another flow (an after-sales refund) is refunding already and will record itself."""
    try:
        return REFUNDS_UNDER_WAY.get()(order)
    except hooks.PortNotProvided:
        return ZERO


def refund_closed_order(payload: OrderClosed) -> None:
    """Money taken for an order that will not ship goes back to the buyer, less what an
    after-sales refund is refunding already (it records its own row when the money has gone)."""
    order = payload.order
    if order.paid_amount > ZERO:
        record_refund(
            order=order,
            amount=order.paid_amount - order.refunded_amount - _under_way(order),
            actor=payload.actor,
            at=payload.at,
            reason=payload.reason,
        )


def record_owed_refund(payload: RefundOwed) -> None:
    """The refund a line change owes, less what an after-sales refund is refunding already
    (removing the lines a case refunds owes exactly that case's money: it is not counted twice)."""
    amount = max(payload.amount - _under_way(payload.order), ZERO)
    record_refund(order=payload.order, amount=amount, actor=payload.actor, at=payload.at, reason=payload.reason)


def connect() -> None:
    # The order page offers "Record payment" (orders.views); the move is handled here.
    register_move("pay", PAY)
    hooks.subscribe(OrderClosed, refund_closed_order, when=hooks.IN_TRANSACTION, priority=20)
    hooks.subscribe(RefundOwed, record_owed_refund, when=hooks.IN_TRANSACTION)
