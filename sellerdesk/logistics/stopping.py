"""Telling the carrier that an intercepted parcel is stopped, outside any transaction.

Intercepting (截单) is decided here: the parcel is still in the warehouse, and once the
transaction that intercepts it commits it can no longer be handed over. The carrier is
then told to void its waybill, after the commit (`transaction.on_commit`), and its answer
is recorded in a short transaction of its own. If the process dies before the carrier
has answered, the worker's `retry_carrier_stops` tells it later; voiding a waybill twice
is harmless. A carrier that refuses is recorded on the parcel's log and not asked again.
A parcel the carrier booked for a booking withdrawn with its order (logistics.booking) is
voided the same way.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sellerdesk.core.errors import DomainError
from sellerdesk.logistics.carriers.base import CarrierUnavailable
from sellerdesk.logistics.carriers.registry import adapter_for
from sellerdesk.logistics.models import Shipment, ShipmentLogType
from sellerdesk.logistics.parcels import CarrierRetry, log_shipment, parcel_ref

logger = logging.getLogger(__name__)

# Parcels whose carrier is still to be told, told again by the worker after a grace period.
STOP_RETRY = CarrierRetry(pending=Q(carrier_stop_requested_at__isnull=False), attempt_field="carrier_stop_requested_at")


def request_carrier_stop(shipment: Shipment) -> None:
    """Within the transaction that stops `shipment`: note that the carrier is to be told,
    and tell it once that transaction has committed."""
    shipment.carrier_stop_requested_at = timezone.now()
    shipment.save(update_fields=["carrier_stop_requested_at"])
    shipment_id = shipment.pk
    transaction.on_commit(lambda: tell_carrier_to_stop(shipment_id=shipment_id), robust=True)


def tell_carrier_to_stop(*, shipment_id: int, at: datetime | None = None) -> bool:
    """Ask the carrier to void the parcel's waybill, with no transaction open, and record
    its answer. Whether the carrier answered (confirmed or refused); False when there was
    nothing to tell or it could not be reached (the worker asks again later)."""
    shipment = Shipment.objects.select_related("carrier").get(pk=shipment_id)
    if shipment.carrier_stop_requested_at is None:
        return False
    at = at or timezone.now()
    try:
        adapter_for(shipment.carrier).cancel_shipment(parcel_ref(shipment))
    except CarrierUnavailable:
        return False
    except DomainError as refused:
        _record(shipment_id, at=at, refused=refused)
        return True
    except Exception as error:
        logger.warning("carrier %s did not answer stopping shipment %s: %r", shipment.carrier.code, shipment_id, error)
        return False
    _record(shipment_id, at=at, refused=None)
    return True


def _record(shipment_id: int, *, at: datetime, refused: DomainError | None) -> None:
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment_id)
        if locked.carrier_stop_requested_at is None:
            return  # answered by the other path already
        locked.carrier_stop_requested_at = None
        if refused is None:
            locked.carrier_stopped_at = at
            locked.save(update_fields=["carrier_stop_requested_at", "carrier_stopped_at"])
            return
        locked.save(update_fields=["carrier_stop_requested_at"])
        log_shipment(
            locked, ShipmentLogType.CARRIER_REFUSED_STOP, actor=None, at=at, code=refused.code, reason=refused.message
        )
