"""How reminders follows orders (core.hooks) and what it answers orders (ports).
Connected in RemindersConfig.ready()."""

from __future__ import annotations

from sellerdesk.core import hooks
from sellerdesk.orders.hooks import REMINDER_BADGES, OrderPaid
from sellerdesk.reminders import actions
from sellerdesk.reminders.queries import reminder_badges


def record_payment(payload: OrderPaid) -> None:
    """A reminded order is paid: the recovery is counted (in the payment's transaction)."""
    actions.record_payment(order_id=payload.order.pk, at=payload.at)


def connect() -> None:
    hooks.subscribe(OrderPaid, record_payment, when=hooks.IN_TRANSACTION)
    REMINDER_BADGES.provide(reminder_badges)
