"""Intercepting a parcel (截单): stopped here in the transaction, the carrier told after
the commit with no transaction open; a carrier not told because the process died is told
by the worker; a refusal is recorded and not asked again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from sellerdesk.core.errors import Conflict
from sellerdesk.logistics import actions
from sellerdesk.logistics.carriers.base import ParcelRef
from sellerdesk.logistics.carriers.registry import register_adapter
from sellerdesk.logistics.carriers.simulated import SimulatedCarrier
from sellerdesk.logistics.models import Carrier, ShipmentLog
from sellerdesk.logistics.tasks import retry_carrier_stops
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import booked, carriers, fresh

GRACE = timedelta(seconds=120)  # CARRIER_BOOKING_RETRY_AFTER_SECONDS' default


class StopSpy(SimulatedCarrier):
    """The simulated carrier, noting each waybill it is told to void and whether a
    transaction was open; `refusal` makes it refuse."""

    name = "stop-spy"
    told: list[tuple[bool, str]] = []
    refusal: Conflict | None = None

    def cancel_shipment(self, parcel: ParcelRef) -> None:
        StopSpy.told.append((connection.in_atomic_block, parcel.tracking_number))
        if StopSpy.refusal is not None:
            raise StopSpy.refusal


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()
    register_adapter("stop-spy", StopSpy)
    Carrier.objects.filter(code="ZTO").update(adapter="stop-spy")
    StopSpy.told = []
    StopSpy.refusal = None


@pytest.mark.django_db(transaction=True)
def test_the_carrier_is_told_after_the_commit_with_no_transaction_open() -> None:
    shipment = booked()

    actions.intercept(shipment=shipment, actor=None, reason="买家取消")

    shipment = fresh(shipment)
    assert StopSpy.told == [(False, shipment.tracking_number)]
    assert (shipment.status, shipment.carrier_stop_requested_at) == ("intercepted", None)
    assert shipment.carrier_stopped_at is not None


def test_the_carrier_is_not_told_before_the_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    shipment = booked()

    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        actions.intercept(shipment=shipment, actor=None, reason="买家取消")

    # then inside the transaction the parcel is stopped and the carrier still to be told
    stopped = fresh(shipment)
    assert (stopped.status, stopped.is_intercepted, stopped.carrier_stopped_at) == ("intercepted", True, None)
    assert stopped.carrier_stop_requested_at is not None
    assert (StopSpy.told, len(scheduled)) == ([], 1)
    # when the commit's callback runs, the carrier is told once
    scheduled[0]()
    assert StopSpy.told == [(True, stopped.tracking_number)]  # (the test's own transaction is open here)
    assert fresh(shipment).carrier_stop_requested_at is None


def test_a_carrier_not_told_because_the_process_died_is_told_by_the_worker(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an intercept whose process died after the commit, before telling the carrier
    shipment = booked()
    with django_capture_on_commit_callbacks(execute=False):
        actions.intercept(shipment=shipment, actor=None, reason="买家取消")
    requested_at = fresh(shipment).carrier_stop_requested_at

    # when the worker runs before and after the grace period, and again
    assert retry_carrier_stops(requested_at + GRACE - timedelta(seconds=1)) == 0
    assert retry_carrier_stops(requested_at + GRACE) == 1
    assert retry_carrier_stops(requested_at + GRACE * 3) == 0

    # then the carrier was told once
    assert [number for _open, number in StopSpy.told] == [shipment.tracking_number]
    assert (fresh(shipment).carrier_stop_requested_at, fresh(shipment).carrier_stopped_at) == (
        None,
        requested_at + GRACE,
    )


def test_a_refusal_by_the_carrier_is_logged_and_not_asked_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    shipment = booked()
    StopSpy.refusal = Conflict("already_voided", "The waybill was voided already.")

    with django_capture_on_commit_callbacks(execute=True):
        actions.intercept(shipment=shipment, actor=None, reason="买家取消")

    stopped = fresh(shipment)
    assert (stopped.status, stopped.carrier_stop_requested_at, stopped.carrier_stopped_at) == (
        "intercepted",
        None,
        None,
    )
    refusal = ShipmentLog.objects.get(shipment=shipment, type="carrier_refused_stop")
    assert refusal.data == {"code": "already_voided", "reason": "The waybill was voided already."}
    assert retry_carrier_stops(timezone.now() + GRACE * 2) == 0
    assert len(StopSpy.told) == 1
