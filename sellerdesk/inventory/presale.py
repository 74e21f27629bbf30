"""Presale (预售) stock: lines of presale SKUs reserve against units in transit, never
against units on hand (`StockLevel.presale_reserved`). Reserving and giving back those
units is stock's business and lives here; converting the reservations of orders when
the units arrive is allocation's (sellerdesk.allocation.presale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

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
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement

_TABLE = StockLevel._meta.db_table

_PRESALE_RESERVE_SQL = (
    f"UPDATE {_TABLE} SET presale_reserved = presale_reserved + %s "  # noqa: S608
    f"WHERE sku_id = %s AND warehouse_id = %s AND {INCOMING_FREE_SQL} >= %s"
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
                short.append(ShortLine(line.sku_code, line.quantity, incoming_left(sku_id)))
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


def incoming_left(sku_id: int) -> int:
    levels = StockLevel.objects.filter(sku_id=sku_id).values_list("in_transit", "presale_reserved")
    return sum(
        incoming_free_units(in_transit=in_transit, presale_reserved=presale_reserved)
        for in_transit, presale_reserved in levels
    )


class PresaleHold(Protocol):
    """A line holding presale units (an order line): what releasing it needs to know."""

    @property
    def sku_id(self) -> int: ...
    @property
    def sku_code(self) -> str: ...
    @property
    def warehouse_id(self) -> int | None: ...
    @property
    def reserved_quantity(self) -> int: ...
    @property
    def presale_pending(self) -> bool: ...


def release_presale(*, lines: Sequence[PresaleHold], document: str, actor: User | None, at: datetime) -> None:
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
    "PresaleHold",
    "PresaleLine",
    "incoming_left",
    "incoming_warehouses",
    "pending_presale_stock",
    "release_presale",
    "reserve_presale",
]
