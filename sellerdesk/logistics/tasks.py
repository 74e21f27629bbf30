"""Periodic logistics work: polling carriers for tracking, the exception desk's sweep, and
finishing what a dead process left undone with a carrier: bookings unanswered, parcels
not voided, orders shipped elsewhere not registered for tracking."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings

from sellerdesk.core.errors import DomainError
from sellerdesk.core.periodic import periodic
from sellerdesk.logistics import booking, shipped_elsewhere, stopping
from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.tracking import poll_tracking

__all__ = [
    "detect_logistics_exceptions",
    "poll_tracking",
    "retry_carrier_bookings",
    "retry_carrier_stops",
    "retry_carrier_tracking",
]

logger = logging.getLogger(__name__)


@periodic("retry_carrier_bookings", every=timedelta(minutes=1))
def retry_carrier_bookings(now: datetime) -> int:
    """Ask the carrier again for each booking still requested CARRIER_BOOKING_RETRY_AFTER_SECONDS
    after its attempt began (its process died between the intent and the answer), with the
    same idempotency key: the carrier answers with the parcel it booked, or books it now.
    Each booking is claimed under a row lock first, so several workers never ask twice at
    once. Returns how many bookings were asked again."""
    grace = timedelta(seconds=settings.SELLERDESK["CARRIER_BOOKING_RETRY_AFTER_SECONDS"])
    asked = 0
    for shipment_id in booking.stale_bookings(now=now, grace=grace, limit=settings.SELLERDESK["SWEEP_BATCH_SIZE"]):
        claimed = booking.claim_stale_booking(shipment_id=shipment_id, now=now, grace=grace)
        if claimed is None:
            continue
        asked += 1
        try:
            booking.book_requested(shipment=claimed, actor=None, at=now)
        except DomainError as error:
            # A refusal is recorded on the shipment; an unreachable carrier is asked next time.
            logger.info("booking of shipment %s: %s (%s)", shipment_id, error.code, error.message)
    return asked


@periodic("retry_carrier_stops", every=timedelta(minutes=1))
def retry_carrier_stops(now: datetime) -> int:
    """Tell the carrier about each intercepted parcel it has not confirmed or refused
    CARRIER_BOOKING_RETRY_AFTER_SECONDS after the last attempt began (the process died, or
    the carrier could not be reached). Each is claimed under a row lock first. Returns how
    many the carrier answered."""
    grace = timedelta(seconds=settings.SELLERDESK["CARRIER_BOOKING_RETRY_AFTER_SECONDS"])
    answered = 0
    for shipment_id in stopping.stale_stops(now=now, grace=grace, limit=settings.SELLERDESK["SWEEP_BATCH_SIZE"]):
        if stopping.claim_stale_stop(shipment_id=shipment_id, now=now, grace=grace):
            answered += stopping.tell_carrier_to_stop(shipment_id=shipment_id, at=now)
    return answered


@periodic("retry_carrier_tracking", every=timedelta(minutes=1))
def retry_carrier_tracking(now: datetime) -> int:
    """Ask the carrier for the route data of each order shipped elsewhere whose tracking
    is still requested CARRIER_BOOKING_RETRY_AFTER_SECONDS after the last attempt began
    (the process died after the shipping committed, or the carrier could not be reached).
    Each is claimed under a row lock first. Returns how many the carrier answered."""
    grace = timedelta(seconds=settings.SELLERDESK["CARRIER_BOOKING_RETRY_AFTER_SECONDS"])
    answered = 0
    limit = settings.SELLERDESK["SWEEP_BATCH_SIZE"]
    for shipment_id in shipped_elsewhere.stale_tracking_requests(now=now, grace=grace, limit=limit):
        if shipped_elsewhere.claim_stale_tracking_request(shipment_id=shipment_id, now=now, grace=grace):
            answered += shipped_elsewhere.register_tracking(shipment_id=shipment_id)
    return answered
