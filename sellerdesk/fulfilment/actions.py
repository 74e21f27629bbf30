"""Waves and picking: building a wave (or picking one order), the steps of the people
who pick and sort, and confirming the pick (a unit not found sends its order to
stockout). The packing check is in fulfilment.packing, labels and the scan-out in
fulfilment.shipping.

Every action: one transaction, the rows locked in a stable order (the warehouse row
first: one wave is built at a time per warehouse, so two waves never claim the same
units of a bin; then the orders by id), the order moves through `next_status`, and an
order event is written for each moved order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment import states as wave_states
from sellerdesk.fulfilment.events import (
    NOTE_PICKED,
    picking_started_events,
    wave_closed_event,
    wave_created_event,
    wave_pick_confirmed_event,
    wave_step_event,
)
from sellerdesk.fulfilment.models import PickLine, PickMode, Wave, WaveOrder, WaveStatus, WaveStep, WaveStepKind
from sellerdesk.fulfilment.states import WaveAction
from sellerdesk.fulfilment.waves import WavePlan, WaveRules, plan_wave
from sellerdesk.inventory import actions as stock
from sellerdesk.inventory.models import MovementKind, StockMovement, Warehouse
from sellerdesk.orders import events
from sellerdesk.orders import states as order_states
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine, Shortage
from sellerdesk.orders.states import OrderAction, next_status

# Order event types fulfilment writes.
PICKING_STARTED = OrderEventType.PICKING_STARTED
PACKING_CHECKED = OrderEventType.PACKING_CHECKED
PACKED = OrderEventType.PACKED

# Warehouse work is what the role that ships may do; reading it, what any staff may.
# The warehouse floor has permissions of its own (issue 17 A4), no longer "orders.ship":
PICK = "warehouse.pick"  # waves: creating them, picking, their steps
PACK = "warehouse.pack"  # the packing check and the parcel's label
DISPATCH = "warehouse.dispatch"  # scan-out: the parcel leaves the warehouse
VIEW = "orders.view"


def _wave_number(warehouse: Warehouse, at: datetime) -> str:
    prefix = "W" + timezone.localtime(at).strftime("%y%m%d")
    last = Wave.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{sequence:04d}"


def _weights(sku_ids: set[int]) -> dict[int, int]:
    rows = Sku.objects.filter(pk__in=sku_ids).values_list("pk", "weight_grams") if sku_ids else []
    return {pk: grams or 0 for pk, grams in rows}


def _write_plan(plan: WavePlan, *, mode: str, actor: User | None, at: datetime) -> Wave:
    """Write the wave, its orders and pick lines, and move the orders to picking."""
    order_ids = sorted(planned.order_id for planned in plan.orders)
    moved = Order.objects.filter(pk__in=order_ids, status__in=wave_states.ORDERS_TO_PICK).update(
        status=order_states.target_of(OrderAction.PICK)
    )
    if moved != len(order_ids):
        raise RuntimeError("an order of the wave left allocated while it was locked")
    wave = Wave(
        warehouse=plan.warehouse,
        mode=mode,
        status=WaveStatus.PICKING,
        rules=plan.rules.as_dict(),
        order_count=plan.order_count,
        item_count=plan.item_count,
        created_at=at,
        created_by=actor,
    )
    _save_numbered(wave, at=at)
    entries = _write_wave_orders(wave, plan)
    _write_pick_lines(wave, entries, plan)
    OrderEvent.objects.bulk_create(
        picking_started_events(
            ((entry.order_id, entry.slot) for entry in entries), wave=wave.number, mode=mode, actor=actor, at=at
        ),
        batch_size=2000,
    )
    wave_created_event(wave, actor=actor, at=at)
    return wave


def _save_numbered(wave: Wave, *, at: datetime) -> None:
    """Insert the wave under the next number of its warehouse's day; a number another
    wave took at the same moment is retried (three tries)."""
    for attempt in range(3):
        wave.number = _wave_number(wave.warehouse, at)
        try:
            with transaction.atomic():
                wave.save(force_insert=True)
            break
        except IntegrityError:
            wave.pk = None
            if attempt == 2:
                raise


def _write_wave_orders(wave: Wave, plan: WavePlan) -> list[WaveOrder]:
    """The wave's orders in their slots, each with the weight its goods should have."""
    weights = _weights({a.sku_id for planned in plan.orders for a in planned.assignments})
    entries = [
        WaveOrder(
            wave=wave,
            order_id=planned.order_id,
            slot=slot,
            carrier=planned.carrier,
            item_count=planned.items,
            expected_weight_grams=sum((weights.get(a.sku_id) or 0) * a.quantity for a in planned.assignments),
        )
        for slot, planned in enumerate(plan.orders, start=1)
    ]
    WaveOrder.objects.bulk_create(entries, batch_size=2000)
    return entries


def _write_pick_lines(wave: Wave, entries: list[WaveOrder], plan: WavePlan) -> None:
    """One pick line per bin assignment of each order of the wave."""
    PickLine.objects.bulk_create(
        [
            PickLine(
                wave=wave,
                entry=entry,
                order_line_id=assignment.order_line_id,
                sku_id=assignment.sku_id,
                bin_id=assignment.bin_id,
                route_order=assignment.route_order,
                quantity=assignment.quantity,
            )
            for entry, planned in zip(entries, plan.orders, strict=True)
            for assignment in planned.assignments
        ],
        batch_size=2000,
    )


def create_wave(*, warehouse: Warehouse, rules: WaveRules, actor: User | None, at: datetime | None = None) -> Wave:
    """Build a wave by the rules (the same plan the preview shows) and release it to the
    floor: its orders move allocated → picking. Refuses (409 empty_wave) when no order
    matches; nothing is written then."""
    require(actor, PICK)
    at = at or timezone.now()
    with transaction.atomic():
        Warehouse.objects.select_for_update().filter(pk=warehouse.pk).first()
        plan = plan_wave(warehouse=warehouse, rules=rules)
        plan = _locked_plan(plan)
        if not plan.orders:
            raise Conflict(
                "empty_wave",
                _("No allocated order of %(warehouse)s matches these rules.") % {"warehouse": warehouse.name},
                details={"considered": plan.considered, "left_out": plan.left_out},
            )
        return _write_plan(plan, mode=PickMode.WAVE, actor=actor, at=at)


def _locked_plan(plan: WavePlan) -> WavePlan:
    """Lock the planned orders (by id); if one has moved on meanwhile, plan again with the rest."""
    ids = sorted(planned.order_id for planned in plan.orders)
    still = set(
        Order.objects.select_for_update()
        .filter(pk__in=ids, status__in=wave_states.ORDERS_TO_PICK)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if still == set(ids):
        return plan
    return plan_wave(warehouse=plan.warehouse, rules=plan.rules, only_order_ids=sorted(still))


def pick_order(*, order: Order, actor: User | None, at: datetime | None = None) -> Wave:
    """Pick one order on its own (按单拣货): a wave of that order alone."""
    require(actor, PICK)
    at = at or timezone.now()
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        next_status(current.status, OrderAction.PICK)
        if current.warehouse_id is None:
            raise InvalidTransition(current=current.status, action=OrderAction.PICK.value)
        warehouse = Warehouse.objects.select_for_update().get(pk=current.warehouse_id)
        plan = plan_wave(warehouse=warehouse, rules=WaveRules(max_orders=1), only_order_ids=[current.pk])
        if not plan.orders:
            raise Conflict(
                "nothing_to_pick",
                _("Order %(number)s has no units to pick in this warehouse.") % {"number": current.number},
                details={"number": current.number},
            )
        return _write_plan(plan, mode=PickMode.ORDER, actor=actor, at=at)


def _require_worker(actor: User | None) -> User:
    if actor is None:
        raise ValidationFailed({"worker": _("a step is done by a person")})
    return actor


def start_step(*, wave: Wave, step: str, actor: User | None, at: datetime | None = None) -> WaveStep:
    """A worker starts picking, sorting or packing the wave; a second start keeps the first time."""
    require(actor, PICK)
    worker = _require_worker(actor)
    if step not in WaveStepKind.values:
        raise ValidationFailed({"step": _("one of %(values)s") % {"values": ", ".join(WaveStepKind.values)}})
    with transaction.atomic():
        found, created = WaveStep.objects.get_or_create(
            wave=wave, step=step, worker=worker, defaults={"started_at": at or timezone.now()}
        )
        if created:
            wave_step_event(wave, step=step, finished=False, actor=actor, at=found.started_at)
    return found


def finish_step(*, wave: Wave, step: str, actor: User | None, at: datetime | None = None) -> WaveStep:
    """A worker is done with a step of the wave (started now if it was never started)."""
    require(actor, PICK)
    worker = _require_worker(actor)
    at = at or timezone.now()
    with transaction.atomic():
        found, _created = WaveStep.objects.select_for_update().get_or_create(
            wave=wave, step=step, worker=worker, defaults={"started_at": at}
        )
        if found.finished_at is None:
            found.finished_at = at
            found.save(update_fields=["finished_at"])
            wave_step_event(wave, step=step, finished=True, actor=actor, at=at)
    return found


StopKey = tuple[int | None, int]  # (bin id or None, SKU id)


def confirm_pick(
    *, wave: Wave, actor: User | None, picked: Mapping[StopKey, int] | None = None, at: datetime | None = None
) -> Wave:
    """The picker has walked the route. `picked` gives the units found at the stops where
    fewer were found than listed (every other stop was picked in full). Units missing go
    short on the last slots first; each order short of a unit moves picking → stockout
    with a Shortage per short line. Refuses an unknown stop or a count above the list."""
    require(actor, PICK)
    at = at or timezone.now()
    picked = dict(picked or {})
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        picked_status = wave_states.next_status(wave.status, WaveAction.CONFIRM_PICK)
        lines = list(
            PickLine.objects.filter(wave=wave, entry__order__status__in=wave_states.ORDERS_TO_PACK)
            .select_related("entry")
            .order_by("route_order", "bin_id", "sku_id", "entry__slot", "pk")
        )
        planned: dict[StopKey, int] = defaultdict(int)
        for line in lines:
            planned[(line.bin_id, line.sku_id)] += line.quantity
        _check_picked(picked, planned)
        short_by_line, missing = _share_found(lines, {key: picked.get(key, total) for key, total in planned.items()})
        PickLine.objects.bulk_update(lines, ["picked_quantity"], batch_size=2000)
        _ledger_picks(lines, wave=wave, actor=actor, at=at)
        if short_by_line:
            _write_off(missing, wave=wave, actor=actor, at=at)
            _short_orders(short_by_line, wave=wave, actor=actor, at=at)
        wave.status = picked_status
        wave.picked_at = at
        wave.picked_by = actor
        wave.save(update_fields=["status", "picked_at", "picked_by"])
        wave_pick_confirmed_event(
            wave,
            short_units=sum(short_by_line.values()),
            short_orders=len({line.entry_id for line in lines if line.order_line_id in short_by_line}),
            actor=actor,
            at=at,
        )
        if actor is not None:
            step, _created = WaveStep.objects.get_or_create(
                wave=wave, step=WaveStepKind.PICK, worker=actor, defaults={"started_at": at}
            )
            if step.finished_at is None:
                step.finished_at = at
                step.save(update_fields=["finished_at"])
    return wave


def _check_picked(picked: Mapping[StopKey, int], planned: Mapping[StopKey, int]) -> None:
    """Each count is for a stop of the list and between 0 and what the list asks there."""
    bad: dict[str, str] = {}
    for index, (key, count) in enumerate(picked.items()):
        if key not in planned:
            bad[f"lines[{index}]"] = _("not a stop of this pick list")
        elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= planned[key]:
            bad[f"lines[{index}].picked"] = _("between 0 and %(max)s") % {"max": planned[key]}
    if bad:
        raise ValidationFailed(bad)


def _share_found(
    lines: Sequence[PickLine], found: Mapping[StopKey, int]
) -> tuple[dict[int, int], dict[tuple[int, int | None], int]]:
    """Give the units found at each stop to its lines, first slots first (sets each line's
    `picked_quantity`); returns the units short per order line, and per (order line, bin)."""
    short_by_line: dict[int, int] = defaultdict(int)
    missing: dict[tuple[int, int | None], int] = defaultdict(int)  # (order line, bin) -> units
    by_stop: dict[StopKey, list[PickLine]] = defaultdict(list)
    for line in lines:
        by_stop[(line.bin_id, line.sku_id)].append(line)
    for key, stop_lines in by_stop.items():
        left = found[key]
        for line in stop_lines:  # first slots first
            line.picked_quantity = min(line.quantity, left)
            left -= line.picked_quantity
            if line.picked_quantity < line.quantity:
                short_by_line[line.order_line_id] += line.quantity - line.picked_quantity
                missing[(line.order_line_id, line.bin_id)] += line.quantity - line.picked_quantity
    return short_by_line, missing


def _ledger_picks(lines: Sequence[PickLine], *, wave: Wave, actor: User | None, at: datetime) -> None:
    """The stock ledger records each stop's units taken from their bin into the wave's
    totes (kind `pick`; on-hand and reservations change when the parcel ships)."""
    picked: dict[tuple[int | None, int], int] = defaultdict(int)
    for line in lines:
        if line.picked_quantity:
            picked[(line.bin_id, line.sku_id)] += line.picked_quantity
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                sku_id=sku_id,
                warehouse_id=wave.warehouse_id,
                bin_id=bin_id,
                kind=MovementKind.PICK,
                document=wave.number,
                actor=actor,
                note_data=messages.message(NOTE_PICKED, quantity=quantity),
                at=at,
            )
            for (bin_id, sku_id), quantity in sorted(picked.items(), key=lambda item: (item[0][1], item[0][0] or 0))
        ]
    )


def _write_off(missing: Mapping[tuple[int, int | None], int], *, wave: Wave, actor: User | None, at: datetime) -> None:
    """Units not found on the shelf leave on-hand and their order lines' reservations: the
    stock figures stay true, and the order's short lines show as not reserved."""
    order_lines = {line.pk: line for line in OrderLine.objects.filter(pk__in={key[0] for key in missing})}
    stock.write_off_missing(
        missing=[
            stock.MissingUnits(order_lines[line_id].sku_id, order_lines[line_id].warehouse_id or 0, bin_id, quantity)
            for (line_id, bin_id), quantity in missing.items()
        ],
        document=wave.number,
        actor=actor,
        at=at,
    )
    short: dict[int, int] = defaultdict(int)
    for (line_id, _bin_id), quantity in missing.items():
        short[line_id] += quantity
    for line_id, quantity in short.items():
        OrderLine.objects.filter(pk=line_id).update(reserved_quantity=F("reserved_quantity") - quantity)


def _short_orders(short_by_line: Mapping[int, int], *, wave: Wave, actor: User | None, at: datetime) -> None:
    order_lines = {
        line.pk: line
        for line in OrderLine.objects.filter(pk__in=list(short_by_line)).select_related("order").order_by("order_id")
    }
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in order_lines.values():
        by_order[line.order_id].append(line)
    for order_id in sorted(by_order):
        order = Order.objects.select_for_update().get(pk=order_id)
        before = order.status
        order.status = next_status(order.status, OrderAction.SHORT)
        order.save(update_fields=["status"])
        short_lines = sorted(by_order[order_id], key=lambda line: line.position)
        Shortage.objects.bulk_create(
            [
                Shortage(
                    order=order, line=line, sku_id=line.sku_id, short_quantity=short_by_line[line.pk], detected_at=at
                )
                for line in short_lines
            ]
        )
        events.stockout_event(
            order,
            actor=actor,
            at=at,
            before=before,
            found_by="picking",
            wave=wave.number,
            lines=[
                {"sku": line.sku_code, "position": line.position, "short": short_by_line[line.pk]}
                for line in short_lines
            ],
        )


def close_wave_if_done(wave_id: int, *, at: datetime) -> None:
    """A wave is done once none of its orders is still being picked or packed; its closing
    is recorded at `at`, the time of the scan-out or cancellation that finished it."""
    busy = WaveOrder.objects.filter(wave_id=wave_id, order__status__in=wave_states.ORDERS_IN_WAREHOUSE).exists()
    if not busy:
        closed = Wave.objects.filter(pk=wave_id, status__in=wave_states.statuses_allowing(WaveAction.CLOSE)).update(
            status=wave_states.target_of(WaveAction.CLOSE)
        )
        if closed:
            wave_closed_event(wave_id, at=at)


__all__ = [
    "PACKED",
    "PACKING_CHECKED",
    "PICKING_STARTED",
    "close_wave_if_done",
    "confirm_pick",
    "create_wave",
    "finish_step",
    "pick_order",
    "start_step",
]
