"""Printing a label books the parcel between two transactions: a refusal by the carrier
leaves the order picking; a booking left behind by a crash, or finished by the worker,
is taken up by the next print instead of a second parcel being booked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.fulfilment import packing, shipping
from sellerdesk.fulfilment.api import order_label_shipment
from sellerdesk.logistics import actions as logistics
from sellerdesk.logistics.carriers.simulated import SimulatedCarrier
from sellerdesk.logistics.models import Carrier, Shipment, SimulatedBooking
from sellerdesk.logistics.tasks import retry_carrier_bookings
from sellerdesk.orders.models import OrderEvent
from tests.fulfilment.conftest import picked, sku, state
from tests.logistics.helpers import assert_called_with_no_transaction_open, watching_the_carrier


@pytest.fixture
def order(main, carriers, warehouse_user):
    sku("TEE-RED-M", stock_in={"A-01": 10}, barcode="6900000000011", weight=200)
    found = picked(("TEE-RED-M", 1), actor=warehouse_user)
    packing.scan_item(order=found, code="TEE-RED-M", actor=warehouse_user)
    return found


def test_a_refusal_by_the_carrier_leaves_the_order_picking_with_the_reason_on_its_parcel(order, warehouse_user):
    before = state(order)

    with pytest.raises(ValidationFailed) as refused:
        shipping.print_label(order=order, actor=warehouse_user, scenario="teleport")

    assert refused.value.fields == {"options.scenario": "unknown scenario teleport"}
    after = state(order)
    assert after["shipments"] == [("booking_failed", None)]
    assert {**after, "shipments": before["shipments"]} == before
    failed = Shipment.objects.get(order=order)
    assert (failed.booking_error["code"], failed.tracking_number) == ("validation_error", "")
    # a refused booking has no label to print
    with pytest.raises(NotFound):
        order_label_shipment(order)
    # printing again books a new parcel and packs the order
    shipment = shipping.print_label(order=order, actor=warehouse_user)
    order.refresh_from_db()
    assert (order.status, shipment.status) == ("packed", "created")


def test_a_print_cut_short_after_the_intent_is_taken_up_by_the_next_print(order, warehouse_user):
    # given a print whose process died after recording the booking (carrier not asked)
    carrier = Carrier.objects.get(code="YUNDA")  # the shop's choice for the order
    requested = logistics.request_booking(order=order, carrier=carrier, parcel=logistics.Parcel(), actor=warehouse_user)

    # when the packer prints again
    shipment = shipping.print_label(order=order, actor=warehouse_user)

    # then that booking is the label: one parcel, booked once, and the order packed
    order.refresh_from_db()
    assert shipment.pk == requested.pk
    assert (order.status, shipment.status) == ("packed", "created")
    assert Shipment.objects.filter(order=order).count() == 1
    assert list(SimulatedBooking.objects.values_list("idempotency_key", "requests")) == [(requested.idempotency_key, 1)]
    assert OrderEvent.objects.get(order=order, type="packed").data["tracking_number"] == shipment.tracking_number


def test_a_booking_finished_by_the_worker_is_the_label_of_the_next_print(order, warehouse_user):
    # given a print cut short, then finished by the worker
    carrier = Carrier.objects.get(code="YUNDA")
    requested = logistics.request_booking(order=order, carrier=carrier, parcel=logistics.Parcel(), actor=warehouse_user)
    assert retry_carrier_bookings(requested.booking_requested_at + timedelta(minutes=5)) == 1
    order.refresh_from_db()
    assert order.status == "picking"

    # when the packer prints
    shipment = shipping.print_label(order=order, actor=warehouse_user)

    # then the worker's parcel is packed, not a second one booked
    order.refresh_from_db()
    assert (shipment.pk, order.status) == (requested.pk, "packed")
    assert SimulatedBooking.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_carrier_is_asked_with_no_transaction_open(order, warehouse_user, monkeypatch):
    seen: list[bool] = []
    book = SimulatedCarrier.create_shipment

    def spy(self, request):
        seen.append(connection.in_atomic_block)
        return book(self, request)

    monkeypatch.setattr(SimulatedCarrier, "create_shipment", spy)

    shipment = shipping.print_label(order=order, actor=warehouse_user)

    order.refresh_from_db()
    assert (seen, order.status, shipment.status) == ([False], "packed", "created")


@pytest.mark.django_db(transaction=True)
def test_an_order_cancelled_while_its_print_awaits_the_carrier_gets_no_label_and_its_parcel_voided(
    order, warehouse_user, agent
):
    # given a print cut short after the booking was recorded, then the order cancelled
    carrier = Carrier.objects.get(code="YUNDA")
    requested = logistics.request_booking(order=order, carrier=carrier, parcel=logistics.Parcel(), actor=warehouse_user)
    shipping.cancel_and_intercept(order=order, actor=agent, reason="买家取消")
    assert Shipment.objects.get(pk=requested.pk).status == "booking_withdrawn"

    # when the worker finishes the booking
    with watching_the_carrier() as calls:
        assert retry_carrier_bookings(requested.booking_requested_at + timedelta(minutes=5)) == 1

    # then the carrier's parcel is voided at once, with no transaction open, and no label is printed
    voided = Shipment.objects.get(pk=requested.pk)
    assert_called_with_no_transaction_open(calls, f"create {order.number}", f"cancel {voided.tracking_number}")
    assert (voided.status, voided.label, voided.carrier_stopped_at is not None) == ("cancelled", {}, True)
    order.refresh_from_db()
    assert order.status == "closed"
    with pytest.raises(NotFound):
        order_label_shipment(order)
