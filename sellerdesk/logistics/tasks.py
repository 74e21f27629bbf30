"""Periodic logistics work: polling carriers for tracking, the exception desk's sweep, and
finishing what a dead process left undone with a carrier: bookings unanswered, parcels
not voided, orders shipped elsewhere not registered for tracking."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings

from sellerdesk.core.errors import DomainError
from sellerdesk.core.periodic import periodic
from sellerdesk.logistics import booking, shipped_elsewhere, stopping
from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.models import Shipment
from sellerdesk.logistics.parcels import CarrierRetry
from sellerdesk.logistics.tracking import poll_tracking

__all__ = [
    "detect_logistics_exceptions",
    "poll_tracking",
    "retry_carrier_bookings",
    "retry_carrier_stops",
    "retry_carrier_tracking",
]

logger = logging.getLogger(__name__)


def _retry_stale(retry: CarrierRetry, *, now: datetime, ask: Callable[[int], bool]) -> int:
    """Claim each shipment `retry` selects that is still waiting
    CARRIER_BOOKING_RETRY_AFTER_SECONDS after its last attempt began, and `ask` the
    carrier again for it. Returns for how many `ask` answered True."""
    grace = timedelta(seconds=settings.SELLERDESK["CARRIER_BOOKING_RETRY_AFTER_SECONDS"])
    done = 0
    for shipment_id in retry.stale_ids(now=now, grace=grace, limit=settings.SELLERDESK["SWEEP_BATCH_SIZE"]):
        if retry.claim(shipment_id=shipment_id, now=now, grace=grace):
            done += ask(shipment_id)
    return done


@periodic("retry_carrier_bookings", every=timedelta(minutes=1))
def retry_carrier_bookings(now: datetime) -> int:
    """Ask the carrier again for each booking still requested CARRIER_BOOKING_RETRY_AFTER_SECONDS
    after its attempt began (its process died between the intent and the answer), with the
    same idempotency key: the carrier answers with the parcel it booked, or books it now.
    Each booking is claimed under a row lock first, so several workers never ask twice at
    once. Returns how many bookings were asked again."""

    def ask(shipment_id: int) -> bool:
        try:
            # book_requested reads the booking afresh from its id.
            booking.book_requested(shipment=Shipment(pk=shipment_id), actor=None, at=now)
        except DomainError as error:
            # A refusal is recorded on the shipment; an unreachable carrier is asked next time.
            logger.info("booking of shipment %s: %s (%s)", shipment_id, error.code, error.message)
        return True

    return _retry_stale(booking.BOOKING_RETRY, now=now, ask=ask)


@periodic("retry_carrier_stops", every=timedelta(minutes=1))
def retry_carrier_stops(now: datetime) -> int:
    """Tell the carrier about each intercepted parcel it has not confirmed or refused
    CARRIER_BOOKING_RETRY_AFTER_SECONDS after the last attempt began (the process died, or
    the carrier could not be reached). Each is claimed under a row lock first. Returns how
    many the carrier answered."""
    return _retry_stale(
        stopping.STOP_RETRY,
        now=now,
        ask=lambda shipment_id: stopping.tell_carrier_to_stop(shipment_id=shipment_id, at=now),
    )


@periodic("retry_carrier_tracking", every=timedelta(minutes=1))
def retry_carrier_tracking(now: datetime) -> int:
    """Ask the carrier for the route data of each order shipped elsewhere whose tracking
    is still requested CARRIER_BOOKING_RETRY_AFTER_SECONDS after the last attempt began
    (the process died after the shipping committed, or the carrier could not be reached).
    Each is claimed under a row lock first. Returns how many the carrier answered."""
    return _retry_stale(
        shipped_elsewhere.TRACKING_RETRY,
        now=now,
        ask=lambda shipment_id: shipped_elsewhere.register_tracking(shipment_id=shipment_id),
    )
