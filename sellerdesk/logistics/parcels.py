"""A shipment as its carrier's adapter sees it, the shipment's log, and the worker's claim
on a carrier call left unanswered: shared by the booking, stopping and tracking steps
(each of which may need the other's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from sellerdesk.core.models import User
from sellerdesk.logistics.carriers.base import ParcelRef
from sellerdesk.logistics.models import Shipment, ShipmentLog


def parcel_ref(shipment: Shipment) -> ParcelRef:
    """A shipment as its carrier's adapter sees it again."""
    return ParcelRef(
        tracking_number=shipment.tracking_number,
        created_at=shipment.created_at,
        handed_over_at=shipment.handed_over_at,
        carrier_data=shipment.carrier_data,
    )


def log_shipment(shipment: Shipment, log_type: str, *, actor: User | None, at: datetime, **data: Any) -> None:
    """Write one entry of the shipment's audit trail."""
    ShipmentLog.objects.create(shipment=shipment, type=log_type, actor=actor, at=at, data=data)


@dataclass(frozen=True)
class CarrierRetry:
    """The shipments waiting on one kind of carrier call (a booking, a stop, a tracking
    request) that a dead process or an unreachable carrier left unanswered: `pending`
    selects them, `attempt_field` holds when the last attempt began (the row lock and
    this timestamp are what keep two workers from making the same call at once)."""

    pending: Q
    attempt_field: str

    def _stale(self, *, now: datetime, grace: timedelta) -> Q:
        return self.pending & Q(**{f"{self.attempt_field}__lte": now - grace})

    def stale_ids(self, *, now: datetime, grace: timedelta, limit: int) -> list[int]:
        """The ids of the shipments still waiting `grace` after their last attempt began, oldest first."""
        return list(
            Shipment.objects.filter(self._stale(now=now, grace=grace))
            .order_by(self.attempt_field, "pk")
            .values_list("pk", flat=True)[:limit]
        )

    def claim(self, *, shipment_id: int, now: datetime, grace: timedelta) -> bool:
        """Claim one stale shipment for a retry: under a row lock (skipping a row another
        worker holds), re-checked, its attempt restarted at `now` so that no other worker
        takes it for another grace period. False if it is taken, answered, or not stale any more."""
        with transaction.atomic():
            found = (
                Shipment.objects.select_for_update(skip_locked=True)
                .filter(self._stale(now=now, grace=grace), pk=shipment_id)
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                return False
            Shipment.objects.filter(pk=found).update(**{self.attempt_field: now})
        return True
