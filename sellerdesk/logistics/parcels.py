"""A shipment as its carrier's adapter sees it, and the shipment's log: shared by the
booking, stopping and tracking steps (each of which may need the other's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
