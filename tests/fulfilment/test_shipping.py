"""The scan-out ships the order (stock leaves on-hand, the buyer is told); an intercepted
parcel (截单: the buyer cancelled before hand-over) is refused and nothing changes."""

from __future__ import annotations

import pytest

from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound
from sellerdesk.fulfilment import packing, shipping
from sellerdesk.fulfilment.models import Wave
from sellerdesk.inventory.models import BinStock, StockLevel
from sellerdesk.logistics.models import Shipment
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import OrderEvent
from tests.fulfilment.conftest import picked, sku, state


@pytest.fixture
def labelled(main, carriers, warehouse_user):
    sku("CAP", stock_in={"A-01": 4}, weight=100)
    order = picked(("CAP", 2), actor=warehouse_user)
    for _ in range(2):
        packing.scan_item(order=order, code="CAP", actor=warehouse_user)
    shipment = shipping.print_label(order=order, actor=warehouse_user)
    order.refresh_from_db()
    return order, shipment


def test_the_scan_out_ships_the_order_and_tells_the_buyer(labelled, warehouse_user, django_capture_on_commit_callbacks):
    order, shipment = labelled

    with django_capture_on_commit_callbacks(execute=True):
        handed = shipping.scan_out(tracking_number=f"  {shipment.tracking_number} ", actor=warehouse_user)

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "YUNDA", shipment.tracking_number)
    assert (handed.status, handed.handed_over_at) == ("handed_over", order.shipped_at)
    level = StockLevel.objects.get(sku__code="CAP")
    assert (level.on_hand, level.reserved) == (52, 0)
    assert BinStock.objects.get(bin__code="A-01").quantity == 2
    # "On its way" in the portal and by SMS (the shop's default channels), keyed by the parcel.
    earlier_steps = ("paid", "order_confirmation")  # told before the warehouse's work
    told = OutgoingMessage.objects.filter(order=order).exclude(kind__in=earlier_steps).order_by("channel")
    assert [(m.kind, m.channel, m.status, m.idempotency_key) for m in told] == [
        ("parcel_shipped", channel, "queued", f"shipped:{order.number}:{shipment.tracking_number}:{channel}")
        for channel in ("in_site", "sms")
    ]
    assert all(shipment.tracking_number in message.text for message in told)
    assert OrderEvent.objects.filter(order=order, type="shipped").count() == 1
    assert Wave.objects.get().status == "done"


def test_an_intercepted_parcel_is_refused_at_the_scan_out_and_nothing_changes(labelled, agent, warehouse_user):
    order, shipment = labelled
    closed, stopped = shipping.cancel_and_intercept(order=order, actor=agent, reason="买家不要了")
    assert closed.status == "closed"
    assert [s.tracking_number for s in stopped] == [shipment.tracking_number]
    before = state(order)

    with pytest.raises(Conflict) as refused:
        shipping.scan_out(tracking_number=shipment.tracking_number, actor=warehouse_user)

    assert refused.value.code == "shipment_intercepted"
    assert refused.value.message == (
        f"STOP — parcel {shipment.tracking_number} was intercepted (截单): order {order.number} was cancelled. "
        "Do not hand it over."
    )
    assert state(order) == before
    assert Shipment.objects.get().status == "intercepted"


def test_a_parcel_is_handed_over_once(labelled, warehouse_user):
    order, shipment = labelled
    shipping.scan_out(tracking_number=shipment.tracking_number, actor=warehouse_user)
    before = state(order)

    with pytest.raises(Conflict) as refused:
        shipping.scan_out(tracking_number=shipment.tracking_number, actor=warehouse_user)

    assert refused.value.code == "already_handed_over"
    assert state(order) == before


def test_an_unknown_tracking_number_is_refused(labelled, warehouse_user):
    order, _shipment = labelled
    before = state(order)

    with pytest.raises(NotFound) as refused:
        shipping.scan_out(tracking_number="ZZ123", actor=warehouse_user)

    assert refused.value.message == "Unknown tracking number ZZ123: no label of ours has it."
    assert state(order) == before


def test_a_shipped_order_cannot_be_intercepted(labelled, agent, warehouse_user):
    order, shipment = labelled
    shipping.scan_out(tracking_number=shipment.tracking_number, actor=warehouse_user)
    before = state(order)

    with pytest.raises(InvalidTransition):
        shipping.cancel_and_intercept(order=order, actor=agent, reason="太晚了")

    assert state(order) == before


def test_a_cancelled_order_is_not_packed(main, carriers, agent, warehouse_user):
    sku("CAP", stock_in={"A-01": 4})
    order = picked(("CAP", 1), actor=warehouse_user)
    shipping.cancel_and_intercept(order=order, actor=agent, reason="买家不要了")

    with pytest.raises(Conflict) as refused:
        packing.scan_item(order=order, code="CAP", actor=warehouse_user)

    assert refused.value.code == "order_cancelled"


def test_a_plain_cancel_of_a_packed_order_stops_its_parcel(labelled, agent, warehouse_user):
    order, shipment = labelled
    from sellerdesk.orders import actions as order_actions

    order_actions.cancel_order(order=order, actor=agent, reason="买家取消")

    shipment.refresh_from_db()
    assert (shipment.status, shipment.is_intercepted) == ("intercepted", True)
    with pytest.raises(Conflict) as refused:
        shipping.scan_out(tracking_number=shipment.tracking_number, actor=warehouse_user)
    assert refused.value.code == "shipment_intercepted"
