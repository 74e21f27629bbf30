"""A parcel refused by the buyer (拒收, typically cash on delivery) or coming back to the
seller undelivered: the order ends as refused — never confirmed received, never a sale —
and, once the parcel is back, the goods that left with it go back to stock through the
ledger (one `return` movement per SKU and warehouse, under the order's number).

Logistics calls these when the carrier's scans say so (logistics.tracking); both are
safe to call again: a refused order stays as it is, and only units shipped and not yet
returned under the order's number are put back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Sum

from sellerdesk.core import hooks, messages
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.inventory.actions import receive_stock
from sellerdesk.inventory.hooks import StockArrived
from sellerdesk.inventory.models import MovementKind, StockMovement
from sellerdesk.orders import events
from sellerdesk.orders.models import Order, OrderEventType
from sellerdesk.orders.states import OrderAction, OrderStatus, next_status


@dataclass(frozen=True)
class ReturnedUnits:
    """Units of a SKU put back on hand at a warehouse for a refused order."""

    sku_id: int
    warehouse_id: int
    quantity: int


@transaction.atomic
def refuse_order(*, order: Order, actor: User | None, reason: messages.Text, at: datetime) -> Order:
    """End a shipped (or delivered) order as refused for `reason` (a carrier's words or a
    code): its automatic receipt confirmation is cancelled, so it never completes. An order
    already refused is returned unchanged; any other status raises InvalidTransition."""
    require(actor, "orders.deliver")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.REFUSED:
        return order
    before = order.status
    order.status = next_status(order.status, OrderAction.REFUSE)
    order.closed_at = at
    # Not awaiting receipt any more: the confirmation sweep must never complete it.
    order.auto_confirm_at = None
    order.close_reason, order.close_reason_data = messages.typed_or_coded(reason)
    order.save(update_fields=["status", "closed_at", "auto_confirm_at", "close_reason", "close_reason_data"])
    events.status_event(order, OrderEventType.REFUSED, actor=actor, at=at, before=before, reason=reason)
    return order


def units_not_returned(order: Order) -> list[ReturnedUnits]:
    """What left the warehouse for the order (its `ship` movements) less what came back
    under its number already (its `return` movements), per SKU and warehouse, in lock order."""
    moved: dict[tuple[int, int], int] = defaultdict(int)
    rows = (
        StockMovement.objects.filter(document=order.number, kind__in=[MovementKind.SHIP, MovementKind.RETURN])
        .values("sku_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand_delta"))
        .order_by()
    )
    for row in rows:
        # Shipped units are negative on-hand deltas, returned ones positive: the sum is minus the missing.
        moved[(row["sku_id"], row["warehouse_id"])] -= row["on_hand"] or 0
    return [
        ReturnedUnits(sku, warehouse, quantity) for (sku, warehouse), quantity in sorted(moved.items()) if quantity > 0
    ]


@transaction.atomic
def restock_refused_order(*, order: Order, actor: User | None, at: datetime) -> list[ReturnedUnits]:
    """The refused order's parcel is back: every unit that left for it and has not come
    back yet goes on hand again where it left from (ledger kind `return`, the order's
    number as document), written on its timeline; waiting orders may then be allocated
    (StockArrived). Returns what was put back: nothing when it all came back already."""
    require(actor, "orders.deliver")
    order = Order.objects.select_for_update().get(pk=order.pk)
    units = units_not_returned(order)
    for unit in units:
        receive_stock(
            sku_id=unit.sku_id,
            warehouse_id=unit.warehouse_id,
            good=unit.quantity,
            document=order.number,
            actor=actor,
            at=at,
            kind=MovementKind.RETURN,
        )
    if not units:
        return units
    codes = dict(order.lines.values_list("sku_id", "sku_code"))
    events.write_event(
        order,
        OrderEventType.RESTOCKED,
        actor=actor,
        at=at,
        lines=[{"sku": codes.get(unit.sku_id, ""), "quantity": unit.quantity} for unit in units],
    )
    for warehouse_id in sorted({unit.warehouse_id for unit in units}):
        skus = tuple(unit.sku_id for unit in units if unit.warehouse_id == warehouse_id)
        hooks.emit(StockArrived(sku_ids=skus, warehouse_id=warehouse_id, actor=actor, at=at))
    return units
