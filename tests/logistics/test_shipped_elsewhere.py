"""An order shipped through POST /orders/{n}/ship (a shop's own system, a small shop
without the warehouse screens) is tracked like a scanned-out parcel, and the buyer told.
Its tracking is requested in the shipping transaction; the carrier is asked for the route
data after the commit, with no transaction open, or by the worker if the process died."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from sellerdesk.core.errors import Conflict
from sellerdesk.logistics import actions
from sellerdesk.logistics.models import Shipment, ShipmentLog
from sellerdesk.logistics.tasks import retry_carrier_tracking
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.conftest import ApiClient
from tests.logistics.helpers import (
    approved_order,
    assert_called_with_no_transaction_open,
    fresh,
    watching_the_carrier,
)

GRACE = timedelta(seconds=120)  # CARRIER_BOOKING_RETRY_AFTER_SECONDS' default


def ship(order: Order, tracking_number: str = "ZT123456789") -> Order:
    return order_actions.ship_order(order=order, actor=None, carrier="中通", tracking_number=tracking_number)


def assert_tracked(shipment: Shipment, tracking_number: str = "ZT123456789") -> None:
    """Handed over when the order shipped, with the carrier's route data, its label showing
    the number it ships under, and the hand-over logged once."""
    shipment = fresh(shipment)
    assert (shipment.carrier.code, shipment.tracking_number, shipment.status) == ("ZTO", tracking_number, "handed_over")
    assert shipment.handed_over_at == Order.objects.get(pk=shipment.order_id).shipped_at
    assert shipment.label["tracking_number"] == tracking_number
    assert shipment.carrier_data["scenario"]
    log = ShipmentLog.objects.get(shipment=shipment)
    assert (log.type, log.data, log.at) == ("handed_over", {"tracked_from_order": True}, shipment.handed_over_at)


def test_a_known_carrier_starts_tracking_and_the_buyer_is_told(
    default_carriers: None, api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/orders/{order.number}/ship", {"carrier": "中通", "tracking_number": "ZT123456789"}
        )

    assert response.status_code == 200
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier.code, shipment.tracking_number, shipment.status) == ("ZTO", "ZT123456789", "handed_over")
    told = OutgoingMessage.objects.filter(order=order, kind="parcel_shipped").order_by("channel")
    assert [message.channel for message in told] == ["in_site", "sms"]  # the shop's default channels
    assert all("ZT123456789" in message.text for message in told)


def test_an_unknown_carrier_ships_untracked_but_the_buyer_is_still_told(
    default_carriers: None, api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/orders/{order.number}/ship", {"carrier": "小王快运", "tracking_number": "XW-1"})

    assert (response.status_code, response.json()["status"]) == (200, "shipped")
    assert Shipment.objects.filter(order=order).count() == 0
    earlier_steps = ("paid", "order_confirmation")  # told before the shipping
    told = OutgoingMessage.objects.filter(order=order).exclude(kind__in=earlier_steps).order_by("channel")
    assert list(told.values_list("kind", "channel")) == [
        ("parcel_shipped", "in_site"),
        ("parcel_shipped", "sms"),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_carrier_is_asked_after_the_shipping_commits_with_no_transaction_open(default_carriers: None) -> None:
    order = approved_order()

    with watching_the_carrier() as calls:
        ship(order)

    assert_called_with_no_transaction_open(calls, f"create {order.number}")
    assert_tracked(Shipment.objects.get(order=order))
    assert retry_carrier_tracking(timezone.now() + GRACE * 2) == 0


def test_inside_the_shipping_transaction_tracking_is_only_requested(
    default_carriers: None, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with watching_the_carrier() as calls:
        with django_capture_on_commit_callbacks(execute=False) as scheduled:
            ship(order)

        # then the parcel is to be tracked, and the carrier not asked yet
        requested = Shipment.objects.get(order=order)
        assert (requested.status, requested.label, requested.carrier_data, calls) == ("tracking_requested", {}, {}, [])
        assert requested.booking_request["reference"] == order.number

        # when the commit's callbacks run: the carrier is asked once, and the parcel tracked
        for callback in scheduled:
            callback()
    assert calls == [(f"create {order.number}", True)]  # (the test's own transaction is open here)
    assert_tracked(requested)


def test_tracking_left_requested_by_a_dead_process_is_registered_by_the_worker(
    default_carriers: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given an order shipped, whose process died after the commit, before asking the carrier
    order = approved_order()
    with django_capture_on_commit_callbacks(execute=False):
        ship(order)
    requested = Shipment.objects.get(order=order)

    # when the worker runs before the grace period, after it, and again
    with watching_the_carrier() as calls:
        assert retry_carrier_tracking(requested.booking_requested_at + GRACE - timedelta(seconds=1)) == 0
        assert retry_carrier_tracking(requested.booking_requested_at + GRACE) == 1
        assert retry_carrier_tracking(requested.booking_requested_at + GRACE * 3) == 0

    # then the carrier was asked once and the parcel is tracked
    assert [what for what, _open in calls] == [f"create {order.number}"]
    assert_tracked(requested)


def test_a_carrier_that_cannot_be_reached_leaves_the_request_for_the_worker(
    default_carriers: None, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with watching_the_carrier(unreachable=True) as calls, django_capture_on_commit_callbacks(execute=True):
        ship(order)

    requested = Shipment.objects.get(order=order)
    assert (len(calls), requested.status, Order.objects.get(pk=order.pk).status) == (1, "tracking_requested", "shipped")
    with watching_the_carrier() as calls:
        assert retry_carrier_tracking(requested.booking_requested_at + GRACE) == 1
    assert len(calls) == 1
    assert_tracked(requested)


def test_a_parcel_its_carrier_refuses_to_track_ships_untracked_and_the_buyer_is_still_told(
    default_carriers: None, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()
    refusal = Conflict("out_of_area", "中通快递 does not deliver there (超区).")

    with watching_the_carrier(refusal=refusal) as calls, django_capture_on_commit_callbacks(execute=True):
        ship(order)

    assert len(calls) == 1
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert Shipment.objects.filter(order=order).count() == 0
    earlier_steps = ("paid", "order_confirmation")  # told before the shipping
    told = OutgoingMessage.objects.filter(order=order).exclude(kind__in=earlier_steps).order_by("channel")
    assert list(told.values_list("kind", "channel")) == [
        ("parcel_shipped", "in_site"),
        ("parcel_shipped", "sms"),
    ]
    assert retry_carrier_tracking(timezone.now() + GRACE * 2) == 0


def test_the_demo_loader_tracks_at_once_inside_its_transaction(
    default_carriers: None, django_capture_on_commit_callbacks: Any
) -> None:
    # the demo builds its shop in one transaction, and asks for tracking itself
    order = approved_order()
    with watching_the_carrier() as calls, django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        shipped = ship(order)
        shipment = actions.track_shipped_order(order=shipped, actor=None)
        assert shipment.status == "handed_over"

    # the commit's own request finds the parcel tracked and asks nothing more
    assert len(calls) == 1
    assert_tracked(shipment)


def test_a_carrier_is_picked_by_code_by_its_short_name_in_any_case_and_by_its_full_name() -> None:
    from sellerdesk.logistics.models import Carrier as CarrierRow
    from sellerdesk.logistics.shipped_elsewhere import pick_carrier

    zto, sf = CarrierRow(code="zto", name="中通快递"), CarrierRow(code="SF", name="顺丰速运")
    carriers = [zto, sf]

    assert [pick_carrier(carriers, named) for named in ("zto", "ZTO", "中通", "中通快递", " SF ", "sf", "顺丰")] == [
        zto, zto, zto, zto, sf, sf, sf,
    ]  # fmt: skip
    assert (pick_carrier(carriers, "圆通"), pick_carrier(carriers, "")) == (None, None)
