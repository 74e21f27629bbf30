"""Stockouts (缺货): units taken away by a stock count, and what an agent does about a
short order with the buyer's answer.

`release_for_shortfall` takes reserved units back from the orders holding them at a
warehouse: in a B2C shop the most recently paid order first (unpaid ones count by when
they were placed), in a B2B shop the lowest-ranked customer first (see
allocation.queries for the ranking). Each line loses what it must, gets a Shortage, and
an approved or allocated order becomes `stockout` with an event naming the short
quantities. Orders another transaction holds right now are skipped (SKIP LOCKED), so a
count never waits on an order in the middle of a change; the caller learns from the
return value how many units were released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.allocation.actions import (
    WAITING_OPTIONS,
    allocate_locked,
    allocation_context,
    dropship_sku_ids,
    locked_order,
)
from sellerdesk.allocation.events import (
    CLOSED_OUT_OF_STOCK,
    NOTE_SHORT_IN,
    REFUND_SHORT_LINES_DROPPED,
    TRANSFER_NOTE_STOCKOUT,
    short_lines_dropped_event,
    stockout_handled_event,
)
from sellerdesk.allocation.queries import CustomerRank, customer_ranks, rank_orders
from sellerdesk.allocation.strategies import get_strategy
from sellerdesk.catalog.models import Sku
from sellerdesk.core import fastinsert, hooks, messages
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.inventory.actions import create_transfer, ship_transfer
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from sellerdesk.inventory.queries import active_warehouses, free_stock
from sellerdesk.orders import events
from sellerdesk.orders.actions import cancel_order
from sellerdesk.orders.hooks import RefundOwed
from sellerdesk.orders.merging import PartLine, split_order
from sellerdesk.orders.models import Order, OrderLine, Shortage, ShortageOption
from sellerdesk.orders.states import (
    CLOSING_ACTIONS,
    OrderAction,
    OrderStatus,
    PaymentStatus,
    allows,
    next_status,
    reachable_from,
)

# Orders that can hold reserved units still in the bins: every status an order passes
# through from placing until the warehouse picks it or it ships. (Units picked or packed
# are in the warehouse's hands: a shortfall found in the bins does not take them.)
HOLDING = reachable_from(OrderStatus.UNPAID, without=CLOSING_ACTIONS | {OrderAction.PICK, OrderAction.SHIP})


def _victims(sku_id: int, warehouse_id: int) -> list[Order]:
    """Orders holding units of the SKU there, the first to lose them first."""
    orders = list(
        Order.objects.filter(
            status__in=HOLDING,
            lines__sku_id=sku_id,
            lines__warehouse_id=warehouse_id,
            lines__reserved_quantity__gt=0,
            lines__presale_pending=False,
        )
        .distinct()
        .select_related("shop")
    )
    b2c = sorted(
        (order for order in orders if not order.shop.is_b2b),
        key=lambda order: (order.paid_at or order.created_at, order.pk),
        reverse=True,
    )
    b2b = list(reversed(rank_orders([order for order in orders if order.shop.is_b2b])))
    return b2c + b2b


def release_for_shortfall(
    *, sku_id: int, warehouse_id: int, quantity: int, document: str, actor: User | None, at: datetime
) -> int:
    """Take `quantity` reserved units of a SKU at a warehouse away from the orders holding
    them (see the module docstring); returns the units released. Inside the caller's
    transaction."""
    if quantity <= 0:
        return 0
    left = quantity
    for candidate in _victims(sku_id, warehouse_id):
        if left <= 0:
            break
        order = (
            Order.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=candidate.pk, status__in=HOLDING)
            .first()
        )
        if order is None:
            continue
        lines = list(
            OrderLine.objects.filter(
                order=order, sku_id=sku_id, warehouse_id=warehouse_id, reserved_quantity__gt=0, presale_pending=False
            ).order_by("-position")
        )
        taken: list[tuple[OrderLine, int]] = []
        for line in lines:
            if left <= 0:
                break
            take = min(left, line.reserved_quantity)
            left -= take
            taken.append((line, take))
        if not taken:
            continue
        _take(order, taken, sku_id=sku_id, warehouse_id=warehouse_id, document=document, actor=actor, at=at)
    return quantity - left


def _take(
    order: Order,
    taken: list[tuple[OrderLine, int]],
    *,
    sku_id: int,
    warehouse_id: int,
    document: str,
    actor: User | None,
    at: datetime,
) -> None:
    total = sum(take for _line, take in taken)
    updated = StockLevel.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id, reserved__gte=total).update(
        reserved=F("reserved") - total
    )
    if updated != 1:
        raise RuntimeError(f"reservation of SKU {sku_id} for {order.number} is missing")
    for line, take in taken:
        OrderLine.objects.filter(pk=line.pk).update(reserved_quantity=F("reserved_quantity") - take)
    fastinsert.insert(
        [
            StockMovement(
                sku_id=sku_id,
                warehouse_id=warehouse_id,
                kind=MovementKind.RELEASE,
                reserved_delta=-take,
                document=order.number,
                actor=actor,
                note_data=messages.message(NOTE_SHORT_IN, document=document),
                at=at,
            )
            for _line, take in taken
        ]
    )
    Shortage.objects.bulk_create(
        [
            Shortage(order=order, line=line, sku_id=sku_id, short_quantity=take, detected_at=at, document=document[:20])
            for line, take in taken
        ]
    )
    before = order.status
    if allows(order.status, OrderAction.SHORT):
        order.status = next_status(order.status, OrderAction.SHORT)
        order.save(update_fields=["status"])
    events.stockout_event(
        order,
        actor=actor,
        at=at,
        before=before,
        warehouse_id=warehouse_id,
        document=document,
        lines=[{"sku": line.sku_code, "position": line.position, "short": take} for line, take in taken],
    )


# --- handling a stockout with the buyer (B2C) --------------------------------------------------


@dataclass
class Resolution:
    order: Order
    option: str
    parts: list[Order] = field(default_factory=list)
    transfer_number: str = ""
    refund: Decimal = ZERO


MAX_ANSWER = 500


def _check_input(option: str, buyer_answer: str, promised_date: date | None, today: date) -> tuple[ShortageOption, str]:
    bad: dict[str, str] = {}
    if option not in ShortageOption.values:
        bad["option"] = _("one of %(options)s") % {"options": ", ".join(ShortageOption.values)}
    answer = buyer_answer.strip()
    if not answer:
        bad["buyer_answer"] = _("write down what the buyer said")
    elif len(answer) > MAX_ANSWER:
        bad["buyer_answer"] = _("at most %(n)s characters") % {"n": MAX_ANSWER}
    if option == ShortageOption.DELAY:
        if promised_date is None:
            bad["promised_date"] = _("give the date promised to the buyer")
        elif promised_date < today:
            bad["promised_date"] = _("the promised date cannot be in the past")
    if bad:
        raise ValidationFailed(bad)
    return ShortageOption(option), answer


def resolve_stockout(
    *,
    order: Order,
    option: str,
    buyer_answer: str,
    actor: User | None,
    promised_date: date | None = None,
    from_warehouse: str | None = None,
    at: datetime | None = None,
) -> Resolution:
    """Handle a stockout order with the option the buyer agreed to; the answer, the agent
    and the time are recorded on every open shortage of the order and in an event.

    - transfer: a transfer of the short units from `from_warehouse` (code; by default
      the first active warehouse by priority that has them all) to the order's
      warehouse is created and shipped; the order allocates when it is received.
    - backorder: the order is split; the part with the units there allocates now, the
      short part waits as a backorder and allocates itself when stock arrives.
    - drop: the short units are removed (a line with none reserved goes, a partly
      reserved one keeps what it has); totals are recomputed and, as for any change of
      lines (orders.changes), what the buyer paid beyond the new total is recorded as a
      refund; each shortage records the price of its dropped units. The rest allocates.
    - delay: the order keeps waiting, with `promised_ship_date` set to the date.
    - cancel: the order is closed, its reservations released and payment refunded.
    """
    require(actor, "stockouts.handle")
    at = at or timezone.now()
    chosen, answer = _check_input(option, buyer_answer, promised_date, timezone.localdate(at))
    with transaction.atomic():
        locked, shortages = _locked_stockout(order)
        handler = _HANDLERS[chosen]
        result = handler(locked, shortages, actor=actor, at=at, promised_date=promised_date, source=from_warehouse)
        Shortage.objects.filter(pk__in=[row.pk for row in shortages]).update(
            option=chosen, buyer_answer=answer, handled_at=at, handled_by=actor
        )
        stockout_handled_event(
            locked,
            actor=actor,
            at=at,
            option=str(chosen),
            buyer_answer=answer,
            promised_date=promised_date.isoformat() if promised_date else None,
            transfer=result.transfer_number,
            parts=[part.number for part in result.parts],
            refund=str(result.refund),
            lines=[
                {"sku": row.line.sku_code, "position": row.line.position, "short": row.short_quantity}
                for row in shortages
                if row.line is not None
            ],
        )
        result.order.refresh_from_db()
        return result


def _locked_stockout(order: Order) -> tuple[Order, list[Shortage]]:
    """The order, locked, and its open shortages; refused unless it is a stockout with some."""
    locked = (
        Order.objects.select_for_update(of=("self",)).select_related("shop", "warehouse").filter(pk=order.pk).first()
    )
    if locked is None:
        raise NotFound(_("No such order."))
    if locked.status != OrderStatus.STOCKOUT:
        raise InvalidTransition(current=locked.status, action="resolve_stockout")
    shortages = list(Shortage.objects.filter(order=locked, resolved_at__isnull=True).select_related("line"))
    if not shortages:
        raise Conflict(
            "no_open_shortage",
            _("Order %(number)s has no open shortage.") % {"number": locked.number},
            details={"number": locked.number},
        )
    return locked, shortages


def _handle_delay(order: Order, shortages: list[Shortage], *, promised_date: date | None, **_kw: Any) -> Resolution:
    order.promised_ship_date = promised_date
    order.save(update_fields=["promised_ship_date"])
    Shortage.objects.filter(pk__in=[row.pk for row in shortages]).update(promised_date=promised_date)
    return Resolution(order, ShortageOption.DELAY)


def _handle_cancel(
    order: Order, shortages: list[Shortage], *, actor: User | None, at: datetime, **_kw: Any
) -> Resolution:
    Shortage.objects.filter(pk__in=[row.pk for row in shortages]).update(resolved_at=at)
    cancel_order(order=order, actor=actor, reason=messages.message(CLOSED_OUT_OF_STOCK), at=at)
    return Resolution(order, ShortageOption.CANCEL)


def _short_by_sku(shortages: list[Shortage]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for row in shortages:
        line = row.line
        if line is not None:  # open shortages keep their line; a dropped line has none
            totals[line.sku_id] = totals.get(line.sku_id, 0) + line.quantity - line.reserved_quantity
    return {sku_id: quantity for sku_id, quantity in totals.items() if quantity > 0}


def _handle_transfer(
    order: Order, shortages: list[Shortage], *, actor: User | None, at: datetime, source: str | None, **_kw: Any
) -> Resolution:

    if order.warehouse_id is None:
        raise Conflict(
            "no_home_warehouse",
            _("Order %(number)s has no warehouse to transfer to.") % {"number": order.number},
            details={"number": order.number},
        )
    needed = _short_by_sku(shortages)
    others = [warehouse.id for warehouse in active_warehouses() if warehouse.id != order.warehouse_id]
    free = free_stock(sorted(needed), others)
    if source:
        found = Warehouse.objects.filter(code=source, is_active=True).first()
        if found is None or found.pk == order.warehouse_id:
            raise ValidationFailed({"from_warehouse": _("not another active warehouse: %(code)s") % {"code": source}})
        candidates = [found.pk]
    else:
        candidates = others
    source_id = next(
        (wid for wid in candidates if all(free.get((sku, wid), 0) >= qty for sku, qty in needed.items())), None
    )
    if source_id is None:
        raise Conflict(
            "no_transfer_source",
            _("No other warehouse has the missing units."),
            details={"from_warehouse": source or None},
        )
    transfer_actor = actor if has_permission(actor, "stock.transfer") else None
    skus = {sku.pk: sku for sku in Sku.objects.filter(pk__in=needed)}
    transfer = create_transfer(
        from_warehouse=Warehouse.objects.get(pk=source_id),
        to_warehouse=order.warehouse,  # type: ignore[arg-type]
        lines=[(skus[sku_id], quantity) for sku_id, quantity in sorted(needed.items())],
        for_order=order.number,
        note=messages.message(TRANSFER_NOTE_STOCKOUT, number=order.number),
        actor=transfer_actor,
        at=at,
    )
    ship_transfer(transfer=transfer, actor=transfer_actor, at=at)
    Shortage.objects.filter(pk__in=[row.pk for row in shortages]).update(document=transfer.number[:20])
    return Resolution(order, ShortageOption.TRANSFER, transfer_number=transfer.number)


def _handle_backorder(
    order: Order, shortages: list[Shortage], *, actor: User | None, at: datetime, **_kw: Any
) -> Resolution:
    ready, waiting = _backorder_parts(list(OrderLine.objects.filter(order=order).order_by("position")))
    if not ready or not waiting:
        raise Conflict(
            "nothing_to_ship_now",
            _("None of order %(number)s is there to ship now; delay it or transfer the goods instead.")
            % {"number": order.number},
            details={"number": order.number},
        )
    # split_order splits orders not yet allocated: the backorder approves the stockout again.
    order.status = next_status(order.status, OrderAction.BACKORDER)
    order.save(update_fields=["status"])
    now_part, later_part = split_order(
        order=order, actor=actor if has_permission(actor, "orders.split") else None, parts=[ready, waiting], at=at
    )
    Shortage.objects.filter(pk__in=[row.pk for row in shortages]).update(resolved_at=at, document=later_part.number)
    allocate_locked(now_part, actor=actor, at=at, may_split=False)
    later_part.status = next_status(later_part.status, OrderAction.SHORT)
    later_part.warehouse_id = order.warehouse_id
    later_part.save(update_fields=["status", "warehouse"])
    later_lines = list(OrderLine.objects.filter(order=later_part).order_by("position"))
    _open_backorder_shortages(later_part, later_lines, backorder_of=order, actor=actor, at=at)
    events.stockout_event(
        later_part,
        actor=actor,
        at=at,
        before=OrderStatus.APPROVED,
        backorder_of=order.number,
        lines=[
            {"sku": line.sku_code, "position": line.position, "short": line.quantity - line.reserved_quantity}
            for line in later_lines
        ],
    )
    now_part.refresh_from_db()
    return Resolution(order, ShortageOption.BACKORDER, parts=[now_part, later_part])


def _backorder_parts(lines: list[OrderLine]) -> tuple[list[PartLine], list[PartLine]]:
    """How a backorder splits the order: the part ready now (the reserved units, and the
    dropship lines whole) and the part that waits (the units short)."""
    dropship = _dropship_ids(lines)
    ready = [
        PartLine(line.position, line.reserved_quantity)
        for line in lines
        if line.sku_id not in dropship and line.reserved_quantity
    ]
    ready += [PartLine(line.position, line.quantity) for line in lines if line.sku_id in dropship]
    waiting = [
        PartLine(line.position, line.quantity - line.reserved_quantity)
        for line in lines
        if line.sku_id not in dropship and line.quantity > line.reserved_quantity
    ]
    return ready, waiting


def _open_backorder_shortages(
    later_part: Order, later_lines: list[OrderLine], *, backorder_of: Order, actor: User | None, at: datetime
) -> None:
    """The waiting part's shortage rows, handled already (as a backorder of the order)."""
    Shortage.objects.bulk_create(
        [
            Shortage(
                order=later_part,
                line=line,
                sku_id=line.sku_id,
                short_quantity=line.quantity - line.reserved_quantity,
                detected_at=at,
                option=ShortageOption.BACKORDER,
                handled_at=at,
                handled_by=actor,
                document=backorder_of.number,
            )
            for line in later_lines
            if line.quantity > line.reserved_quantity
        ]
    )


def _dropship_ids(lines: list[OrderLine]) -> set[int]:
    return dropship_sku_ids(line.sku_id for line in lines)


def _handle_drop(
    order: Order, shortages: list[Shortage], *, actor: User | None, at: datetime, **_kw: Any
) -> Resolution:
    lines = list(OrderLine.objects.filter(order=order).order_by("position"))
    dropship = _dropship_ids(lines)
    kept = [line for line in lines if line.sku_id in dropship or line.reserved_quantity > 0]
    if not kept:
        raise Conflict(
            "nothing_left",
            _("Every line of order %(number)s is short; cancel it instead.") % {"number": order.number},
            details={"number": order.number},
        )
    before_lines = [{"line": line.position, "sku": line.sku_code, "quantity": line.quantity} for line in lines]
    dropped_value: dict[int, Decimal] = {}
    for line in lines:
        if line.sku_id in dropship or line.quantity == line.reserved_quantity:
            continue
        dropped_value[line.pk] = to_money(line.unit_price * (line.quantity - line.reserved_quantity))
    for row in shortages:
        Shortage.objects.filter(pk=row.pk).update(
            refund_amount=dropped_value.get(row.line_id or 0, ZERO), resolved_at=at
        )
    for line in lines:
        if line.pk in dropped_value and line.reserved_quantity:
            OrderLine.objects.filter(pk=line.pk).update(quantity=line.reserved_quantity)
            line.quantity = line.reserved_quantity
    OrderLine.objects.filter(pk__in=[line.pk for line in lines if line not in kept]).delete()
    total_before = order.total
    order.subtotal = to_money(sum((line.unit_price * line.quantity for line in kept), ZERO))
    order.total = order.subtotal + order.shipping_fee
    order.save(update_fields=["subtotal", "total"])
    net_paid = order.paid_amount - order.refunded_amount
    refund = ZERO if order.payment_status == PaymentStatus.COD else max(net_paid - order.total, ZERO)
    short_lines_dropped_event(
        order,
        lines_before=before_lines,
        lines_after=[{"line": line.position, "sku": line.sku_code, "quantity": line.quantity} for line in kept],
        total_before=str(total_before),
        refund=str(refund),
        actor=actor,
        at=at,
    )
    if refund > ZERO:
        hooks.emit(
            RefundOwed(
                order=order, amount=refund, actor=actor, at=at, reason=messages.message(REFUND_SHORT_LINES_DROPPED)
            )
        )
    allocate_locked(order, actor=actor, at=at, may_split=False)
    return Resolution(order, ShortageOption.DROP, refund=refund)


_HANDLERS: dict[ShortageOption, Callable[..., Resolution]] = {
    ShortageOption.TRANSFER: _handle_transfer,
    ShortageOption.BACKORDER: _handle_backorder,
    ShortageOption.DROP: _handle_drop,
    ShortageOption.DELAY: _handle_delay,
    ShortageOption.CANCEL: _handle_cancel,
}


# --- B2B: short stock by customer rank ---------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    order: Order
    rank: CustomerRank | None
    short: int
    allocates: bool
    warehouse_id: int | None


def allocation_plan(*, sku: str, actor: User | None) -> list[PlanRow]:
    """Waiting stockout orders of B2B shops short of this SKU, best-ranked first, each
    marked with whether the stock there now would allocate it in full if the plan were
    applied (a customer who cannot be served in full is passed over, and the units go to
    the next one who can)."""
    require(actor, "orders.view")
    return _plan(sku)


def _plan(sku_code: str) -> list[PlanRow]:

    sku = Sku.objects.filter(code=sku_code).first()
    if sku is None:
        raise ValidationFailed({"sku": _("unknown SKU %(code)s") % {"code": sku_code}})
    orders = list(
        Order.objects.filter(
            status=OrderStatus.STOCKOUT,
            shop__is_b2b=True,
            shortages__resolved_at__isnull=True,
            shortages__sku_id=sku.pk,
            shortages__option__in=WAITING_OPTIONS,
        )
        .distinct()
        .select_related("shop")
    )
    ranked = rank_orders(orders)
    ranks = customer_ranks([order.customer_id for order in ranked])
    lines_by_order: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=ranked).order_by("order_id", "position"):
        lines_by_order.setdefault(line.order_id, []).append(line)
    dropship = _dropship_ids([line for lines in lines_by_order.values() for line in lines])
    warehouses = active_warehouses()
    all_skus = sorted({line.sku_id for lines in lines_by_order.values() for line in lines})
    free = free_stock(all_skus, [warehouse.id for warehouse in warehouses])
    rows = []

    for order in ranked:
        stock_lines = [line for line in lines_by_order.get(order.pk, []) if line.sku_id not in dropship]
        short = sum(line.quantity - line.reserved_quantity for line in stock_lines if line.sku_id == sku.pk)
        plan = get_strategy(order.shop.allocation_strategy)(allocation_context(order, stock_lines, warehouses, free))
        allocates = plan.kind == "single"
        if allocates:
            for line in stock_lines:
                own = line.reserved_quantity if line.warehouse_id == plan.warehouse_id else 0
                key = (line.sku_id, plan.warehouse_id or 0)
                free[key] = free.get(key, 0) - (line.quantity - own)
        rows.append(
            PlanRow(order, ranks.get(order.customer_id), short, allocates, plan.warehouse_id if allocates else None)
        )
    return rows


def apply_allocation_plan(*, sku: str, actor: User | None, at: datetime | None = None) -> list[PlanRow]:
    """Allocate the waiting B2B orders short of this SKU in rank order, as the plan
    shows; returns the plan as it was applied."""
    require(actor, "stockouts.handle")
    at = at or timezone.now()
    with transaction.atomic():
        rows = _plan(sku)
        for row in rows:
            if not row.allocates:
                continue
            order = locked_order(row.order.pk)
            if order is not None and order.status == OrderStatus.STOCKOUT:
                allocate_locked(order, actor=actor, at=at, may_split=False)
        for row in rows:
            row.order.refresh_from_db()
        return rows
