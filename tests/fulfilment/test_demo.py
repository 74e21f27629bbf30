"""The demo's warehouse work: a wave picked, packed with one wrong scan refused, mostly
handed over, one parcel intercepted; a second wave being picked."""

from __future__ import annotations

import random
from datetime import timedelta

from sellerdesk.demo.fulfilment import load_demo_fulfilment
from sellerdesk.fulfilment.models import Wave, WaveStep
from sellerdesk.logistics.models import Shipment
from sellerdesk.orders.models import Order
from tests.fulfilment.conftest import T0, allocated, sku


def test_the_demo_picks_packs_ships_and_intercepts(main, carriers, owner):
    sku("CAP", stock_in={"A-01": 60})
    sku("MUG", stock_in={"B-01": 90})
    sku("TEA", stock_in={"B-02": 5})  # never ordered: the wrong item scanned once
    for index in range(53):  # enough for a full wave: no morning orders added
        allocated(("CAP", 1), ("MUG", index % 2 + 1), at=T0 + timedelta(minutes=index))

    summary = load_demo_fulfilment(rng=random.Random(5), actor=owner)

    first, second = (Wave.objects.get(number=number) for number in summary.waves)
    assert (first.order_count, first.status) == (50, "picked")
    assert (summary.packed, summary.refused_scans, summary.shipped) == (50, 1, 46)
    statuses = sorted(Order.objects.values_list("status", flat=True))
    assert statuses == ["allocated"] + ["closed"] + ["packed"] * 3 + ["picking"] * 2 + ["shipped"] * 46
    assert Order.objects.get(number=summary.intercepted).status == "closed"
    assert Shipment.objects.get(order__number=summary.intercepted).status == "intercepted"
    assert (second.order_count, second.status) == (2, "picking")
    assert WaveStep.objects.filter(wave=first).count() == 2


def test_a_small_day_gets_this_mornings_orders_for_a_full_wave(main, carriers, owner):
    sku("CAP", stock_in={"A-01": 60})
    for index in range(5):
        allocated(("CAP", 1), at=T0 + timedelta(minutes=index))

    summary = load_demo_fulfilment(rng=random.Random(5), actor=owner)

    first = Wave.objects.get(number=summary.waves[0])
    assert first.order_count == 50
    assert Order.objects.count() == 53
    assert Order.objects.filter(status="allocated").count() == 1
