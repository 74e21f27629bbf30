"""How allocation follows orders and stock (core.hooks), and what it answers orders
(ports). Connected in AllocationConfig.ready()."""

from __future__ import annotations

from sellerdesk.allocation import actions, background, shortages
from sellerdesk.allocation.strategies import strategy_label, strategy_names
from sellerdesk.core import hooks
from sellerdesk.inventory.hooks import StockArrived, StockShortfall
from sellerdesk.orders.hooks import ALLOCATION_STRATEGIES, ALLOCATION_STRATEGY_LABEL, OrdersApproved


def allocate_approved_orders(payload: OrdersApproved) -> None:
    """Approved orders are allocated soon after the approval commits (the worker)."""
    background.schedule_allocation(payload.order_ids)


def take_arrived_stock(payload: StockArrived) -> None:
    """Presale lines, then waiting stockout orders, take the units that arrived."""
    actions.after_stock_arrived(
        sku_ids=list(payload.sku_ids), warehouse_id=payload.warehouse_id, actor=payload.actor, at=payload.at
    )


def release_shortfall(payload: StockShortfall) -> None:
    """The orders holding units a count did not find give them up."""
    shortages.release_for_shortfall(
        sku_id=payload.sku_id,
        warehouse_id=payload.warehouse_id,
        quantity=payload.quantity,
        document=payload.document,
        actor=payload.actor,
        at=payload.at,
    )


# The subscribers call through their modules (actions.x, not a from-import) so that a test
# may stand in for allocation by patching the module, as tests/inventory does.


def connect() -> None:
    hooks.subscribe(StockArrived, take_arrived_stock, when=hooks.IN_TRANSACTION)
    hooks.subscribe(StockShortfall, release_shortfall, when=hooks.IN_TRANSACTION)
    hooks.subscribe(OrdersApproved, allocate_approved_orders, when=hooks.IN_TRANSACTION)
    ALLOCATION_STRATEGIES.provide(strategy_names)
    ALLOCATION_STRATEGY_LABEL.provide(strategy_label)
