"""Every change of stock. No oversell: reservations are conditional UPDATEs taken in
SKU-id order, so concurrent orders queue on the row lock instead of deadlocking, and
the check `available >= quantity` is made by the database in the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import fastinsert
from sellerdesk.core.errors import Conflict, InsufficientStock, ShortLine, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse


@dataclass(frozen=True)
class StockLine:
    sku_id: int
    sku_code: str
    warehouse_id: int
    quantity: int


def default_warehouse() -> Warehouse:
    return remembered(("warehouse", None), _load_default_warehouse)


def _load_default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="main", defaults={"name": _("Main warehouse"), "is_default": True}
        )
    return warehouse


def _merged(lines: Sequence[StockLine]) -> list[StockLine]:
    """One line per (SKU, warehouse), in lock order."""
    totals: dict[tuple[int, int], StockLine] = {}
    for line in lines:
        key = (line.sku_id, line.warehouse_id)
        previous = totals.get(key)
        quantity = line.quantity + (previous.quantity if previous else 0)
        totals[key] = StockLine(line.sku_id, line.sku_code, line.warehouse_id, quantity)
    return [totals[key] for key in sorted(totals)]


def _ledger(
    lines: Sequence[StockLine],
    *,
    kind: str,
    on_hand_sign: int,
    reserved_sign: int,
    document: str,
    actor: User | None,
    at: datetime,
) -> None:
    fastinsert.insert(
        [
            StockMovement(
                sku_id=line.sku_id,
                warehouse_id=line.warehouse_id,
                kind=kind,
                on_hand_delta=on_hand_sign * line.quantity,
                reserved_delta=reserved_sign * line.quantity,
                document=document,
                actor=actor,
                at=at,
            )
            for line in lines
        ]
    )


_RESERVE_SQL = (
    f"UPDATE {StockLevel._meta.db_table} SET reserved = reserved + %s "  # noqa: S608
    "WHERE sku_id = %s AND warehouse_id = %s AND on_hand - reserved >= %s"
)


def reserve_stock(*, lines: Sequence[StockLine], document: str, actor: User | None, at: datetime) -> None:
    """Reserve every line or none. Must run inside the caller's transaction.

    The hot path of intake: fixed SQL rather than the ORM, one conditional UPDATE per
    SKU in SKU order; the ledger rows are written first so that the stock rows, once
    locked, stay locked only until the commit.
    """
    merged = _merged(lines)
    _ledger(merged, kind=MovementKind.RESERVE, on_hand_sign=0, reserved_sign=1, document=document, actor=actor, at=at)
    short: list[StockLine] = []
    with connection.cursor() as cursor:
        for line in merged:
            cursor.execute(_RESERVE_SQL, [line.quantity, line.sku_id, line.warehouse_id, line.quantity])
            if cursor.rowcount != 1:
                short.append(line)
    if short:
        available = {
            (level.sku_id, level.warehouse_id): level.available
            for level in StockLevel.objects.filter(sku_id__in=[line.sku_id for line in short])
        }
        raise InsufficientStock(
            [
                ShortLine(line.sku_code, line.quantity, max(available.get((line.sku_id, line.warehouse_id), 0), 0))
                for line in short
            ]
        )


@dataclass(frozen=True)
class ReservationMove:
    """Reserved units of one line passing from one document to another (merge, split)."""

    line: StockLine
    source: str
    target: str


def transfer_reservations(*, moves: Sequence[ReservationMove], actor: User | None, at: datetime) -> None:
    """Ledger reservations moving between documents. The stock levels do not change: the
    units stay reserved throughout, so no other order can take them meanwhile."""
    rows = []
    for move in moves:
        if move.line.quantity <= 0:
            continue
        note = _("moved from %(source)s to %(target)s") % {"source": move.source, "target": move.target}
        for document, sign in ((move.source, -1), (move.target, 1)):
            rows.append(
                StockMovement(
                    sku_id=move.line.sku_id,
                    warehouse_id=move.line.warehouse_id,
                    kind=MovementKind.RESERVE if sign > 0 else MovementKind.RELEASE,
                    reserved_delta=sign * move.line.quantity,
                    document=document,
                    actor=actor,
                    note=note,
                    at=at,
                )
            )
    fastinsert.insert(rows)


def release_stock(*, lines: Sequence[StockLine], document: str, actor: User | None, at: datetime) -> None:
    merged = [line for line in _merged(lines) if line.quantity > 0]
    for line in merged:
        updated = StockLevel.objects.filter(
            sku_id=line.sku_id, warehouse_id=line.warehouse_id, reserved__gte=line.quantity
        ).update(reserved=F("reserved") - line.quantity)
        if updated != 1:
            raise RuntimeError(f"reservation of {line.sku_code} for {document} is missing")
    _ledger(merged, kind=MovementKind.RELEASE, on_hand_sign=0, reserved_sign=-1, document=document, actor=actor, at=at)


def ship_stock(*, lines: Sequence[StockLine], document: str, actor: User | None, at: datetime) -> None:
    """Reserved units leave the warehouse: on-hand and reserved both go down."""
    merged = [line for line in _merged(lines) if line.quantity > 0]
    for line in merged:
        updated = StockLevel.objects.filter(
            sku_id=line.sku_id, warehouse_id=line.warehouse_id, reserved__gte=line.quantity
        ).update(on_hand=F("on_hand") - line.quantity, reserved=F("reserved") - line.quantity)
        if updated != 1:
            raise RuntimeError(f"reservation of {line.sku_code} for {document} is missing")
    _ledger(merged, kind=MovementKind.SHIP, on_hand_sign=-1, reserved_sign=-1, document=document, actor=actor, at=at)


@transaction.atomic
def set_on_hand(
    *,
    sku: Sku,
    on_hand: int,
    actor: User | None,
    warehouse: Warehouse | None = None,
    note: str = "",
    at: datetime | None = None,
) -> StockLevel:
    """A stock count: the counted quantity replaces on-hand; the difference is ledgered."""
    require(actor, "stock.adjust")
    if on_hand < 0:
        raise ValidationFailed({"on_hand": _("must be 0 or more")})
    warehouse = warehouse or default_warehouse()
    level, _created = StockLevel.objects.get_or_create(sku=sku, warehouse=warehouse)
    level = StockLevel.objects.select_for_update().get(pk=level.pk)
    if on_hand < level.reserved:
        raise Conflict(
            "stock_below_reserved",
            _("%(reserved)s units of %(sku)s are reserved for orders; on hand cannot go below that.")
            % {"reserved": level.reserved, "sku": sku.code},
            details={"reserved": level.reserved, "on_hand": on_hand},
        )
    delta = on_hand - level.on_hand
    if delta == 0:
        return level
    level.on_hand = on_hand
    level.save(update_fields=["on_hand"])
    StockMovement.objects.create(
        sku=sku,
        warehouse=warehouse,
        kind=MovementKind.ADJUST,
        on_hand_delta=delta,
        document="count",
        actor=actor,
        note=note[:200],
        at=at or timezone.now(),
    )
    return level
