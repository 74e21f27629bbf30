"""Presale (预售) stock: lines of presale SKUs reserve against units in transit, never
against units on hand, and units that arrive go to the presale lines first.

A presale line holds its `reserved_quantity` in `StockLevel.presale_reserved` of its
warehouse while `presale_pending` is set. When units arrive there, the oldest presale
lines are converted (presale_reserved -= n, reserved += n, presale_pending = False),
whole lines only, oldest first; a line that does not fit yet waits, and the arrived
units it is owed stay protected from ordinary orders: every ordinary reservation made
by allocation requires the row's free units (`inventory.availability.free_units`) to
cover it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F

from sellerdesk.core import fastinsert
from sellerdesk.core.errors import InsufficientStock, ShortLine
from sellerdesk.core.models import User
from sellerdesk.inventory.availability import (
    INCOMING_FREE_SQL,
    available_expression,
    incoming_free_expression,
    incoming_free_units,
)
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import OrderStatus

_TABLE = StockLevel._meta.db_table

_PRESALE_RESERVE_SQL = (
    f"UPDATE {_TABLE} SET presale_reserved = presale_reserved + %s "  # noqa: S608
    f"WHERE sku_id = %s AND warehouse_id = %s AND {INCOMING_FREE_SQL} >= %s"
)

OPEN_FOR_PRESALE = (
    OrderStatus.UNPAID,
    OrderStatus.PENDING_REVIEW,
    OrderStatus.ON_HOLD,
    OrderStatus.APPROVED,
    OrderStatus.STOCKOUT,
)


@dataclass(frozen=True)
class PresaleLine:
    sku_id: int
    sku_code: str
    quantity: int


def incoming_warehouses(sku_ids: Sequence[int]) -> dict[int, list[int]]:
    """Per SKU, the active warehouses with presale units left in transit, by priority."""
    rows = (
        StockLevel.objects.alias(incoming_free=incoming_free_expression())
        .filter(sku_id__in=sku_ids, warehouse__is_active=True, incoming_free__gt=0)
        .order_by("warehouse__priority", "warehouse_id")
        .values_list("sku_id", "warehouse_id")
    )
    found: dict[int, list[int]] = {}
    for sku_id, warehouse_id in rows:
        found.setdefault(sku_id, []).append(warehouse_id)
    return found


def reserve_presale(*, lines: Sequence[PresaleLine], document: str, actor: User | None, at: datetime) -> dict[int, int]:
    """Reserve every presale line against units in transit, at the first warehouse (by
    priority) that has enough incoming units left; returns the warehouse id per SKU.
    Raises InsufficientStock naming the sold-out presale SKUs. Inside the caller's
    transaction; conditional UPDATEs in SKU order."""
    totals: dict[int, PresaleLine] = {}
    for line in lines:
        previous = totals.get(line.sku_id)
        totals[line.sku_id] = PresaleLine(
            line.sku_id, line.sku_code, line.quantity + (previous.quantity if previous else 0)
        )
    candidates = incoming_warehouses(sorted(totals))
    chosen: dict[int, int] = {}
    short: list[ShortLine] = []
    with connection.cursor() as cursor:
        for sku_id in sorted(totals):
            line = totals[sku_id]
            for warehouse_id in candidates.get(sku_id, []):
                cursor.execute(_PRESALE_RESERVE_SQL, [line.quantity, sku_id, warehouse_id, line.quantity])
                if cursor.rowcount == 1:
                    chosen[sku_id] = warehouse_id
                    break
            else:
                short.append(ShortLine(line.sku_code, line.quantity, _incoming_left(sku_id)))
    if short:
        raise InsufficientStock(short)
    fastinsert.insert(
        [
            StockMovement(
                sku_id=sku_id,
                warehouse_id=chosen[sku_id],
                kind=MovementKind.PRESALE_RESERVE,
                presale_delta=totals[sku_id].quantity,
                document=document,
                actor=actor,
                at=at,
            )
            for sku_id in sorted(totals)
        ]
    )
    return chosen


def _incoming_left(sku_id: int) -> int:
    levels = StockLevel.objects.filter(sku_id=sku_id).values_list("in_transit", "presale_reserved")
    return sum(
        incoming_free_units(in_transit=in_transit, presale_reserved=presale_reserved)
        for in_transit, presale_reserved in levels
    )


def release_presale(*, lines: Sequence[OrderLine], document: str, actor: User | None, at: datetime) -> None:
    """Give back the presale reservations of these (pending) lines; inside the caller's
    transaction with the order locked. The lines' reserved_quantity is left to the caller."""
    rows = []
    for line in sorted(lines, key=lambda line: (line.sku_id, line.warehouse_id or 0)):
        if not line.presale_pending or line.reserved_quantity <= 0 or line.warehouse_id is None:
            continue
        updated = StockLevel.objects.filter(
            sku_id=line.sku_id, warehouse_id=line.warehouse_id, presale_reserved__gte=line.reserved_quantity
        ).update(presale_reserved=F("presale_reserved") - line.reserved_quantity)
        if updated != 1:
            raise RuntimeError(f"presale reservation of {line.sku_code} for {document} is missing")
        rows.append(
            StockMovement(
                sku_id=line.sku_id,
                warehouse_id=line.warehouse_id,
                kind=MovementKind.PRESALE_RELEASE,
                presale_delta=-line.reserved_quantity,
                document=document,
                actor=actor,
                at=at,
            )
        )
    fastinsert.insert(rows)


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
                note="presale arrived",
                at=at,
            )
            for _pk, quantity, number in converted_lines
        ]
    )


def pending_presale_stock() -> list[tuple[int, int]]:
    """(sku_id, warehouse_id) pairs holding presale reservations with units on hand free:
    what the allocation sweep converts when an arrival left some behind."""
    return list(
        StockLevel.objects.alias(available_units=available_expression())
        .filter(presale_reserved__gt=0, available_units__gt=0)
        .order_by("sku_id", "warehouse_id")
        .values_list("sku_id", "warehouse_id")
    )


__all__ = [
    "PresaleLine",
    "Warehouse",
    "convert_arrived",
    "incoming_warehouses",
    "release_presale",
    "reserve_presale",
]
