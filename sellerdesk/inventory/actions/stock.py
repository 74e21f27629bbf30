"""Every change of stock figures. No oversell: reservations are conditional UPDATEs
taken in (SKU id, warehouse id) order, so concurrent orders queue on the row lock
instead of deadlocking, and the check `available >= quantity` is made by the database
in the same statement. Every other writer locks StockLevel rows in that same order
(`lock_levels`), and BinStock rows of a SKU in a warehouse change only while its
StockLevel row is locked, which keeps the bins' sum at or below on-hand.

The functions here without a permission check (`reserve_stock`, `receive_stock`,
`add_in_transit`, …) are primitives: they run inside the caller's transaction and the
calling action (placing an order, receiving a purchase order, a transfer) has already
checked its own permission.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import fastinsert, messages
from sellerdesk.core.errors import Conflict, InsufficientStock, ShortLine, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.inventory import texts
from sellerdesk.inventory.availability import FREE_COVERS_PLACEHOLDERS, free_covers_sql
from sellerdesk.inventory.models import Bin, BinStock, MovementKind, StockLevel, StockMovement, Warehouse


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
    # Only free units: those received for presale buyers whose reservations are not
    # converted yet (their order was locked at receipt; the sweep converts them) are not
    # for anyone else.
    f"WHERE sku_id = %s AND warehouse_id = %s AND {free_covers_sql()}"
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
            cursor.execute(
                _RESERVE_SQL,
                [line.quantity, line.sku_id, line.warehouse_id] + [line.quantity] * FREE_COVERS_PLACEHOLDERS,
            )
            if cursor.rowcount != 1:
                short.append(line)
    if short:
        # What the refusal reports is what the UPDATE's condition checked: the free units.
        available = {
            (level.sku_id, level.warehouse_id): level.free
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
    # A presale (预售) line's units are reserved against units in transit (presale_reserved).
    presale: bool = False


def transfer_reservations(*, moves: Sequence[ReservationMove], actor: User | None, at: datetime) -> None:
    """Ledger reservations moving between documents. The stock levels do not change: the
    units stay reserved throughout, so no other order can take them meanwhile."""
    rows = []
    for move in moves:
        if move.line.quantity <= 0:
            continue
        note = messages.message(texts.RESERVATION_MOVED, source=move.source, target=move.target)
        for document, sign in ((move.source, -1), (move.target, 1)):
            if move.presale:
                kind = MovementKind.PRESALE_RESERVE if sign > 0 else MovementKind.PRESALE_RELEASE
                deltas = {"presale_delta": sign * move.line.quantity}
            else:
                kind = MovementKind.RESERVE if sign > 0 else MovementKind.RELEASE
                deltas = {"reserved_delta": sign * move.line.quantity}
            rows.append(
                StockMovement(
                    sku_id=move.line.sku_id,
                    warehouse_id=move.line.warehouse_id,
                    kind=kind,
                    **deltas,
                    document=document,
                    actor=actor,
                    note_data=note,
                    at=at,
                )
            )
    fastinsert.insert(rows)


# Reserved units given back (release) or leaving with the parcel (ship): fixed SQL, as
# for reserving, one conditional UPDATE per SKU in lock order (every order ships).
_RELEASE_SQL = (
    f"UPDATE {StockLevel._meta.db_table} SET reserved = reserved - %s "  # noqa: S608
    "WHERE sku_id = %s AND warehouse_id = %s AND reserved >= %s"
)
_SHIP_SQL = (
    f"UPDATE {StockLevel._meta.db_table} SET on_hand = on_hand - %s, reserved = reserved - %s "  # noqa: S608
    "WHERE sku_id = %s AND warehouse_id = %s AND reserved >= %s"
)


def _take_reserved(lines: Sequence[StockLine], *, ship: bool, document: str) -> None:
    """The reserved units of each line leave the reservation (and on-hand, when `ship`);
    a line whose reservation is not there is a bug in the caller: RuntimeError."""
    with connection.cursor() as cursor:
        for line in lines:
            key = [line.sku_id, line.warehouse_id, line.quantity]
            if ship:
                cursor.execute(_SHIP_SQL, [line.quantity, line.quantity, *key])
            else:
                cursor.execute(_RELEASE_SQL, [line.quantity, *key])
            if cursor.rowcount != 1:
                raise RuntimeError(f"reservation of {line.sku_code} for {document} is missing")


def release_stock(*, lines: Sequence[StockLine], document: str, actor: User | None, at: datetime) -> None:
    merged = [line for line in _merged(lines) if line.quantity > 0]
    _take_reserved(merged, ship=False, document=document)
    _ledger(merged, kind=MovementKind.RELEASE, on_hand_sign=0, reserved_sign=-1, document=document, actor=actor, at=at)


def ship_stock(*, lines: Sequence[StockLine], document: str, actor: User | None, at: datetime) -> None:
    """Reserved units leave the warehouse: on-hand and reserved both go down."""
    merged = [line for line in _merged(lines) if line.quantity > 0]
    _take_reserved(merged, ship=True, document=document)
    _ledger(merged, kind=MovementKind.SHIP, on_hand_sign=-1, reserved_sign=-1, document=document, actor=actor, at=at)
    trim_bins_to_on_hand({(line.sku_id, line.warehouse_id) for line in merged})


@dataclass(frozen=True)
class MissingUnits:
    """Reserved units a picker did not find in their bin (None: not in any bin)."""

    sku_id: int
    warehouse_id: int
    bin_id: int | None
    quantity: int


def write_off_missing(*, missing: Sequence[MissingUnits], document: str, actor: User | None, at: datetime) -> None:
    """Units that were reserved for an order but are not on the shelf leave on-hand and the
    reservation together (ledgered as a stock adjustment at their bin, kind `adjust`), so
    the figures stay true without waiting for a stock count. Inside the caller's
    transaction; stock rows locked in (SKU, warehouse) order."""
    wanted = [row for row in missing if row.quantity > 0]
    levels = lock_levels((row.sku_id, row.warehouse_id) for row in wanted)
    for row in sorted(wanted, key=lambda r: (r.sku_id, r.warehouse_id, r.bin_id or 0)):
        level = levels[(row.sku_id, row.warehouse_id)]
        if level.reserved < row.quantity or level.on_hand < row.quantity:
            raise RuntimeError(f"reservation of SKU {row.sku_id} for {document} is missing")
        StockLevel.objects.filter(pk=level.pk).update(
            on_hand=F("on_hand") - row.quantity, reserved=F("reserved") - row.quantity
        )
        level.on_hand -= row.quantity
        level.reserved -= row.quantity
        if row.bin_id is not None:
            BinStock.objects.filter(bin_id=row.bin_id, sku_id=row.sku_id).update(
                quantity=Greatest(F("quantity") - row.quantity, Value(0))
            )
        StockMovement.objects.create(
            sku_id=row.sku_id,
            warehouse_id=row.warehouse_id,
            bin_id=row.bin_id,
            kind=MovementKind.ADJUST,
            on_hand_delta=-row.quantity,
            reserved_delta=-row.quantity,
            document=document,
            actor=actor,
            note_data=messages.message(texts.NOT_FOUND_AT_PICKING),
            at=at,
        )
    trim_bins_to_on_hand({(row.sku_id, row.warehouse_id) for row in wanted})


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
    level = StockLevel.objects.select_for_update(no_key=True).get(pk=level.pk)
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
    if delta < 0:
        trim_bins_to_on_hand({(sku.pk, warehouse.pk)})
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


# --- Locking, bins, receiving ---------------------------------------------------------


def lock_levels(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the StockLevel rows of these (SKU id, warehouse id) pairs in that order,
    creating missing rows first. Must run inside a transaction."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    match = Q()
    for sku_id, warehouse_id in wanted:
        match |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
    existing = set(StockLevel.objects.filter(match).values_list("sku_id", "warehouse_id"))
    for sku_id, warehouse_id in wanted:
        if (sku_id, warehouse_id) not in existing:
            # get_or_create: a concurrent creator of the same row wins and we read its row.
            StockLevel.objects.get_or_create(sku_id=sku_id, warehouse_id=warehouse_id)
    levels = StockLevel.objects.select_for_update(no_key=True).filter(match).order_by("sku_id", "warehouse_id")
    return {(level.sku_id, level.warehouse_id): level for level in levels}


def bin_totals(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Units in bins per (SKU id, warehouse id); pairs without binned units are left out."""
    keys = set(keys)
    if not keys:
        return {}
    rows = (
        BinStock.objects.filter(
            sku_id__in={sku_id for sku_id, _w in keys},
            bin__warehouse_id__in={warehouse_id for _s, warehouse_id in keys},
            quantity__gt=0,
        )
        .values("sku_id", "bin__warehouse_id")
        .annotate(total=Sum("quantity"))
    )
    totals = {(row["sku_id"], row["bin__warehouse_id"]): row["total"] for row in rows}
    return {key: total for key, total in totals.items() if key in keys}


def trim_bins_to_on_hand(keys: Iterable[tuple[int, int]]) -> None:
    """Where on-hand has dropped below the units in bins, take the excess out of the bins
    in pick-route order (the units a picker takes first). The caller holds the StockLevel
    locks; a warehouse without bins costs one query."""
    totals = bin_totals(keys)
    if not totals:
        return
    match = Q()
    for sku_id, warehouse_id in totals:
        match |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
    on_hand = {
        (row[0], row[1]): row[2]
        for row in StockLevel.objects.filter(match).values_list("sku_id", "warehouse_id", "on_hand")
    }
    excesses = {}
    for key, total in sorted(totals.items()):
        excess = total - max(on_hand.get(key, 0), 0)
        if excess > 0:
            excesses[key] = excess
    if not excesses:
        return
    # The bins of every SKU with an excess in one read, each SKU's in pick-route order.
    bins: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    match = Q()
    for sku_id, warehouse_id in excesses:
        match |= Q(sku_id=sku_id, bin__warehouse_id=warehouse_id)
    for pk, sku_id, warehouse_id, quantity in (
        BinStock.objects.filter(match, quantity__gt=0)
        .order_by("bin__route_order", "bin__code")
        .values_list("pk", "sku_id", "bin__warehouse_id", "quantity")
    ):
        bins[(sku_id, warehouse_id)].append((pk, quantity))
    with connection.cursor() as cursor:
        for key, excess in excesses.items():
            for pk, quantity in bins[key]:
                taken = min(quantity, excess)
                cursor.execute(_TAKE_FROM_BIN_SQL, [taken, pk])
                excess -= taken
                if excess == 0:
                    break


_TAKE_FROM_BIN_SQL = f"UPDATE {BinStock._meta.db_table} SET quantity = quantity - %s WHERE id = %s"  # noqa: S608


def add_to_bin(*, bin: Bin, sku_id: int, quantity: int) -> None:
    """Units into a bin (or out of it, with a negative quantity); the caller holds the lock."""
    if quantity == 0:
        return
    row, _created = BinStock.objects.get_or_create(bin=bin, sku_id=sku_id)
    updated = BinStock.objects.filter(pk=row.pk, quantity__gte=-quantity).update(quantity=F("quantity") + quantity)
    if updated != 1:
        raise Conflict(
            "bin_stock_short",
            _("Bin %(bin)s holds fewer units than that.") % {"bin": bin.code},
            details={"bin": bin.code, "quantity": -quantity},
        )


def _check_counts(**quantities: int) -> None:
    bad = {
        name: _("must be a whole number, 0 or more")
        for name, value in quantities.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0
    }
    if bad:
        raise ValidationFailed(bad)


def receive_stock(
    *,
    sku_id: int,
    warehouse_id: int,
    good: int,
    damaged: int = 0,
    from_in_transit: int = 0,
    bin: Bin | None = None,
    document: str,
    actor: User | None,
    at: datetime,
    kind: str = MovementKind.RECEIVE,
    note: str = "",
) -> None:
    """Goods arrive: on-hand += good, defective += damaged, and in-transit goes down by
    `from_in_transit` (never below 0). Runs inside the caller's transaction.

    Good units go into `bin` when one is given; otherwise they stay unbinned (on-hand
    not in any bin) until someone puts them away, which is where receiving docks keep
    goods in practice. One ledger row records all of it.
    """
    _check_counts(good=good, damaged=damaged, from_in_transit=from_in_transit)
    if bin is not None and bin.warehouse_id != warehouse_id:
        raise ValidationFailed({"bin": _("bin %(bin)s is in another warehouse") % {"bin": bin.code}})
    if good == damaged == from_in_transit == 0:
        return
    level = lock_levels([(sku_id, warehouse_id)])[(sku_id, warehouse_id)]
    arrived = min(from_in_transit, level.in_transit)
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") + good, defective=F("defective") + damaged, in_transit=F("in_transit") - arrived
    )
    if bin is not None and good:
        add_to_bin(bin=bin, sku_id=sku_id, quantity=good)
    StockMovement.objects.create(
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        bin=bin if good else None,
        kind=kind,
        on_hand_delta=good,
        defective_delta=damaged,
        in_transit_delta=-arrived,
        document=document[:64],
        actor=actor,
        note=note[:200],
        at=at,
    )


def remove_defective(
    *,
    sku_id: int,
    warehouse_id: int,
    quantity: int,
    document: str,
    actor: User | None,
    at: datetime,
    note_data: dict[str, object] | None = None,
) -> None:
    """Defective units leave the warehouse (sent back to a supplier, scrapped):
    defective -= quantity, ledgered (kind `defective`, a negative defective_delta) under
    the StockLevel row lock. Conflict if fewer defective units are there. Runs inside the
    caller's transaction; a caller moving several SKUs calls it in (SKU, warehouse) order."""
    _check_counts(quantity=quantity)
    if quantity == 0:
        return
    level = lock_levels([(sku_id, warehouse_id)])[(sku_id, warehouse_id)]
    if level.defective < quantity:
        raise Conflict(
            "defective_stock_short",
            _("Only %(defective)s defective units of this SKU are in the warehouse, not %(quantity)s.")
            % {"defective": level.defective, "quantity": quantity},
            details={
                "sku_id": sku_id,
                "warehouse_id": warehouse_id,
                "defective": level.defective,
                "quantity": quantity,
            },
        )
    StockLevel.objects.filter(pk=level.pk).update(defective=F("defective") - quantity)
    StockMovement.objects.create(
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        kind=MovementKind.DEFECTIVE,
        defective_delta=-quantity,
        document=document[:64],
        actor=actor,
        note_data=note_data or {},
        at=at,
    )


def add_in_transit(
    *, sku_id: int, warehouse_id: int, quantity: int, document: str, actor: User | None, at: datetime, note: str = ""
) -> None:
    """Units ordered from a supplier or shipped here by a transfer: in-transit += quantity."""
    _check_counts(quantity=quantity)
    if quantity == 0:
        return
    level = lock_levels([(sku_id, warehouse_id)])[(sku_id, warehouse_id)]
    StockLevel.objects.filter(pk=level.pk).update(in_transit=F("in_transit") + quantity)
    StockMovement.objects.create(
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        kind=MovementKind.IN_TRANSIT,
        in_transit_delta=quantity,
        document=document[:64],
        actor=actor,
        note=note[:200],
        at=at,
    )


def remove_in_transit(
    *, sku_id: int, warehouse_id: int, quantity: int, document: str, actor: User | None, at: datetime, note: str = ""
) -> int:
    """Units no longer coming (a purchase order cancelled or closed short): in-transit
    -= quantity, never below 0. Answers how many units were actually removed."""
    _check_counts(quantity=quantity)
    if quantity == 0:
        return 0
    level = lock_levels([(sku_id, warehouse_id)])[(sku_id, warehouse_id)]
    removed = min(quantity, level.in_transit)
    if removed == 0:
        return 0
    StockLevel.objects.filter(pk=level.pk).update(in_transit=F("in_transit") - removed)
    StockMovement.objects.create(
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        kind=MovementKind.IN_TRANSIT,
        in_transit_delta=-removed,
        document=document[:64],
        actor=actor,
        note=note[:200],
        at=at,
    )
    return removed


def group_by_key(pairs: Iterable[tuple[tuple[int, int], int]]) -> dict[tuple[int, int], int]:
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for key, quantity in pairs:
        totals[key] += quantity
    return dict(totals)
