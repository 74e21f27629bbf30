"""The issue's "done when", end to end through the actions: a wave of 50 orders is picked,
packed with one wrong scan refused, labelled, handed over, tracked to delivery with one
parcel problem handled on the desk, and every order completed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sellerdesk.fulfilment import actions, packing, shipping
from sellerdesk.fulfilment.waves import WaveRules
from sellerdesk.logistics.exceptions import contact_buyer, detect_logistics_exceptions, resolve_exception
from sellerdesk.logistics.models import LogisticsException
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.orders.models import Order
from sellerdesk.orders.tasks import auto_confirm_receipts
from tests.factories import make_user
from tests.fulfilment.conftest import T0, allocated, sku

WAVE = 50


@pytest.fixture
def fifty(main: Any, carriers: Any, settings: Any) -> list[Order]:
    # Every parcel goes smoothly unless asked otherwise: the test picks its one problem.
    settings.SELLERDESK = {**settings.SELLERDESK, "SIMULATED_CARRIER": {"rates": {"normal": 1}}}
    sku("TEE", stock_in={"A-01": 60}, weight=200)
    sku("CAP", stock_in={"B-01": 40}, weight=100)
    sku("MUG", weight=300)  # in no order: scanning it is a wrong item
    return [allocated(("TEE", 1), ("CAP", 1)) if index % 3 == 0 else allocated(("TEE", 1)) for index in range(WAVE)]


def test_a_wave_of_50_goes_from_picking_to_completed(fifty: list[Order], main: Any) -> None:
    picker = make_user("picker", "warehouse", "小王")
    agent = make_user("agent2", "agent", "小美")

    wave = actions.create_wave(
        warehouse=main, rules=WaveRules(max_orders=WAVE), actor=picker, at=T0 + timedelta(hours=1)
    )
    assert Order.objects.filter(status="picking").count() == WAVE
    actions.confirm_pick(wave=wave, actor=picker, at=T0 + timedelta(hours=2))

    refused = 0
    for index, order in enumerate(Order.objects.filter(status="picking").order_by("pk")):
        if index == 0:  # the wrong item first: refused on the spot, nothing counted
            with pytest.raises(packing.ScanRefused):
                packing.scan_item(
                    order=order, code="CAP" if not order.lines.filter(sku_code="CAP") else "NOPE-1", actor=picker
                )
            refused += 1
        for line in order.lines.all():
            for _unit in range(line.quantity):
                packing.scan_item(order=order, code=line.sku_code, actor=picker, at=T0 + timedelta(hours=3))
        scenario = "weather" if index == 1 else None  # one parcel meets bad weather
        shipping.print_label(order=order, actor=picker, scenario=scenario, at=T0 + timedelta(hours=3))
    assert (refused, Order.objects.filter(status="packed").count()) == (1, WAVE)

    handed_over = T0 + timedelta(hours=4)
    for order in Order.objects.filter(status="packed"):
        parcel = shipping.active_shipment(order)
        assert parcel is not None
        shipping.scan_out(tracking_number=parcel.tracking_number, actor=picker, at=handed_over)
    assert Order.objects.filter(status="shipped").count() == WAVE

    # A day on: the weather parcel is late and lands on the desk; an agent handles it.
    poll_tracking(handed_over + timedelta(days=1))
    detect_logistics_exceptions(handed_over + timedelta(days=1))
    problem = LogisticsException.objects.get()
    assert problem.kind == "weather"
    contact_buyer(exception=problem, actor=agent, at=handed_over + timedelta(days=1, hours=1))
    resolve_exception(
        exception=problem,
        outcome="wait",
        note="已告知买家 天气原因延误",
        actor=agent,
        at=handed_over + timedelta(days=1, hours=2),
    )

    # A week on: every parcel is delivered; ten days after shipping, receipt confirms itself.
    poll_tracking(handed_over + timedelta(days=7))
    assert Order.objects.filter(status="delivered").count() == WAVE
    auto_confirm_receipts(handed_over + timedelta(days=11))

    assert Order.objects.filter(status="completed").count() == WAVE
    problem.refresh_from_db()
    assert (problem.outcome, problem.closed_at is not None, problem.contacted_at is not None) == ("wait", True, True)
