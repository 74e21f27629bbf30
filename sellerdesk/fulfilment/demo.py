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

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User
from sellerdesk.fulfilment import actions, packing, shipping
from sellerdesk.fulfilment.models import WaveOrder
from sellerdesk.fulfilment.waves import WaveRules
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus


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


def load_demo_fulfilment(*, rng: random.Random, actor: User, now: datetime | None = None) -> DemoFulfilment:
    """Everything between the first wave's release and `now` (the demo's moment; about 50
    minutes, see `_shift`); the parcels handed over are tracked from then (the carrier's
    pick-up scan polled, as the sweep would have). Some labelled parcels and a second
    wave (the last allocated orders) are left for the floor."""
    summary = DemoFulfilment()
    warehouse = default_warehouse()
    now = now or timezone.now()
    allocated = Order.objects.filter(status=OrderStatus.ALLOCATED, warehouse=warehouse)
    times = _shift([at for at in allocated.values_list("allocated_at", flat=True) if at is not None], now)
    # The first wave takes all but one of them (at most 50), the second the rest.
    first_size = min(50, max(allocated.count() - 1, 1))
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
    for order in labelled[: len(labelled) - waiting]:
        shipment = shipping.active_shipment(order)
        if shipment is not None:
            shipment = shipping.scan_out(tracking_number=shipment.tracking_number, actor=actor, at=times["hand_over"])
            poll_shipment(shipment=shipment, now=now)
            summary.shipped += 1
    # A second, smaller wave: picking has started.
    try:
        second = actions.create_wave(
            warehouse=warehouse, rules=WaveRules(max_orders=10), actor=actor, at=times["second_wave"]
        )
    except DomainError:
        return summary
    actions.start_step(wave=second, step="pick", actor=actor, at=times["second_pick"])
    summary.waves.append(second.number)
    return summary


__all__ = ["DemoFulfilment", "load_demo_fulfilment"]
