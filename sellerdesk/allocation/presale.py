"""Presale (预售) stock: lines of presale SKUs reserve against units in transit, never
against units on hand, and units that arrive go to the presale lines first.

A presale line holds its `reserved_quantity` in `StockLevel.presale_reserved` of its
warehouse while `presale_pending` is set. When units arrive there, the oldest presale
lines are converted (presale_reserved -= n, reserved += n, presale_pending = False),
whole lines only, oldest first; a line that does not fit yet waits, and the arrived
units it is owed stay protected from ordinary orders: every ordinary reservation made
by allocation requires the row's free units (`inventory.availability.free_units`) to
cover it. Reserving and releasing presale units at intake and closing is stock's
(sellerdesk.inventory.presale); converting them when they arrive is here.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from sellerdesk.allocation.events import NOTE_PRESALE_ARRIVED
from sellerdesk.core import fastinsert, messages
from sellerdesk.core.models import User
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import CLOSING_ACTIONS, OrderAction, OrderStatus, reachable_from

# Orders whose presale lines may still wait for their units: every status an order passes
# through from placing until it is allocated (a presale order is not allocated while a
# line waits), read from the order's table.
OPEN_FOR_PRESALE = reachable_from(
    OrderStatus.UNPAID, without=CLOSING_ACTIONS | {OrderAction.ALLOCATE, OrderAction.PICK, OrderAction.SHIP}
)


def convert_arrived(*, sku_id: int, warehouse_id: int, actor: User | None, at: datetime) -> list[int]:
    """Turn presale reservations of one SKU at one warehouse into ordinary ones, oldest
    presale line first, as far as the units on hand allow; returns the ids of the orders
    whose lines were converted. Inside the caller's transaction.

    The stock row is locked first, then each order with SKIP LOCKED: an order being
    changed right now is left for the next arrival or the allocation sweep, rather than
    risking a lock cycle with the receiver that called us.
    """
    level = StockLevel.objects.select_for_update().filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
    if level is None or level.presale_reserved <= 0:
        return []
    # The arrived units not reserved yet: presale lines take them before anyone else.
    free = level.available
    if free <= 0:
        return []
    converted_orders, converted_lines = _claim_oldest(_waiting_lines(sku_id, warehouse_id), free)
    if not converted_lines:
        return []
    _write_conversion(level, converted_lines, actor=actor, at=at)
    return converted_orders


def _waiting_lines(sku_id: int, warehouse_id: int) -> list[tuple[int, int, int]]:
    """(line id, order id, units) of the presale lines waiting here, oldest order first."""
    return list(
        OrderLine.objects.filter(
            sku_id=sku_id,
            warehouse_id=warehouse_id,
            presale_pending=True,
            reserved_quantity__gt=0,
            order__status__in=OPEN_FOR_PRESALE,
        )
        .order_by("order__created_at", "order_id", "position")
        .values_list("pk", "order_id", "reserved_quantity")
    )


def _claim_oldest(waiting: list[tuple[int, int, int]], free: int) -> tuple[list[int], list[tuple[int, int, str]]]:
    """The waiting lines that the `free` units cover, whole and strictly oldest first,
    skipping those whose order is locked right now; returns their order ids and
    (line id, units, order number)."""
    converted_orders: list[int] = []
    converted_lines: list[tuple[int, int, str]] = []
    moved = 0
    for line_pk, order_id, quantity in waiting:
        if quantity > free - moved:
            break  # strictly oldest first: a younger, smaller line does not jump the queue
        locked = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).values_list("number", flat=True)
        number = next(iter(locked), None)
        if number is None:
            continue
        moved += quantity
        converted_lines.append((line_pk, quantity, number))
        if order_id not in converted_orders:
            converted_orders.append(order_id)
    return converted_orders, converted_lines


def _write_conversion(
    level: StockLevel, converted_lines: list[tuple[int, int, str]], *, actor: User | None, at: datetime
) -> None:
    """Move the claimed units from presale to ordinary reservations: the stock row, the
    lines, one ledger row per line."""
    moved = sum(quantity for _pk, quantity, _number in converted_lines)
    StockLevel.objects.filter(pk=level.pk).update(
        presale_reserved=F("presale_reserved") - moved, reserved=F("reserved") + moved
    )
    OrderLine.objects.filter(pk__in=[pk for pk, _quantity, _number in converted_lines]).update(presale_pending=False)
    fastinsert.insert(
        [
            StockMovement(
                sku_id=level.sku_id,
                warehouse_id=level.warehouse_id,
                kind=MovementKind.RESERVE,
                reserved_delta=quantity,
                presale_delta=-quantity,
                document=number,
                actor=actor,
                note_data=messages.message(NOTE_PRESALE_ARRIVED),
                at=at,
            )
            for _pk, quantity, number in converted_lines
        ]
    )


__all__ = [
    "OPEN_FOR_PRESALE",
    "convert_arrived",
]
