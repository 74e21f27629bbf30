"""Tracking updates of different parcels of one carrier do not wait for each other on
PostgreSQL: record_events locks the shipment and its order, not the carrier's row (it
used to lock that too, so every parcel of a carrier queued behind the one being written)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction

from sellerdesk.logistics.carriers.base import CarrierTrackingEvent
from sellerdesk.logistics.models import Shipment, TrackingEvent
from sellerdesk.logistics.tracking import record_events
from tests.logistics.helpers import T0, carriers, shipped

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 30


def scan(shipment: Shipment, event_id: str) -> CarrierTrackingEvent:
    return CarrierTrackingEvent(
        event_id=event_id,
        tracking_number=shipment.tracking_number,
        kind="in_transit",
        at=T0 + timedelta(hours=3),
        location="杭州转运中心",
    )


def test_two_parcels_of_one_carrier_are_tracked_at_the_same_time(shop: Any) -> None:
    from sellerdesk.inventory.models import Warehouse

    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    carriers()
    first, second = shipped(carrier="ZTO"), shipped(carrier="ZTO")
    holding, release = threading.Event(), threading.Event()
    failures: list[str] = []

    def write_the_first_and_hold() -> None:
        try:
            with transaction.atomic():
                record_events(shipment=first, events=[scan(first, "E-first")], source="webhook")
                holding.set()
                release.wait(WAIT_SECONDS)
        except Exception as error:  # reported, not lost in the thread
            failures.append(f"{type(error).__name__}: {error}")
            holding.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=write_the_first_and_hold)
    thread.start()
    try:
        assert holding.wait(WAIT_SECONDS)
        # while the first parcel's update is open, the second's goes through at once
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            record_events(shipment=second, events=[scan(second, "E-second")], source="webhook")
    finally:
        release.set()
        thread.join(WAIT_SECONDS)

    assert not failures
    assert sorted(TrackingEvent.objects.values_list("carrier_event_id", flat=True)) == ["E-first", "E-second"]
