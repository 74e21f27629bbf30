"""Parcels coming back from the buyer (after-sales returns): tracked like any parcel, but
they never move their order (logistics.tracking delivers an order by its outbound parcels
only); one that goes quiet is a "no update" problem on the exception desk like any other.

Two ways a return parcel starts, both without calling the carrier inside a transaction:

- the buyer sends it and types the carrier and tracking number: `request_return_tracking`
  records the parcel to be tracked (tracking requested) and asks the carrier for its route
  data once the caller's transaction commits (logistics.shipped_elsewhere.register_tracking,
  retried by the worker like any tracking request);
- the seller books a pickup: `request_return_pickup` records the booking's intent (with an
  idempotency key); the caller commits, then asks the carrier with
  `logistics.booking.book_requested` (retried by the worker if the process dies).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.booking import new_idempotency_key, receiver_of
from sellerdesk.logistics.carriers.base import Party, ShipmentRequest
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentDirection, ShipmentStatus
from sellerdesk.logistics.shipped_elsewhere import carrier_named, register_tracking
from sellerdesk.orders.models import Order

TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{3,63}$")


def warehouse_party(warehouse: Warehouse, fallback_name: str) -> Party:
    """The warehouse as the receiver of a return."""
    return Party(
        warehouse.contact_name or fallback_name,
        warehouse.phone,
        warehouse.province,
        warehouse.city,
        warehouse.district,
        warehouse.address_detail,
    )


def _duplicate(tracking_number: str) -> Conflict:
    return Conflict(
        "duplicate_tracking_number",
        _("Tracking number %(number)s is tracked already.") % {"number": tracking_number},
        details={"tracking_number": tracking_number},
    )


def request_return_tracking(
    *,
    order: Order,
    carrier_code: str,
    tracking_number: str,
    warehouse: Warehouse,
    reference: str,
    actor: User | None,
    at: datetime | None = None,
) -> Shipment:
    """In the caller's transaction: a return parcel of the order (direction return), sent
    by the buyer with `carrier_code` under `tracking_number`, to be tracked once the carrier
    has given its route data (asked after the commit). Refuses, writing nothing, an unknown
    carrier or a malformed number (422), a number tracked already (409)."""
    require(actor, "orders.ship")
    carrier = carrier_named(carrier_code)
    number = (tracking_number or "").strip()
    bad: dict[str, str] = {}
    if carrier is None:
        bad["carrier_code"] = _("unknown carrier %(code)s") % {"code": carrier_code}
    if not TRACKING_NUMBER.match(number):
        bad["tracking_number"] = _("4 to 64 letters, digits or dashes")
    if bad:
        raise ValidationFailed(bad)
    assert carrier is not None
    at = at or timezone.now()
    request = ShipmentRequest(
        reference=reference,
        sender=receiver_of(order),
        receiver=warehouse_party(warehouse, order.shop.name),
        options={"direction": "return"},
    )
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=order,
                direction=ShipmentDirection.RETURN,
                carrier=carrier,
                tracking_number=number,
                status=ShipmentStatus.TRACKING_REQUESTED,
                created_at=at,
                created_by=actor,
                handed_over_at=at,
                # Counted from here, a parcel that never gets a scan goes quiet on the desk too.
                last_event_at=at,
                booking_request=request.as_json(),
                booking_requested_at=timezone.now(),
            )
    except IntegrityError:
        raise _duplicate(number) from None
    shipment_id = shipment.pk
    transaction.on_commit(lambda: register_tracking(shipment_id=shipment_id), robust=True)
    return shipment


def request_return_pickup(
    *,
    order: Order,
    carrier: Carrier,
    warehouse: Warehouse,
    reference: str,
    actor: User | None,
    at: datetime | None = None,
) -> Shipment:
    """In the caller's transaction: the intent to book a pickup of the buyer's return with
    `carrier` (booking requested, with an idempotency key). The caller commits, then asks
    the carrier with `logistics.booking.book_requested`."""
    require(actor, "orders.ship")
    if not carrier.is_active:
        raise ValidationFailed({"carrier": _("%(carrier)s is not in use") % {"carrier": carrier.name}})
    at = at or timezone.now()
    key = new_idempotency_key()
    request = ShipmentRequest(
        reference=reference,
        sender=receiver_of(order),
        receiver=warehouse_party(warehouse, order.shop.name),
        options={"direction": "return"},
        idempotency_key=key,
    )
    return Shipment.objects.create(
        order=order,
        direction=ShipmentDirection.RETURN,
        carrier=carrier,
        tracking_number="",
        status=ShipmentStatus.BOOKING_REQUESTED,
        created_at=at,
        created_by=actor,
        idempotency_key=key,
        booking_request=request.as_json(),
        booking_requested_at=timezone.now(),
    )


__all__ = ["request_return_pickup", "request_return_tracking"]
