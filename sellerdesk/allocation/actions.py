"""Allocation (分仓): an approved order is given the warehouse that ships it.

- `allocate_order` moves `approved` → `allocated` (one warehouse, or a split into parts
  each allocated to its warehouse), or → `stockout` with a Shortage row per short line
  and an event; `stockout` → `allocated` once everything is there. Presale orders stay
  `approved` until their units arrive; dropship-only orders are not allocated (the
  supplier ships them).
- Moving reservations between warehouses is one transaction: the stock rows of the
  order's SKUs in every active warehouse are locked in (sku_id, warehouse_id) order
  (the order intake and every other stock writer use), then the target is reserved
  with a conditional UPDATE and the source released. No oversell, no lock cycle.
- An order whose reservations are already where the strategy wants them (the common
  case: placed at the default warehouse, which is also the choice) is allocated
  without touching a stock row.
- The sweep and the background task allocate `allocate_batch`es: many orders per
  transaction, each with the outcome `allocate_order` gives it, the common cases
  written with a fixed number of statements per batch (see its docstring).
- `after_stock_arrived` is the receivers' hook: presale lines first, then the waiting
  stockout orders, first come first served (B2B shops: by customer rank).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.allocation import presale
from sellerdesk.allocation.events import NOTE_ALLOCATED, build_allocated_event
from sellerdesk.allocation.queries import rank_orders
from sellerdesk.allocation.strategies import (
    AllocationContext,
    NeedLine,
    Plan,
    WarehouseInfo,
    get_strategy,
)
from sellerdesk.catalog.models import Sku
from sellerdesk.core import fastinsert, messages
from sellerdesk.core.errors import InvalidTransition, NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.inventory import presale as stock_presale
from sellerdesk.inventory.availability import FREE_COVERS_PLACEHOLDERS, free_covers_sql, free_units
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from sellerdesk.inventory.queries import (
    active_warehouses,
    free_levels,
    free_stock,
    lock_free_stock,
    locked_levels,
)
from sellerdesk.orders import events
from sellerdesk.orders.merging import PartLine, split_order
from sellerdesk.orders.models import Order, OrderLine, Shortage, ShortageOption
from sellerdesk.orders.states import OrderAction, OrderStatus, next_status, statuses_allowing, target_of

ALLOCATABLE = statuses_allowing(OrderAction.ALLOCATE)
# Stockout orders that wait for stock: not yet handled, or handled by waiting for it.
WAITING_OPTIONS = ("", ShortageOption.TRANSFER, ShortageOption.BACKORDER, ShortageOption.DELAY)


@dataclass
class AllocationResult:
    """`outcome`: allocated, split, stockout, waiting (still short), presale, dropship."""

    order: Order
    outcome: str
    parts: list[Order] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def dropship_sku_ids(sku_ids: Iterable[int]) -> set[int]:
    return set(Sku.objects.filter(pk__in=set(sku_ids), is_dropship=True).values_list("pk", flat=True))


# --- moving reservations -----------------------------------------------------------------------

_RESERVE_SQL = (
    f"UPDATE {StockLevel._meta.db_table} SET reserved = reserved + %s "  # noqa: S608
    f"WHERE sku_id = %s AND warehouse_id = %s AND {free_covers_sql()}"
)


class _Race(Exception):
    """A conditional reserve found fewer units than the locked read promised (cannot
    happen while the rows are locked; kept as a guard)."""


def _move_lines(
    targets: Sequence[tuple[OrderLine, int | None, int]], *, document: str, actor: User | None, at: datetime
) -> list[dict[str, object]]:
    """Give each line `reserved` units at `warehouse_id`: reserve the new first, release
    the old; the caller holds the row locks. Returns the moves for the event."""
    deltas: dict[tuple[int, int], int] = {}
    ledger: list[StockMovement] = []
    moves: list[dict[str, object]] = []
    for line, warehouse_id, reserved in targets:
        if line.warehouse_id == warehouse_id and line.reserved_quantity == reserved:
            continue
        if line.warehouse_id is not None and line.reserved_quantity:
            key = (line.sku_id, line.warehouse_id)
            deltas[key] = deltas.get(key, 0) - line.reserved_quantity
            ledger.append(_movement(line, line.warehouse_id, -line.reserved_quantity, document, actor, at))
        if warehouse_id is not None and reserved:
            key = (line.sku_id, warehouse_id)
            deltas[key] = deltas.get(key, 0) + reserved
            ledger.append(_movement(line, warehouse_id, reserved, document, actor, at))
        moves.append(_move_fact(line, to_warehouse=warehouse_id, to_reserved=reserved))
        line.warehouse_id, line.reserved_quantity = warehouse_id, reserved
        OrderLine.objects.filter(pk=line.pk).update(warehouse_id=warehouse_id, reserved_quantity=reserved)
    with connection.cursor() as cursor:
        for (sku_id, warehouse_id), delta in sorted(deltas.items()):
            if delta > 0:
                cursor.execute(_RESERVE_SQL, [delta, sku_id, warehouse_id] + [delta] * FREE_COVERS_PLACEHOLDERS)
                if cursor.rowcount != 1:
                    raise _Race()
    for (sku_id, warehouse_id), delta in sorted(deltas.items()):
        if delta < 0:
            updated = StockLevel.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id, reserved__gte=-delta).update(
                reserved=F("reserved") + delta
            )
            if updated != 1:
                raise RuntimeError(f"reservation of SKU {sku_id} for {document} is missing")
    fastinsert.insert(ledger)
    return moves


def _move_fact(line: OrderLine, *, to_warehouse: int | None, to_reserved: int) -> dict[str, object]:
    """How a line's reservation moves (for the allocation event), read before it moves."""
    return {
        "sku": line.sku_code,
        "position": line.position,
        "from_warehouse": line.warehouse_id,
        "from_reserved": line.reserved_quantity,
        "to_warehouse": to_warehouse,
        "to_reserved": to_reserved,
    }


def _movement(
    line: OrderLine, warehouse_id: int, quantity: int, document: str, actor: User | None, at: datetime
) -> StockMovement:
    return StockMovement(
        sku_id=line.sku_id,
        warehouse_id=warehouse_id,
        kind=MovementKind.ALLOCATE if quantity > 0 else MovementKind.RELEASE,
        reserved_delta=quantity,
        document=document,
        actor=actor,
        note_data=messages.message(NOTE_ALLOCATED),
        at=at,
    )


# --- allocating one order ----------------------------------------------------------------------


def allocation_context(
    order: Order, lines: Sequence[OrderLine], warehouses: Sequence[WarehouseInfo], free: dict
) -> AllocationContext:
    return AllocationContext(
        province=order.province,
        lines=[
            NeedLine(line.pk, line.sku_id, line.quantity, line.warehouse_id, line.reserved_quantity) for line in lines
        ],
        warehouses=warehouses,
        free=free,
    )


def _mark_allocated(
    order: Order,
    warehouse_id: int,
    *,
    actor: User | None,
    at: datetime,
    moves: list[dict[str, object]],
    code: str | None = None,
) -> None:
    before = order.status
    order.status = next_status(order.status, OrderAction.ALLOCATE)
    order.warehouse_id = warehouse_id
    order.allocated_at = at
    order.save(update_fields=["status", "warehouse", "allocated_at"])
    resolved = Shortage.objects.filter(order=order, resolved_at__isnull=True).update(resolved_at=at)
    events.insert_events(
        [
            build_allocated_event(
                order,
                before=before,
                warehouse_id=warehouse_id,
                warehouse=code if code is not None else _warehouse_code(warehouse_id),
                moves=moves,
                shortages_resolved=resolved,
                actor=actor,
                at=at,
            )
        ]
    )


def _warehouse_code(warehouse_id: int | None) -> str:
    if warehouse_id is None:
        return ""
    return Warehouse.objects.filter(pk=warehouse_id).values_list("code", flat=True).first() or ""


def _mark_short(
    order: Order,
    lines: Sequence[OrderLine],
    plan: Plan,
    *,
    actor: User | None,
    at: datetime,
    moves: list[dict[str, object]],
) -> None:
    before = order.status
    order.status = next_status(order.status, OrderAction.SHORT)
    order.warehouse_id = plan.warehouse_id
    order.save(update_fields=["status", "warehouse"])
    by_id = {line.pk: line for line in lines}
    Shortage.objects.filter(order=order, resolved_at__isnull=True).update(resolved_at=at)
    Shortage.objects.bulk_create(
        [
            Shortage(
                order=order, line=by_id[line_id], sku_id=by_id[line_id].sku_id, short_quantity=short, detected_at=at
            )
            for line_id, short in sorted(plan.short.items())
        ]
    )
    events.stockout_event(
        order,
        actor=actor,
        at=at,
        before=before,
        warehouse_id=plan.warehouse_id,
        lines=[
            {"sku": by_id[line_id].sku_code, "position": by_id[line_id].position, "short": short}
            for line_id, short in sorted(plan.short.items())
        ],
        moves=moves,
    )


def allocate_locked(
    order: Order,
    *,
    actor: User | None,
    at: datetime,
    warehouses: Sequence[WarehouseInfo] | None = None,
    may_split: bool = True,
) -> AllocationResult:
    """The order row is locked by the caller and its status is allocatable."""
    lines = list(OrderLine.objects.filter(order=order).annotate(is_dropship=F("sku__is_dropship")).order_by("position"))
    stock_lines = [line for line in lines if not line.is_dropship]  # type: ignore[attr-defined]
    if not stock_lines:
        return AllocationResult(order, "dropship")
    if any(line.presale_pending for line in stock_lines):
        ready = [line for line in lines if not line.presale_pending]
        if ready and may_split and order.status == OrderStatus.APPROVED:
            return _split_presale_apart(order, lines, actor=actor, at=at, warehouses=warehouses)
        return AllocationResult(order, "presale")
    warehouses = list(warehouses) if warehouses is not None else active_warehouses()
    codes = {warehouse.id: warehouse.code for warehouse in warehouses}
    warehouse_ids = [warehouse.id for warehouse in warehouses]
    strategy = get_strategy(order.shop.allocation_strategy)
    sku_ids = sorted({line.sku_id for line in stock_lines})
    plan = strategy(allocation_context(order, stock_lines, warehouses, free_stock(sku_ids, warehouse_ids)))
    if _is_in_place(plan, stock_lines):
        assert plan.warehouse_id is not None
        _mark_allocated(order, plan.warehouse_id, actor=actor, at=at, moves=[], code=codes.get(plan.warehouse_id))
        return AllocationResult(order, "allocated")
    # Something moves: lock every row the plan could touch, in order, and decide again.
    plan = strategy(allocation_context(order, stock_lines, warehouses, lock_free_stock(sku_ids, warehouse_ids)))
    if plan.kind == "single":
        assert plan.warehouse_id is not None
        moves = _move_lines(
            [(line, plan.warehouse_id, line.quantity) for line in stock_lines],
            document=order.number,
            actor=actor,
            at=at,
        )
        _mark_allocated(order, plan.warehouse_id, actor=actor, at=at, moves=moves, code=codes.get(plan.warehouse_id))
        return AllocationResult(order, "allocated")
    if plan.kind == "split" and may_split and order.status == OrderStatus.APPROVED:
        return _split_and_allocate(order, lines, stock_lines, plan, actor=actor, at=at, codes=codes)
    if order.status == OrderStatus.STOCKOUT or plan.kind == "split":
        return AllocationResult(order, "waiting")
    targets = [(line, plan.warehouse_id, line.quantity - plan.short.get(line.pk, 0)) for line in stock_lines]
    if plan.warehouse_id is None:
        targets = [(line, line.warehouse_id, line.reserved_quantity) for line in stock_lines]
    moves = _move_lines(targets, document=order.number, actor=actor, at=at)
    _mark_short(order, stock_lines, plan, actor=actor, at=at, moves=moves)
    return AllocationResult(order, "stockout")


def _split_presale_apart(
    order: Order,
    lines: Sequence[OrderLine],
    *,
    actor: User | None,
    at: datetime,
    warehouses: Sequence[WarehouseInfo] | None,
) -> AllocationResult:
    """预售 lines apart: what is there ships now (allocated like any order), the presale
    lines wait in their own part until their units arrive (`after_stock_arrived`)."""
    ready = [PartLine(line.position, line.quantity) for line in lines if not line.presale_pending]
    later = [PartLine(line.position, line.quantity) for line in lines if line.presale_pending]
    # The allocator splits; the split is its consequence, not a person's choice.
    now_part, presale_part = split_order(order=order, actor=None, parts=[ready, later], at=at)
    first = allocate_locked(now_part, actor=actor, at=at, warehouses=warehouses)
    return AllocationResult(order, "split", parts=[*(first.parts or [now_part]), presale_part])


def _is_in_place(plan: Plan, stock_lines: Sequence[OrderLine]) -> bool:
    """The plan keeps every line where it is reserved, whole: nothing to move."""
    return plan.kind == "single" and all(
        line.warehouse_id == plan.warehouse_id and line.reserved_quantity == line.quantity for line in stock_lines
    )


def _split_and_allocate(
    order: Order,
    lines: Sequence[OrderLine],
    stock_lines: Sequence[OrderLine],
    plan: Plan,
    *,
    actor: User | None,
    at: datetime,
    codes: dict[int, str],
) -> AllocationResult:
    by_id = {line.pk: line for line in lines}
    groups = [(warehouse_id, [by_id[line_id] for line_id in line_ids]) for warehouse_id, line_ids in plan.parts.items()]
    # Dropship lines travel with the first part; the supplier ships them anyway.
    placed = {line.pk for _warehouse, group in groups for line in group}
    groups[0][1].extend(line for line in lines if line.pk not in placed)
    parts = split_order(
        order=order,
        actor=None,  # the allocator splits; the split is its consequence, not a person's choice
        parts=[[PartLine(line.position, line.quantity) for line in group] for _warehouse, group in groups],
        at=at,
    )
    stock_sku = {line.sku_id for line in stock_lines}
    for part, (warehouse_id, _group) in zip(parts, groups, strict=True):
        part_lines = [line for line in OrderLine.objects.filter(order=part).order_by("position")]
        moves = _move_lines(
            [(line, warehouse_id, line.quantity) for line in part_lines if line.sku_id in stock_sku],
            document=part.number,
            actor=actor,
            at=at,
        )
        _mark_allocated(part, warehouse_id, actor=actor, at=at, moves=moves, code=codes.get(warehouse_id))
    return AllocationResult(order, "split", parts=list(parts))


def locked_order(order_id: int, *, skip_locked: bool = False) -> Order | None:
    return (
        Order.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("shop")
        .filter(pk=order_id)
        .first()
    )


def allocate_order(*, order: Order, actor: User | None, at: datetime | None = None) -> AllocationResult:
    """Allocate an approved (or waiting stockout) order: see the module docstring."""
    require(actor, "orders.allocate")
    at = at or timezone.now()
    with transaction.atomic():
        locked = locked_order(order.pk)
        if locked is None:
            raise NotFound(_("No such order."))
        if locked.status not in ALLOCATABLE:
            raise InvalidTransition(current=locked.status, action=OrderAction.ALLOCATE.value)
        return allocate_locked(locked, actor=actor, at=at)


def allocate_order_id(
    *, order_id: int, actor: User | None, at: datetime, warehouses: Sequence[WarehouseInfo] | None = None
) -> AllocationResult | None:
    """For sweeps and workers: claim the order with SKIP LOCKED, allocate it if it is
    still approved; None when another worker has it or there is nothing to do."""
    with transaction.atomic():
        order = locked_order(order_id, skip_locked=True)
        if order is None or order.status != OrderStatus.APPROVED:
            return None
        return allocate_locked(order, actor=actor, at=at, warehouses=warehouses)


# --- allocating a batch ------------------------------------------------------------------------

CHANGED = ("allocated", "split", "stockout")


@dataclass
class BatchResult:
    """`outcomes`: per order id handled, its `AllocationResult.outcome`. `deferred`: orders
    left approved because, once earlier orders of the batch had moved stock, they needed
    stock rows the batch had not locked (a later batch takes them)."""

    outcomes: dict[int, str] = field(default_factory=dict)
    deferred: list[int] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(outcome in CHANGED for outcome in self.outcomes.values())


class _Stock:
    """The batch's view of the stock rows it reads: kept current as the batch reserves,
    so each order is planned on the stock the orders before it left."""

    def __init__(self) -> None:
        # [on_hand, reserved, presale_reserved, in_transit] per (sku_id, warehouse_id)
        self.levels: dict[tuple[int, int], list[int]] = {}
        self.free: dict[tuple[int, int], int] = {}

    def load(self, rows: Iterable[tuple[int, int, int, int, int, int]]) -> None:
        """Take in stock rows read as `inventory.queries.LEVEL_FIELDS`."""
        for sku_id, warehouse_id, on_hand, reserved, presale_reserved, in_transit in rows:
            self.levels[(sku_id, warehouse_id)] = [on_hand, reserved, presale_reserved, in_transit]
            self._refresh((sku_id, warehouse_id))

    def reserve(self, key: tuple[int, int], delta: int) -> None:
        self.levels.setdefault(key, [0, 0, 0, 0])[1] += delta
        self._refresh(key)

    def _refresh(self, key: tuple[int, int]) -> None:
        on_hand, reserved, presale_reserved, in_transit = self.levels[key]
        self.free[key] = free_units(
            on_hand=on_hand, reserved=reserved, in_transit=in_transit, presale_reserved=presale_reserved
        )


@dataclass
class _PendingMoves:
    """Reservations moved by the batch, written together by `_flush_moves`."""

    deltas: dict[tuple[int, int], int] = field(default_factory=dict)
    ledger: list[StockMovement] = field(default_factory=list)
    lines: dict[int, list[int]] = field(default_factory=dict)  # warehouse id -> line ids, reserved whole


_BATCH_RESERVE_SQL = (
    f"UPDATE {StockLevel._meta.db_table} SET reserved = reserved + v.column3 FROM (VALUES {{rows}}) AS v "  # noqa: S608
    "WHERE sku_id = v.column1 AND warehouse_id = v.column2 AND ("
    " (v.column3 < 0 AND reserved + v.column3 >= 0)"
    f" OR (v.column3 > 0 AND {free_covers_sql('v.column3')}))"
)
_DELTAS_PER_STATEMENT = 500


def _plan_single_moves(
    stock_lines: Sequence[OrderLine],
    warehouse_id: int,
    *,
    document: str,
    stock: _Stock,
    pending: _PendingMoves,
    actor: User | None,
    at: datetime,
) -> list[dict[str, object]]:
    """`_move_lines` for a single-warehouse plan, its writes left in `pending`."""
    moves: list[dict[str, object]] = []
    for line in stock_lines:
        if line.warehouse_id == warehouse_id and line.reserved_quantity == line.quantity:
            continue
        if line.warehouse_id is not None and line.reserved_quantity:
            key = (line.sku_id, line.warehouse_id)
            pending.deltas[key] = pending.deltas.get(key, 0) - line.reserved_quantity
            stock.reserve(key, -line.reserved_quantity)
            pending.ledger.append(_movement(line, line.warehouse_id, -line.reserved_quantity, document, actor, at))
        key = (line.sku_id, warehouse_id)
        pending.deltas[key] = pending.deltas.get(key, 0) + line.quantity
        stock.reserve(key, line.quantity)
        pending.ledger.append(_movement(line, warehouse_id, line.quantity, document, actor, at))
        moves.append(_move_fact(line, to_warehouse=warehouse_id, to_reserved=line.quantity))
        line.warehouse_id, line.reserved_quantity = warehouse_id, line.quantity
        pending.lines.setdefault(warehouse_id, []).append(line.pk)
    return moves


def _flush_moves(pending: _PendingMoves) -> None:
    """Write the batch's moves: the stock rows (locked by the batch) with conditional
    UPDATEs in (sku_id, warehouse_id) order, the lines, the ledger."""
    deltas = [(key, delta) for key, delta in sorted(pending.deltas.items()) if delta]
    with connection.cursor() as cursor:
        for start in range(0, len(deltas), _DELTAS_PER_STATEMENT):
            chunk = deltas[start : start + _DELTAS_PER_STATEMENT]
            cursor.execute(
                _BATCH_RESERVE_SQL.format(rows=", ".join(["(%s, %s, %s)"] * len(chunk))),
                [value for (sku_id, warehouse_id), delta in chunk for value in (sku_id, warehouse_id, delta)],
            )
            if cursor.rowcount != len(chunk):
                raise _Race()
    for warehouse_id, line_ids in sorted(pending.lines.items()):
        OrderLine.objects.filter(pk__in=line_ids).update(warehouse_id=warehouse_id, reserved_quantity=F("quantity"))
    fastinsert.insert(pending.ledger)
    pending.deltas, pending.ledger, pending.lines = {}, [], {}


def _mark_allocated_together(
    allocated: Sequence[tuple[Order, int, list[dict[str, object]]]],
    *,
    actor: User | None,
    at: datetime,
    codes: dict[int, str],
) -> None:
    """`_mark_allocated` for many orders: one UPDATE per warehouse, one event INSERT."""
    if not allocated:
        return
    by_warehouse: dict[int, list[int]] = {}
    for order, warehouse_id, _moves in allocated:
        by_warehouse.setdefault(warehouse_id, []).append(order.pk)
    for warehouse_id, ids in sorted(by_warehouse.items()):
        Order.objects.filter(pk__in=ids).update(
            status=target_of(OrderAction.ALLOCATE), warehouse_id=warehouse_id, allocated_at=at
        )
    ids = [order.pk for order, _warehouse_id, _moves in allocated]
    open_shortages = dict(
        Shortage.objects.filter(order_id__in=ids, resolved_at__isnull=True)
        .values("order_id")
        .annotate(n=Count("pk"))
        .values_list("order_id", "n")
    )
    if open_shortages:
        Shortage.objects.filter(order_id__in=sorted(open_shortages), resolved_at__isnull=True).update(resolved_at=at)
    rows = []
    for order, warehouse_id, moves in allocated:
        before = order.status
        order.status = next_status(order.status, OrderAction.ALLOCATE)
        order.warehouse_id, order.allocated_at = warehouse_id, at
        rows.append(
            build_allocated_event(
                order,
                before=before,
                warehouse_id=warehouse_id,
                warehouse=codes.get(warehouse_id) or _warehouse_code(warehouse_id),
                moves=moves,
                shortages_resolved=open_shortages.get(order.pk, 0),
                actor=actor,
                at=at,
            )
        )
    events.insert_events(rows)


def allocate_batch(
    *,
    order_ids: Sequence[int],
    now: datetime,
    actor: User | None = None,
    warehouses: Sequence[WarehouseInfo] | None = None,
) -> BatchResult:
    """Allocate many approved orders in one transaction, each with the outcome
    `allocate_order` would give it had they been allocated one by one in this order.

    Orders another worker holds, and orders no longer approved, are skipped (claimed
    with SKIP LOCKED). The batch is read in a fixed number of queries: its orders, their
    lines, the stock of their SKUs. Orders whose plan keeps every line where it is
    reserved touch no stock row. The stock rows of every SKU of the other orders are
    locked at once, in (sku_id, warehouse_id) order, before anything is written, and
    nothing else is locked after: single-warehouse moves are then planned on the
    batch's running view of the stock and written together (one conditional UPDATE of
    the stock rows, one UPDATE of the lines per warehouse, one ledger INSERT); splits
    and stockouts go through the one-order path. Every allocated order is marked with
    one UPDATE per warehouse and one event INSERT.
    """
    require(actor, "orders.allocate")
    result = BatchResult()
    with transaction.atomic():
        orders = _claim_approved(list(dict.fromkeys(order_ids)))
        if not orders:
            return result
        warehouses = list(warehouses) if warehouses is not None else active_warehouses()
        work, mixed = _sort_out_batch(orders, _lines_by_order(orders), result)
        if not work and not mixed:
            return result
        allocated = _allocate_work(work, warehouses, result, actor=actor, now=now)
        codes = {warehouse.id: warehouse.code for warehouse in warehouses}
        _mark_allocated_together(allocated, actor=actor, at=now, codes=codes)
        for order in mixed:
            result.outcomes[order.pk] = allocate_locked(order, actor=actor, at=now, warehouses=warehouses).outcome
    return result


def _claim_approved(wanted: list[int]) -> list[Order]:
    """The orders of `wanted` still approved and not held by another worker, locked, in
    the order wanted."""
    claimed = {
        order.pk: order
        for order in Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("shop")
        .filter(pk__in=wanted, status=OrderStatus.APPROVED)
        .order_by("pk")
    }
    return [claimed[pk] for pk in wanted if pk in claimed]


def _lines_by_order(orders: Sequence[Order]) -> dict[int, list[OrderLine]]:
    """The orders' lines by order id, in position order, each marked `is_dropship`."""
    lines_of: dict[int, list[OrderLine]] = {}
    for line in (
        OrderLine.objects.filter(order_id__in=sorted(order.pk for order in orders))
        .annotate(is_dropship=F("sku__is_dropship"))
        .order_by("order_id", "position")
    ):
        lines_of.setdefault(line.order_id, []).append(line)
    return lines_of


def _sort_out_batch(
    orders: Sequence[Order], lines_of: dict[int, list[OrderLine]], result: BatchResult
) -> tuple[list[tuple[Order, list[OrderLine]]], list[Order]]:
    """Dropship-only and presale-only orders get their outcome in `result` now; returns
    the orders to allocate with their stock lines, and those with presale lines apart
    (rare), which take the one-order path after the batch."""
    work: list[tuple[Order, list[OrderLine]]] = []
    mixed: list[Order] = []
    for order in orders:
        stock_lines = [line for line in lines_of.get(order.pk, []) if not line.is_dropship]  # type: ignore[attr-defined]
        if not stock_lines:
            result.outcomes[order.pk] = "dropship"
        elif any(line.presale_pending for line in stock_lines):
            if all(line.presale_pending for line in lines_of[order.pk]):
                result.outcomes[order.pk] = "presale"
            else:
                mixed.append(order)
        else:
            work.append((order, stock_lines))
    return work, mixed


def _allocate_work(
    work: Sequence[tuple[Order, list[OrderLine]]],
    warehouses: Sequence[WarehouseInfo],
    result: BatchResult,
    *,
    actor: User | None,
    now: datetime,
) -> list[tuple[Order, int, list[dict[str, object]]]]:
    """Plan each order on the batch's running view of the stock: lock the stock rows of
    every order that moves, write single-warehouse moves together, send splits and
    stockouts down the one-order path. Returns the orders to mark allocated, with their
    warehouse and moves; every outcome (or deferral) is in `result`."""
    warehouse_ids = [warehouse.id for warehouse in warehouses]
    stock = _Stock()
    stock.load(free_levels({line.sku_id for _order, lines in work for line in lines}, warehouse_ids))

    def plan_of(order: Order, stock_lines: Sequence[OrderLine]) -> Plan:
        strategy = get_strategy(order.shop.allocation_strategy)
        return strategy(allocation_context(order, stock_lines, warehouses, stock.free))

    locked: set[int] = set()
    for order, stock_lines in work:
        if not _is_in_place(plan_of(order, stock_lines), stock_lines):
            locked.update(line.sku_id for line in stock_lines)
    if locked:
        stock.load(locked_levels(locked, warehouse_ids))
    pending = _PendingMoves()
    allocated: list[tuple[Order, int, list[dict[str, object]]]] = []
    for order, stock_lines in work:
        plan = plan_of(order, stock_lines)
        if _is_in_place(plan, stock_lines):
            assert plan.warehouse_id is not None
            allocated.append((order, plan.warehouse_id, []))
            result.outcomes[order.pk] = "allocated"
            continue
        sku_ids = {line.sku_id for line in stock_lines}
        if not sku_ids <= locked:
            result.deferred.append(order.pk)
            continue
        if plan.kind == "single":
            assert plan.warehouse_id is not None
            moves = _plan_single_moves(
                stock_lines, plan.warehouse_id, document=order.number, stock=stock, pending=pending, actor=actor, at=now
            )
            allocated.append((order, plan.warehouse_id, moves))
            result.outcomes[order.pk] = "allocated"
            continue
        # A split or a stockout (rare): the one-order path, on the stock as it is now.
        _flush_moves(pending)
        result.outcomes[order.pk] = allocate_locked(order, actor=actor, at=now, warehouses=warehouses).outcome
        stock.load(free_levels(sku_ids, warehouse_ids))
    _flush_moves(pending)
    return allocated


def allocate_in_batches(
    order_ids: Sequence[int], *, now: datetime, warehouses: Sequence[WarehouseInfo] | None = None
) -> BatchResult:
    """Allocate these orders `ALLOCATION_BATCH` per transaction (for sweeps and workers;
    safe with several at once). Orders a batch deferred get one more batch of their own."""
    total = BatchResult()
    ids = list(order_ids)
    for start in range(0, len(ids), ALLOCATION_BATCH):
        chunk = ids[start : start + ALLOCATION_BATCH]
        for _attempt in range(2):
            try:
                result = allocate_batch(order_ids=chunk, now=now, warehouses=warehouses)
            except _Race:  # cannot happen while the rows are locked; kept as a guard
                result = _one_by_one(chunk, now=now, warehouses=warehouses)
            total.outcomes.update(result.outcomes)
            chunk = result.deferred
            if not chunk:
                break
        total.deferred.extend(chunk)
    return total


def _one_by_one(order_ids: Sequence[int], *, now: datetime, warehouses: Sequence[WarehouseInfo] | None) -> BatchResult:
    result = BatchResult()
    for order_id in order_ids:
        try:
            one = allocate_order_id(order_id=order_id, actor=None, at=now, warehouses=warehouses)
        except _Race:
            continue
        if one is not None:
            result.outcomes[order_id] = one.outcome
    return result


# --- arrivals ----------------------------------------------------------------------------------


def waiting_order_ids(sku_ids: Sequence[int]) -> list[int]:
    """Stockout orders waiting for these SKUs, in the order they are served: per shop,
    first come first served (paid, else placed), or by customer rank in B2B shops."""
    rows = list(
        Order.objects.filter(
            status=OrderStatus.STOCKOUT,
            shortages__resolved_at__isnull=True,
            shortages__sku_id__in=sku_ids,
            shortages__option__in=WAITING_OPTIONS,
        )
        .distinct()
        .select_related("shop")
    )
    b2c = sorted(
        (order for order in rows if not order.shop.is_b2b),
        key=lambda order: (order.shop_id, order.paid_at or order.created_at, order.pk),
    )
    b2b = rank_orders([order for order in rows if order.shop.is_b2b])
    return [order.pk for order in b2c] + [order.pk for order in b2b]


def after_stock_arrived(*, sku_ids: list[int], warehouse_id: int, actor: User | None, at: datetime) -> None:
    """Units of these SKUs arrived at a warehouse (purchase receipt, transfer received).

    Inside the receiver's transaction. First the presale lines of those SKUs there are
    converted, oldest first (their units are never given to anyone else); then presale
    orders now complete and waiting stockout orders are allocated, first come first
    served (B2B: by rank). Each order in a savepoint, claimed with SKIP LOCKED: an order
    busy elsewhere, or one that fails, waits for the next arrival or the sweep.
    """
    converted: list[int] = []
    for sku_id in sorted(set(sku_ids)):
        converted.extend(presale.convert_arrived(sku_id=sku_id, warehouse_id=warehouse_id, actor=actor, at=at))
    warehouses = active_warehouses()
    candidates = list(dict.fromkeys([*converted, *waiting_order_ids(sorted(set(sku_ids)))]))
    for order_id in candidates:
        try:
            with transaction.atomic():
                order = locked_order(order_id, skip_locked=True)
                if order is None or order.status not in ALLOCATABLE:
                    continue
                allocate_locked(order, actor=actor, at=at, warehouses=warehouses, may_split=False)
        except (_Race, DatabaseError):
            continue


# --- the sweep ---------------------------------------------------------------------------------


def approved_order_ids(limit: int | None = None) -> list[int]:
    """Approved orders to allocate, oldest approval first; presale orders still waiting
    for their units are left out."""
    query = (
        Order.objects.filter(status=OrderStatus.APPROVED)
        .exclude(Q(lines__presale_pending=True))
        .order_by("approved_at", "pk")
        .values_list("pk", flat=True)
    )
    return list(query[:limit] if limit else query)


def allocate_approved_orders(*, now: datetime, limit: int | None = None) -> int:
    """Allocate approved orders one transaction each (safe with several workers); also
    converts presale reservations whose units arrived but were skipped. Returns how many
    orders changed status."""
    changed = 0
    for sku_id, warehouse_id in stock_presale.pending_presale_stock():
        with transaction.atomic():
            after_stock_arrived(sku_ids=[sku_id], warehouse_id=warehouse_id, actor=None, at=now)
    changed += allocate_in_batches(approved_order_ids(limit), now=now, warehouses=active_warehouses()).changed
    return changed


# Orders per transaction: one commit (the flush to disk) and one set of statements for
# them all; a batch holds the stock rows it moves reservations on for ~0.1 s.
ALLOCATION_BATCH = 200


__all__ = [
    "AllocationResult",
    "BatchResult",
    "after_stock_arrived",
    "allocate_approved_orders",
    "allocate_batch",
    "allocate_in_batches",
    "allocate_order",
    "allocate_order_id",
]
