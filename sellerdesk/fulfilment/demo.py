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
from datetime import timedelta

from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User
from sellerdesk.fulfilment import actions, packing, shipping
from sellerdesk.fulfilment.models import WaveOrder
from sellerdesk.fulfilment.waves import WaveRules
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus


@dataclass
class DemoFulfilment:
    waves: list[str] = field(default_factory=list)
    packed: int = 0
    shipped: int = 0
    refused_scans: int = 0
    intercepted: str = ""


def _pack(order: Order, *, actor: User, rng: random.Random, wrong_code: str | None) -> int:
    """Scan every unit (a wrong one first when given), weigh, label; the refused scans."""
    refused = 0
    check = packing.packing_check(order=order, actor=actor)
    if wrong_code:
        try:
            packing.scan_item(order=order, code=wrong_code, actor=actor)
        except DomainError:
            refused += 1
    for line in check.lines:
        for _unit in range(line.expected):
            packing.scan_item(order=order, code=line.barcode or line.sku_code, actor=actor)
    expected = check.entry.expected_weight_grams
    if expected and rng.random() < 0.5:
        packing.record_weight(
            order=order, grams=max(expected + rng.randint(-expected // 20, expected // 20), 1), actor=actor
        )
    shipping.print_label(order=order, actor=actor)
    return refused


def load_demo_fulfilment(*, rng: random.Random, actor: User) -> DemoFulfilment:
    summary = DemoFulfilment()
    warehouse = default_warehouse()
    now = timezone.now()
    try:
        wave = actions.create_wave(
            warehouse=warehouse, rules=WaveRules(max_orders=50), actor=actor, at=now - timedelta(minutes=50)
        )
    except DomainError:
        return summary
    summary.waves.append(wave.number)
    actions.start_step(wave=wave, step="pick", actor=actor, at=now - timedelta(minutes=45))
    actions.confirm_pick(wave=wave, actor=actor, at=now - timedelta(minutes=20))
    actions.start_step(wave=wave, step="sort", actor=actor, at=now - timedelta(minutes=19))
    actions.finish_step(wave=wave, step="sort", actor=actor, at=now - timedelta(minutes=12))
    entries = list(WaveOrder.objects.filter(wave=wave).select_related("order").order_by("slot"))
    skus = list(Sku.objects.order_by("code").values_list("code", flat=True)[:50])
    labelled: list[Order] = []
    for index, entry in enumerate(entries):
        order = entry.order
        if order.status != OrderStatus.PICKING:
            continue
        in_order = set(order.lines.values_list("sku_code", flat=True))
        wrong = next((code for code in skus if code not in in_order), None) if index == 0 else None
        try:
            summary.refused_scans += _pack(order, actor=actor, rng=rng, wrong_code=wrong)
        except DomainError:
            continue
        labelled.append(order)
    summary.packed = len(labelled)
    # The buyer of one labelled parcel cancels before hand-over: it is intercepted (截单).
    if len(labelled) > 4:
        stopped = labelled.pop(rng.randrange(len(labelled)))
        shipping.cancel_and_intercept(order=stopped, actor=actor, reason="买家申请取消订单（未发货）")
        summary.intercepted = stopped.number
    # All but the last three parcels are handed to the carriers.
    for order in labelled[:-3] if len(labelled) > 3 else labelled:
        shipment = shipping.active_shipment(order)
        if shipment is not None:
            shipping.scan_out(tracking_number=shipment.tracking_number, actor=actor)
            summary.shipped += 1
    # A second, smaller wave: picking has started.
    try:
        second = actions.create_wave(warehouse=warehouse, rules=WaveRules(max_orders=10), actor=actor)
    except DomainError:
        return summary
    actions.start_step(wave=second, step="pick", actor=actor, at=timezone.now() - timedelta(minutes=6))
    summary.waves.append(second.number)
    return summary


__all__ = ["DemoFulfilment", "load_demo_fulfilment"]
