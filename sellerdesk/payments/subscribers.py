"""How payments follows orders (core.hooks): money taken for goods that will not ship
goes back to the buyer. Connected in PaymentsConfig.ready()."""

from __future__ import annotations

from sellerdesk.core import hooks
from sellerdesk.core.money import ZERO
from sellerdesk.orders.hooks import OrderClosed, RefundOwed
from sellerdesk.orders.views import register_move
from sellerdesk.payments.actions import record_refund
from sellerdesk.payments.views import PAY


def refund_closed_order(payload: OrderClosed) -> None:
    """Money taken for an order that will not ship goes back to the buyer."""
    order = payload.order
    if order.paid_amount > ZERO:
        record_refund(
            order=order,
            amount=order.paid_amount - order.refunded_amount,
            actor=payload.actor,
            at=payload.at,
            reason=payload.reason,
        )


def record_owed_refund(payload: RefundOwed) -> None:
    record_refund(order=payload.order, amount=payload.amount, actor=payload.actor, at=payload.at, reason=payload.reason)


def connect() -> None:
    # The order page offers "Record payment" (orders.views); the move is handled here.
    register_move("pay", PAY)
    hooks.subscribe(OrderClosed, refund_closed_order, when=hooks.IN_TRANSACTION, priority=20)
    hooks.subscribe(RefundOwed, record_owed_refund, when=hooks.IN_TRANSACTION)
