"""Carrier bookings on PostgreSQL: a process killed between the carrier's booking and the
answer being recorded leaves no parcel booked twice or lost (nor, when the order was
cancelled meanwhile, a parcel booked and not voided), and two workers retrying at once ask
the carrier once per booking."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.logistics import actions, booking
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentLog, SimulatedBooking
from sellerdesk.logistics.tasks import retry_carrier_bookings, retry_carrier_stops
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent
from tests.logistics.helpers import approved_order, carriers
from tests.pg.test_concurrency import run_together, url_of_the_test_database

REPO = Path(__file__).resolve().parents[2]
GRACE = timedelta(seconds=120)  # CARRIER_BOOKING_RETRY_AFTER_SECONDS' default
WAIT_SECONDS = 60.0

# Books a parcel of the order given as argv[1] with ZTO, as a web request would.
BOOK = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
django.setup()
from sellerdesk.logistics import actions
from sellerdesk.logistics.models import Carrier
from sellerdesk.orders.models import Order
actions.create_shipment(
    order=Order.objects.get(pk=int(sys.argv[1])),
    carrier=Carrier.objects.get(code="ZTO"),
    parcel=actions.Parcel(weight_grams=800),
    actor=None,
)
"""


@pytest.fixture
def zto(shop: Any) -> Carrier:
    from sellerdesk.inventory.models import Warehouse

    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    carriers()
    return Carrier.objects.get(code="ZTO")


def kill_a_booking_process_once_the_carrier_booked(order: Order) -> None:
    """Books a parcel of `order` in a process of its own, as a web request would, whose
    carrier answers only after a long pause (the simulated carrier's test hook), and kills
    that process once the carrier has booked, before the answer is recorded."""
    environment = {
        **os.environ,
        "DATABASE_URL": url_of_the_test_database(),
        "SIMULATED_CARRIER_PAUSE_AFTER_BOOKING": "300",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", BOOK, str(order.pk)],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not SimulatedBooking.objects.exists():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the carrier was never asked"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_after_the_carrier_booked_leaves_one_parcel(zto: Carrier) -> None:
    # given an approved order, and a process booking its parcel whose carrier answers
    # only after a long pause (the simulated carrier's test hook)
    order = approved_order()

    # when the process is killed once the carrier has booked, before the answer is recorded
    kill_a_booking_process_once_the_carrier_booked(order)

    # then the booking is left requested, with nothing recorded of the carrier's answer
    requested = Shipment.objects.get(order=order)
    assert (requested.status, requested.tracking_number, requested.label) == ("booking_requested", "", {})
    carrier_booked = SimulatedBooking.objects.get()
    assert (carrier_booked.idempotency_key, carrier_booked.requests) == (requested.idempotency_key, 1)

    # when the worker runs before the grace period is over: it leaves the booking alone
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE - timedelta(seconds=1)) == 0
    # when it runs after it, twice
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE) == 1
    assert retry_carrier_bookings(requested.booking_requested_at + GRACE * 3) == 0

    # then the carrier saw the same key twice and booked once; the parcel has its one number
    shipment = Shipment.objects.get(order=order)
    assert (shipment.status, shipment.tracking_number) == ("created", carrier_booked.tracking_number)
    assert shipment.label["tracking_number"] == carrier_booked.tracking_number
    carrier_booked.refresh_from_db()
    assert (SimulatedBooking.objects.count(), carrier_booked.requests) == (1, 2)
    assert ShipmentLog.objects.filter(shipment=shipment, type="created").count() == 1
    booked_events = OrderEvent.objects.filter(order=order, type="shipment")
    assert [event.data["tracking_number"] for event in booked_events] == [carrier_booked.tracking_number]


@pytest.mark.django_db(transaction=True)
def test_two_workers_retrying_at_once_ask_the_carrier_once_per_booking(zto: Carrier, settings: Any) -> None:
    # given 12 bookings left requested by dead processes, and a carrier slow to answer
    requested = [
        booking.request_booking(order=approved_order(), carrier=zto, parcel=actions.Parcel(), actor=None)
        for _index in range(12)
    ]
    settings.SELLERDESK = {**settings.SELLERDESK, "SIMULATED_CARRIER": {"pause_after_booking_seconds": 0.05}}
    now = max(shipment.booking_requested_at for shipment in requested) + GRACE

    # when two workers run the retry job at the same moment
    outcomes = run_together(threads=2, rounds=1, work=lambda _index: retry_carrier_bookings(now))

    # then between them they asked for each booking once, and each parcel was booked once
    assert outcomes.errors == []
    assert sum(outcomes.results) == 12
    assert set(Shipment.objects.values_list("status", flat=True)) == {"created"}
    assert SimulatedBooking.objects.count() == 12
    assert SimulatedBooking.objects.aggregate(asked=Sum("requests"))["asked"] == 12
    assert Shipment.objects.values("tracking_number").distinct().count() == 12
    assert OrderEvent.objects.filter(type="shipment").count() == 12


@pytest.mark.django_db(transaction=True)
def test_a_parcel_booked_for_an_order_cancelled_before_the_answer_is_voided_once(zto: Carrier) -> None:
    # given a process booking a parcel, killed once the carrier has booked it
    order = approved_order()
    kill_a_booking_process_once_the_carrier_booked(order)
    # and the order cancelled before anyone recorded the carrier's answer
    order_actions.cancel_order(order=order, actor=None, reason="买家取消")
    requested = Shipment.objects.get(order=order)
    assert (requested.status, requested.tracking_number) == ("booking_withdrawn", "")

    # when two workers retry the booking at once after the grace period, and again later
    later = requested.booking_requested_at + GRACE
    outcomes = run_together(threads=2, rounds=1, work=lambda _index: retry_carrier_bookings(later))
    assert (outcomes.errors, sum(outcomes.results)) == ([], 1)
    assert retry_carrier_bookings(later + GRACE * 2) == 0
    assert retry_carrier_stops(later + GRACE * 2) == 0

    # then the carrier booked once, the parcel is voided with no label, and nothing prints
    carrier_booked = SimulatedBooking.objects.get()
    shipment = Shipment.objects.get(order=order)
    assert (shipment.status, shipment.tracking_number, shipment.label) == (
        "cancelled",
        carrier_booked.tracking_number,
        {},
    )
    assert (shipment.carrier_stop_requested_at, shipment.carrier_stopped_at is not None) == (None, True)
    assert carrier_booked.requests == 2
    actions_on_the_timeline = [
        event.data["action"] for event in OrderEvent.objects.filter(order=order, type="shipment")
    ]
    assert sorted(actions_on_the_timeline) == ["cancelled", "created"]
