"""Booking a parcel: intent, commit, call the carrier outside any transaction, record the
answer; a booking left unanswered is finished by the worker with the same idempotency key.
(The killed process and the concurrent workers are in tests/pg/test_booking_recovery.py.)"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.fulfilment.api import order_label_shipment
from sellerdesk.logistics import actions, booking
from sellerdesk.logistics.carriers.base import CarrierUnavailable, CreatedShipment, ParcelRef, ShipmentRequest
from sellerdesk.logistics.carriers.registry import register_adapter
from sellerdesk.logistics.carriers.simulated import SimulatedCarrier
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentLog, SimulatedBooking
from sellerdesk.logistics.tasks import retry_carrier_bookings, retry_carrier_stops
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import OrderEvent
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, approved_order, carriers, fresh

GRACE = timedelta(seconds=120)  # CARRIER_BOOKING_RETRY_AFTER_SECONDS' default


class SpyCarrier(SimulatedCarrier):
    """The simulated carrier, noting for each booking whether a transaction was open and
    which key it was sent; `unreachable` makes it fail like a network error instead."""

    name = "spy"
    calls: list[tuple[bool, str]] = []
    unreachable = False
    refuses_cancel = False
    # Something another request does while the carrier books (after it has booked).
    meanwhile: Callable[[], object] | None = None

    def create_shipment(self, request: ShipmentRequest) -> CreatedShipment:
        SpyCarrier.calls.append((connection.in_atomic_block, request.idempotency_key))
        if SpyCarrier.unreachable:
            raise ConnectionError("connection reset by the carrier")
        created = super().create_shipment(request)
        if SpyCarrier.meanwhile is not None:
            SpyCarrier.meanwhile()
        return created

    def cancel_shipment(self, parcel: ParcelRef) -> None:
        SpyCarrier.calls.append((connection.in_atomic_block, f"cancel {parcel.tracking_number}"))
        if SpyCarrier.refuses_cancel:
            raise Conflict("already_picked_up", "The courier has picked the parcel up.")


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()
    register_adapter("spy", SpyCarrier)
    Carrier.objects.filter(code="ZTO").update(adapter="spy")
    SpyCarrier.calls = []
    SpyCarrier.unreachable = False
    SpyCarrier.refuses_cancel = False
    SpyCarrier.meanwhile = None


def zto() -> Carrier:
    return Carrier.objects.get(code="ZTO")


def book(order: Any, **options: Any) -> Shipment:
    return actions.create_shipment(
        order=order, carrier=zto(), parcel=actions.Parcel(weight_grams=800, options=options), actor=None, at=T0
    )


def order_state(order: Any) -> tuple[Any, ...]:
    order.refresh_from_db()
    return (order.status, OrderEvent.objects.filter(order=order).count())


@pytest.mark.django_db(transaction=True)
def test_the_carrier_is_called_with_no_transaction_open() -> None:
    # given an approved order, outside any test transaction
    order = approved_order()

    # when a parcel is booked
    shipment = book(order)

    # then the carrier was asked once, with the shipment's key, no transaction open
    shipment = fresh(shipment)
    assert SpyCarrier.calls == [(False, shipment.idempotency_key)]
    assert shipment.idempotency_key.startswith("bk-")
    assert shipment.status == "created"
    assert shipment.tracking_number.startswith("73")
    assert SimulatedBooking.objects.get().tracking_number == shipment.tracking_number
    event = OrderEvent.objects.get(order=order, type="shipment")
    assert (event.data["action"], event.data["tracking_number"]) == ("created", shipment.tracking_number)


@pytest.mark.django_db(transaction=True)
def test_the_worker_s_retry_calls_the_carrier_with_no_transaction_open() -> None:
    # given a booking whose process died after recording the intent
    order = approved_order()
    requested = booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, at=T0)

    # when the worker retries it after the grace period
    asked = retry_carrier_bookings(requested.booking_requested_at + GRACE)

    # then the carrier was asked with no transaction open and the parcel is booked
    assert asked == 1
    assert SpyCarrier.calls == [(False, requested.idempotency_key)]
    assert fresh(requested).status == "created"


def test_a_refusal_by_the_carrier_is_recorded_with_its_reason_and_the_order_is_left_as_it_was() -> None:
    order = approved_order()
    before = order_state(order)

    with pytest.raises(ValidationFailed) as refused:
        book(order, scenario="teleport")

    assert refused.value.fields == {"options.scenario": "unknown scenario teleport"}
    shipment = Shipment.objects.get(order=order)
    assert (shipment.status, shipment.tracking_number) == ("booking_failed", "")
    assert shipment.booking_error == {
        "code": "validation_error",
        "status": 422,
        "message": "Some fields are invalid.",
        "details": {"fields": {"options.scenario": "unknown scenario teleport"}},
    }
    assert list(ShipmentLog.objects.filter(shipment=shipment).values_list("type", "data")) == [
        ("booking_failed", {"code": "validation_error", "reason": "Some fields are invalid."})
    ]
    assert order_state(order) == before
    assert SimulatedBooking.objects.count() == 0
    # and the worker leaves a refused booking alone
    assert retry_carrier_bookings(timezone.now() + GRACE) == 0
    assert len(SpyCarrier.calls) == 1


def test_an_unreachable_carrier_leaves_the_booking_requested_for_the_worker() -> None:
    # given a carrier that does not answer
    order = approved_order()
    before = order_state(order)
    SpyCarrier.unreachable = True

    # when a parcel is booked
    with pytest.raises(CarrierUnavailable) as unavailable:
        book(order)

    # then the caller hears so (503), the booking stays requested, the order is unchanged
    assert (unavailable.value.code, unavailable.value.status) == ("carrier_unavailable", 503)
    assert unavailable.value.message == "中通快递 did not answer; the booking will be tried again shortly."
    shipment = Shipment.objects.get(order=order)
    assert (shipment.status, shipment.tracking_number, shipment.booking_error) == ("booking_requested", "", {})
    assert order_state(order) == before

    # when the carrier is back and the worker runs before the grace period: nothing yet
    SpyCarrier.unreachable = False
    assert retry_carrier_bookings(shipment.booking_requested_at + GRACE - timedelta(seconds=1)) == 0

    # when it runs after the grace period: the parcel is booked with the same key
    assert retry_carrier_bookings(shipment.booking_requested_at + GRACE) == 1
    shipment = fresh(shipment)
    assert shipment.status == "created"
    assert [key for _open, key in SpyCarrier.calls] == [shipment.idempotency_key] * 2
    assert SimulatedBooking.objects.get().tracking_number == shipment.tracking_number
    assert OrderEvent.objects.filter(order=order, type="shipment").count() == 1


def test_a_booking_the_carrier_made_before_the_process_died_is_not_booked_again() -> None:
    # given the intent recorded, the carrier booked, and the process gone before the answer was recorded
    order = approved_order()
    requested = booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, at=T0)
    first = SpyCarrier(zto()).create_shipment(ShipmentRequest.from_json(requested.booking_request))

    # when the worker retries it, twice
    later = requested.booking_requested_at + GRACE
    assert retry_carrier_bookings(later) == 1
    assert retry_carrier_bookings(later + GRACE) == 0

    # then the carrier answered with its first booking: one parcel, one tracking number
    shipment = fresh(requested)
    assert (shipment.status, shipment.tracking_number) == ("created", first.tracking_number)
    carrier_books = SimulatedBooking.objects.get()
    assert (carrier_books.idempotency_key, carrier_books.requests) == (requested.idempotency_key, 2)
    assert ShipmentLog.objects.filter(shipment=shipment, type="created").count() == 1
    assert OrderEvent.objects.filter(order=order, type="shipment").count() == 1


def test_an_idempotency_key_used_again_is_the_same_booking() -> None:
    order = approved_order()

    first = actions.create_shipment(
        order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, idempotency_key="api-1-abc"
    )
    again = actions.create_shipment(
        order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, idempotency_key="api-1-abc"
    )

    assert again == first
    assert Shipment.objects.filter(order=order).count() == 1
    assert SimulatedBooking.objects.count() == 1


def test_booking_by_api_with_an_idempotency_key_books_once(agent_api: Any) -> None:
    order = approved_order()
    headers = {"Idempotency-Key": "label-1"}

    first = agent_api.post(f"/api/v1/orders/{order.number}/shipments", {"carrier": "ZTO"}, headers=headers)
    again = agent_api.post(f"/api/v1/orders/{order.number}/shipments", {"carrier": "ZTO"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert first.json()["status"] == "created"
    assert first.json()["booking_error"] is None
    assert Shipment.objects.filter(order=order).count() == 1
    assert len(SpyCarrier.calls) == 1


def test_the_simulated_carrier_books_once_per_key() -> None:
    order = approved_order()
    request = ShipmentRequest.from_json(
        booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None).booking_request
    )
    carrier = SimulatedCarrier(zto())

    first = carrier.create_shipment(request)
    again = SimulatedCarrier(zto()).create_shipment(request)

    assert again == first
    assert list(SimulatedBooking.objects.values_list("tracking_number", "requests")) == [(first.tracking_number, 2)]


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_label_tells_the_carrier_with_no_transaction_open() -> None:
    shipment = book(approved_order())

    actions.cancel_shipment(shipment=shipment, actor=None, reason="换快递")

    assert SpyCarrier.calls[1:] == [(False, f"cancel {shipment.tracking_number}")]
    assert fresh(shipment).status == "cancelled"


def test_a_cancellation_the_carrier_refuses_changes_nothing() -> None:
    shipment = book(approved_order())
    SpyCarrier.refuses_cancel = True

    with pytest.raises(Conflict) as refused:
        actions.cancel_shipment(shipment=shipment, actor=None, reason="换快递")

    assert refused.value.code == "already_picked_up"
    assert (fresh(shipment).status, fresh(shipment).cancelled_at) == ("created", None)
    assert list(ShipmentLog.objects.filter(shipment=shipment).values_list("type", flat=True)) == ["created"]


# --- an order cancelled while its booking awaits the carrier ---------------------------


def shipment_history(shipment: Shipment) -> tuple[list[str], list[str]]:
    """The shipment's log and the order's parcel events, by kind, in the order written."""
    log = list(ShipmentLog.objects.filter(shipment=shipment).order_by("pk").values_list("type", flat=True))
    order_events = [
        event.data["action"]
        for event in OrderEvent.objects.filter(order=shipment.order, type="shipment").order_by("pk")
    ]
    return log, order_events


def assert_voided_without_a_label(shipment: Shipment) -> None:
    """The carrier's parcel is recorded, cancelled, its waybill voided, and nothing to print."""
    shipment = fresh(shipment)
    carrier_booked = SimulatedBooking.objects.get()
    assert (shipment.status, shipment.tracking_number, shipment.label) == (
        "cancelled",
        carrier_booked.tracking_number,
        {},
    )
    assert (shipment.carrier_stop_requested_at, shipment.carrier_stopped_at is not None) == (None, True)
    assert shipment_history(shipment) == (["booking_withdrawn", "created", "cancelled"], ["created", "cancelled"])
    cancelled = ShipmentLog.objects.get(shipment=shipment, type="cancelled")
    assert cancelled.data == {"reason": "买家取消"}
    # an answer is dated at its request; the label is cancelled no earlier than its order
    assert cancelled.at >= ShipmentLog.objects.get(shipment=shipment, type="booking_withdrawn").at
    with pytest.raises(NotFound):
        order_label_shipment(shipment.order)


@pytest.mark.django_db(transaction=True)
def test_an_order_cancelled_between_the_intent_and_the_answer_has_its_parcel_voided() -> None:
    # given a booking recorded, then its order cancelled before the carrier answered
    order = approved_order()
    requested = booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, at=T0)
    order_actions.cancel_order(order=order, actor=None, reason="买家取消")
    withdrawn = fresh(requested)
    assert (withdrawn.status, withdrawn.is_intercepted, SpyCarrier.calls) == ("booking_withdrawn", False, [])
    assert ShipmentLog.objects.get(shipment=requested).data == {"reason": "买家取消"}

    # when the carrier's answer comes and is recorded
    answered = booking.book_requested(shipment=requested, actor=None, at=T0)

    # then the parcel it booked is cancelled, never labelled, and the carrier told to void
    # it after the commit; the carrier was asked both times with no transaction open
    assert answered.status == "cancelled"
    assert_voided_without_a_label(requested)
    tracking_number = fresh(requested).tracking_number
    assert SpyCarrier.calls == [(False, requested.idempotency_key), (False, f"cancel {tracking_number}")]
    # and the worker has nothing left to do for it
    later = timezone.now() + GRACE * 2
    assert (retry_carrier_bookings(later), retry_carrier_stops(later)) == (0, 0)
    assert len(SpyCarrier.calls) == 2


@pytest.mark.django_db(transaction=True)
def test_an_order_cancelled_while_the_carrier_books_gets_a_voided_parcel_in_the_same_request() -> None:
    # given a carrier during whose booking the order is cancelled (another request)
    order = approved_order()
    SpyCarrier.meanwhile = lambda: order_actions.cancel_order(order=order, actor=None, reason="买家取消")

    # when the parcel is booked
    shipment = book(order)

    # then the request answers with the parcel cancelled, and its waybill is voided
    assert shipment.status == "cancelled"
    assert_voided_without_a_label(shipment)
    assert [is_open for is_open, _call in SpyCarrier.calls] == [False, False]


@pytest.mark.django_db(transaction=True)
def test_a_withdrawn_booking_left_unanswered_is_booked_and_voided_by_the_worker() -> None:
    # given a booking whose process died after the carrier booked it, and its order cancelled since
    order = approved_order()
    requested = booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, at=T0)
    first = SimulatedCarrier(zto()).create_shipment(ShipmentRequest.from_json(requested.booking_request))
    order_actions.cancel_order(order=order, actor=None, reason="买家取消")

    # when the worker runs before the grace period, after it, and again
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE - timedelta(seconds=1)) == 0
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE) == 1
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE * 3) == 0

    # then the carrier answered with the parcel it had booked, and was told to void it,
    # each time with no transaction open: one parcel, voided, no label
    assert_voided_without_a_label(requested)
    assert fresh(requested).tracking_number == first.tracking_number
    assert SimulatedBooking.objects.get().requests == 2
    assert SpyCarrier.calls == [(False, requested.idempotency_key), (False, f"cancel {first.tracking_number}")]


def test_a_withdrawn_booking_the_worker_cannot_void_at_once_is_voided_by_the_stop_retry(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a withdrawn booking answered by the worker, whose process died before telling
    # the carrier to void the parcel (the commit's callback never ran)
    order = approved_order()
    requested = booking.request_booking(order=order, carrier=zto(), parcel=actions.Parcel(), actor=None, at=T0)
    order_actions.cancel_order(order=order, actor=None, reason="买家取消")
    with django_capture_on_commit_callbacks(execute=False):
        assert retry_carrier_bookings(requested.booking_requested_at + GRACE) == 1
    stopping = fresh(requested)
    assert (stopping.status, stopping.carrier_stopped_at) == ("cancelled", None)
    assert stopping.carrier_stop_requested_at is not None

    # when the worker's stop retry runs after the grace period
    assert retry_carrier_stops(stopping.carrier_stop_requested_at + GRACE) == 1

    # then the carrier was told to void it once
    assert_voided_without_a_label(requested)
    assert [call for _open, call in SpyCarrier.calls] == [
        requested.idempotency_key,
        f"cancel {stopping.tracking_number}",
    ]


def test_a_withdrawn_booking_the_carrier_refuses_books_nothing() -> None:
    order = approved_order()
    requested = booking.request_booking(
        order=order, carrier=zto(), parcel=actions.Parcel(options={"scenario": "teleport"}), actor=None, at=T0
    )
    order_actions.cancel_order(order=order, actor=None, reason="买家取消")

    with pytest.raises(ValidationFailed):
        booking.book_requested(shipment=requested, actor=None, at=T0)

    refused = fresh(requested)
    assert (refused.status, refused.tracking_number, refused.carrier_stop_requested_at) == ("booking_failed", "", None)
    assert shipment_history(refused) == (["booking_withdrawn", "booking_failed"], [])
    assert [call for _open, call in SpyCarrier.calls] == [requested.idempotency_key]


def test_a_booking_answered_before_the_order_is_cancelled_is_intercepted_as_before() -> None:
    order = approved_order()
    shipment = book(order)

    order_actions.cancel_order(order=order, actor=None, reason="买家取消")

    assert (fresh(shipment).status, fresh(shipment).is_intercepted) == ("intercepted", True)
    assert shipment_history(shipment) == (["created", "intercepted"], ["created", "intercepted"])


class ReusingCarrier(SimulatedCarrier):
    """A carrier answering with a tracking number given before (`taken`)."""

    name = "reusing"
    taken = ""

    def create_shipment(self, request: ShipmentRequest) -> CreatedShipment:
        return dataclasses.replace(super().create_shipment(request), tracking_number=ReusingCarrier.taken)


def test_a_tracking_number_in_use_already_is_a_refusal_read_in_the_readers_language(agent_api: Any) -> None:
    # given a parcel booked, and the carrier answering the next booking with its number
    ReusingCarrier.taken = fresh(book(approved_order())).tracking_number
    register_adapter("reusing", ReusingCarrier)
    Carrier.objects.filter(code="ZTO").update(adapter="reusing")

    # when the next booking is answered, by an English-speaking writer
    with translation.override("en"), pytest.raises(Conflict) as refused:
        book(approved_order())

    # then the refusal is kept as a code, not as the writer's sentence
    assert refused.value.code == "duplicate_tracking_number"
    shipment = Shipment.objects.get(status="booking_failed")
    worded = {
        "code": "booking_duplicate_tracking_number",
        "carrier_name": "中通快递",
        "tracking_number": ReusingCarrier.taken,
    }
    assert (shipment.booking_error["message"], shipment.booking_error["message_data"]) == ("", worded)
    log = ShipmentLog.objects.get(shipment=shipment)
    assert log.data == {"code": "duplicate_tracking_number", "reason": worded}
    # and a zh-Hans and an en reader each read it in their language (the shipment API too)
    for language, sentence in (
        ("zh-hans", f"中通快递 返回的运单号 {ReusingCarrier.taken} 已被使用。"),
        ("en", f"中通快递 answered with tracking number {ReusingCarrier.taken}, which is in use already."),
    ):
        with translation.override(language):
            assert (shipment.booking_error_text, log.reason_text) == (sentence, sentence)
        answer = agent_api.client.get(f"/api/v1/shipments/{shipment.pk}", HTTP_ACCEPT_LANGUAGE=language).json()
        assert answer["booking_error"] == {"code": "duplicate_tracking_number", "message": sentence}
