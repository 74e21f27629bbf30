"""Demo warehouse work, all through the actions: one wave picked, checked (with one wrong
scan refused), labelled and mostly handed over (a few parcels still waiting for the
carrier, one intercepted because the buyer cancelled), and a second wave being picked.

Call it after the demo orders are allocated: `load_demo_fulfilment(rng=rng, actor=owner)`
(the owner may pick, pack, ship and cancel). Orders the carriers cannot take (no carrier
fits the address) are left packed-less in the wave, as they would be on a real floor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User
from sellerdesk.fulfilment import actions, packing, shipping
from sellerdesk.fulfilment.models import Wave, WaveOrder
from sellerdesk.fulfilment.waves import WaveRules
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.availability import available_expression
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus
from sellerdesk.payments.actions import record_payment


@dataclass
class DemoFulfilment:
    waves: list[str] = field(default_factory=list)
    packed: int = 0
    shipped: int = 0
    refused_scans: int = 0
    intercepted: str = ""


def _pack(order: Order, *, actor: User, rng: random.Random, wrong_code: str | None, at: datetime) -> int:
    """Scan every unit (a wrong one first when given), weigh, label, all at `at`; the
    refused scans."""
    refused = 0
    check = packing.packing_check(order=order, actor=actor)
    if wrong_code:
        try:
            packing.scan_item(order=order, code=wrong_code, actor=actor, at=at)
        except DomainError:
            refused += 1
    for line in check.lines:
        for _unit in range(line.expected):
            packing.scan_item(order=order, code=line.barcode or line.sku_code, actor=actor, at=at)
    expected = check.entry.expected_weight_grams
    if expected and rng.random() < 0.5:
        packing.record_weight(
            order=order, grams=max(expected + rng.randint(-expected // 20, expected // 20), 1), actor=actor, at=at
        )
    shipping.print_label(order=order, actor=actor, at=at)
    return refused


# Fractions of the shift, from the first wave's release (0) to `now` (1).
SHIFT = {
    "release": 0.0,
    "pick": 0.1,
    "picked": 0.6,
    "sort": 0.62,
    "sorted": 0.76,
    "pack": 0.78,
    "packed": 0.86,
    "intercept": 0.9,
    "second_wave": 0.92,
    "second_pick": 0.94,
    "hand_over": 0.96,
}


def _shift(warehouse_orders: list[datetime], now: datetime) -> dict[str, datetime]:
    """The moments of the demo's shift: it starts 50 minutes before `now`, or later when
    an order was allocated later (a wave never holds an order allocated after it), and
    every step comes in its order between then and `now`."""
    start = max([now - timedelta(minutes=50), *(at + timedelta(minutes=1) for at in warehouse_orders)])
    start = min(start, now)
    return {step: start + (now - start) * fraction for step, fraction in SHIFT.items()}


WAVE_SIZE = 50


def _morning_orders(rng: random.Random, actor: User, warehouse: Warehouse, count: int, *, now: datetime) -> None:
    """This morning's orders, placed, paid, approved and allocated to the default
    warehouse before the shift starts, so that the first wave is a full one of 50."""
    from sellerdesk.demo import names

    places = [place for place in names.PLACES if warehouse.serves(place.province)] or list(names.PLACES)
    in_stock = list(
        StockLevel.objects.filter(
            warehouse=warehouse, sku__is_active=True, sku__is_dropship=False, sku__is_presale=False
        )
        .alias(available_units=available_expression())
        .filter(available_units__gte=10)
        .order_by("sku__code")
        .values_list("sku__code", flat=True)
    )
    if not in_stock:
        return
    start = now - timedelta(hours=4)
    for index in range(count):
        place = rng.choice(places)
        at = start + timedelta(minutes=2 * index)
        order = order_actions.place_order(
            draft=order_actions.OrderDraft(
                buyer=order_actions.Buyer(names.person_name(rng), names.mobile_phone(rng), names.nickname(rng, "web")),
                address=order_actions.Address(place.province, place.city, place.district, names.street_address(rng)),
                lines=[order_actions.LineDraft(rng.choice(in_stock), 1)],
                placed_at=at,
            ),
            actor=actor,
        )
        paid_at = at + timedelta(minutes=1)
        record_payment(
            order=order, amount=order.total, method="online", reference=f"AM-{order.number}", actor=actor, at=paid_at
        )
        order_actions.approve_order(order=order, actor=actor, at=paid_at + timedelta(minutes=30))
        allocate_order(order=order, actor=actor, at=paid_at + timedelta(minutes=31))


def load_demo_fulfilment(*, rng: random.Random, actor: User, now: datetime | None = None) -> DemoFulfilment:
    """Everything between the first wave's release and `now` (the demo's moment; about 50
    minutes, see `_shift`); the parcels handed over are tracked from then (the carrier's
    pick-up scan polled, as the sweep would have). Some labelled parcels and a second
    wave (the last allocated orders) are left for the floor."""
    summary = DemoFulfilment()
    warehouse = default_warehouse()
    now = now or timezone.now()
    allocated = Order.objects.filter(status=OrderStatus.ALLOCATED, warehouse=warehouse)
    # A full first wave, a second one started, and one order still waiting for a wave.
    if allocated.count() < WAVE_SIZE + 3:
        _morning_orders(rng, actor, warehouse, WAVE_SIZE + 3 - allocated.count(), now=now)
    times = _shift([at for at in allocated.values_list("allocated_at", flat=True) if at is not None], now)
    # The first wave takes all but one of them (at most 50), the second the rest.
    first_size = min(WAVE_SIZE, max(allocated.count() - 1, 1))
    try:
        wave = actions.create_wave(
            warehouse=warehouse, rules=WaveRules(max_orders=first_size), actor=actor, at=times["release"]
        )
    except DomainError:
        return summary
    summary.waves.append(wave.number)
    actions.start_step(wave=wave, step="pick", actor=actor, at=times["pick"])
    actions.confirm_pick(wave=wave, actor=actor, at=times["picked"])
    actions.start_step(wave=wave, step="sort", actor=actor, at=times["sort"])
    actions.finish_step(wave=wave, step="sort", actor=actor, at=times["sorted"])
    labelled = _pack_wave(rng, wave, summary, actor=actor, times=times)
    summary.packed = len(labelled)
    # The buyer of one labelled parcel cancels before hand-over: it is intercepted (截单).
    if len(labelled) > 4:
        stopped = labelled.pop(rng.randrange(len(labelled)))
        shipping.cancel_and_intercept(
            order=stopped, actor=actor, reason="买家申请取消订单（未发货）", at=times["intercept"]
        )
        summary.intercepted = stopped.number
    # The last parcels (three, fewer on a small day) wait for the carrier; the rest are
    # handed over, and tracked from then.
    waiting = min(3, max(len(labelled) // 2, 1))
    summary.shipped += _hand_over(labelled[: len(labelled) - waiting], actor=actor, at=times["hand_over"], now=now)
    # A second, smaller wave: picking has started; the last allocated order waits.
    waiting_for_a_wave = Order.objects.filter(status=OrderStatus.ALLOCATED, warehouse=warehouse).count()
    try:
        second = actions.create_wave(
            warehouse=warehouse,
            rules=WaveRules(max_orders=max(min(10, waiting_for_a_wave - 1), 1)),
            actor=actor,
            at=times["second_wave"],
        )
    except DomainError:
        return summary
    actions.start_step(wave=second, step="pick", actor=actor, at=times["second_pick"])
    summary.waves.append(second.number)
    return summary


def _pack_wave(
    rng: random.Random, wave: Wave, summary: DemoFulfilment, *, actor: User, times: dict[str, datetime]
) -> list[Order]:
    """Pack the picked orders of the wave slot by slot, spread over the packing time (the
    first with one wrong scan); returns the orders labelled, counting refused scans in
    `summary`."""
    entries = list(WaveOrder.objects.filter(wave=wave).select_related("order").order_by("slot"))
    skus = list(Sku.objects.order_by("code").values_list("code", flat=True)[:50])
    labelled: list[Order] = []
    packing_time = (times["packed"] - times["pack"]) / max(len(entries), 1)
    for index, entry in enumerate(entries):
        order = entry.order
        if order.status != OrderStatus.PICKING:
            continue
        in_order = set(order.lines.values_list("sku_code", flat=True))
        wrong = next((code for code in skus if code not in in_order), None) if index == 0 else None
        try:
            summary.refused_scans += _pack(
                order, actor=actor, rng=rng, wrong_code=wrong, at=times["pack"] + packing_time * index
            )
        except DomainError:
            continue
        labelled.append(order)
    return labelled


def _hand_over(orders: list[Order], *, actor: User, at: datetime, now: datetime) -> int:
    """Hand the orders' parcels to the carrier and track them from then; returns how many went."""
    shipped = 0
    for order in orders:
        shipment = shipping.active_shipment(order)
        if shipment is not None:
            shipment = shipping.scan_out(tracking_number=shipment.tracking_number, actor=actor, at=at)
            poll_shipment(shipment=shipment, now=now)
            shipped += 1
    return shipped


__all__ = ["DemoFulfilment", "load_demo_fulfilment"]
