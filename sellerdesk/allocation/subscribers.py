"""How allocation follows orders and stock (core.hooks), and what it answers orders
(ports). Connected in AllocationConfig.ready()."""

from __future__ import annotations

from sellerdesk.allocation.actions import schedule_allocation
from sellerdesk.allocation.strategies import strategy_names
from sellerdesk.core import hooks
from sellerdesk.orders.hooks import ALLOCATION_STRATEGIES, OrdersApproved


def allocate_approved_orders(payload: OrdersApproved) -> None:
    """Approved orders are allocated soon after the approval commits (the worker)."""
    schedule_allocation(payload.order_ids)


def connect() -> None:
    hooks.subscribe(OrdersApproved, allocate_approved_orders, when=hooks.IN_TRANSACTION)
    ALLOCATION_STRATEGIES.provide(strategy_names)
