"""How purchasing follows orders (core.hooks): a paid order's dropship lines are bought,
a completed order's purchases settled, a closed order's purchases cancelled. Connected
in PurchasingConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sellerdesk.core import hooks
from sellerdesk.inventory.hooks import RESTOCK_DATES
from sellerdesk.orders.hooks import OPEN_PURCHASES, OrderClosed, OrderCompleted, OrderPaid
from sellerdesk.orders.states import OrderStatus
from sellerdesk.purchasing import dropship, queries
from sellerdesk.purchasing.models import PurchaseOrder, PurchaseStatus


def buy_for_paid_order(payload: OrderPaid) -> None:
    dropship.on_order_paid(order=payload.order, actor=payload.actor, at=payload.at)


def settle_for_completed_order(payload: OrderCompleted) -> None:
    dropship.on_order_completed(order=payload.order, actor=payload.actor, at=payload.at)


def cancel_for_closed_order(payload: OrderClosed) -> None:
    if payload.before != OrderStatus.UNPAID:  # only a paid (or COD) order can have dropship purchases
        dropship.on_order_closed(order=payload.order, actor=payload.actor, at=payload.at)


def open_purchases() -> QuerySet[Any]:
    """orders.hooks.OPEN_PURCHASES: purchases not cancelled."""
    return PurchaseOrder.objects.exclude(status=PurchaseStatus.CANCELLED)


def connect() -> None:
    hooks.subscribe(OrderPaid, buy_for_paid_order, when=hooks.IN_TRANSACTION)
    hooks.subscribe(OrderCompleted, settle_for_completed_order, when=hooks.IN_TRANSACTION)
    # Purchases are cancelled before the buyer's money is refunded (payments, priority 20).
    hooks.subscribe(OrderClosed, cancel_for_closed_order, when=hooks.IN_TRANSACTION, priority=10)
    OPEN_PURCHASES.provide(open_purchases)
    RESTOCK_DATES.provide(queries.restock_dates)
