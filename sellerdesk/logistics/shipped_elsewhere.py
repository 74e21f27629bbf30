"""Tracking an order shipped elsewhere: no call to the carrier inside the shipping transaction.

An order marked shipped with a carrier and tracking number outside the warehouse screens
(POST /orders/{n}/ship, a shop's own system, a dropship supplier) is tracked like a
scanned-out parcel once its carrier's adapter has given the parcel's route data (nothing
is booked). That is three short steps, as a booking is (logistics.booking):

1. `request_tracking`, in the shipping transaction: a Shipment in status
   tracking_requested, with the order's tracking number and the request for the carrier;
   the carrier is to be asked once that transaction commits.
2. `register_tracking`, after the commit, with no transaction open: the carrier is asked.
3. Its answer is recorded in a short transaction of its own: the parcel is handed over and
   tracked from then on, its route data kept. A carrier that refuses (an address it does
   not reach) leaves the order untracked, as an unknown carrier does: the request is
   removed and a warning logged. A carrier that cannot be reached leaves the request.

If the process dies between 1 and 3, or the carrier could not be reached, the worker's
`logistics.tasks.retry_carrier_tracking` asks again once the request is older than the
grace period; asking twice for a parcel's route data is harmless.

`track_shipped_order` does all three at once in the caller's transaction, for the demo
loader, which builds its whole shop in one transaction on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.logistics import states as shipment_states
from sellerdesk.logistics.booking import receiver_of, sender_of
from sellerdesk.logistics.carriers.base import CarrierUnavailable, CreatedShipment, ShipmentRequest
from sellerdesk.logistics.carriers.registry import adapter_for
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentLogType, ShipmentStatus
from sellerdesk.logistics.parcels import CarrierRetry, log_shipment
from sellerdesk.logistics.states import ShipmentAction
from sellerdesk.orders import states as order_states
from sellerdesk.orders.models import Order

logger = logging.getLogger(__name__)

# A parcel to be tracked whose route data the carrier has not given yet (the table's).
AWAITING_ROUTE = shipment_states.AWAITING_ROUTE
# Tracking requests not answered yet, asked again by the worker after a grace period.
TRACKING_RETRY = CarrierRetry(pending=Q(status__in=AWAITING_ROUTE), attempt_field="booking_requested_at")

# Short names shops write for carriers, by carrier code.
CARRIER_ALIASES = {
    "中国邮政": "EMS",
    "邮政": "EMS",
    "顺丰": "SF",
    "中通": "ZTO",
    "圆通": "YTO",
    "韵达": "YUNDA",
    "申通": "STO",
}


def pick_carrier(candidates: Iterable[Carrier], named: str) -> Carrier | None:
    """Of `candidates`, the carrier `named` names, in this order of preference: by code, by
    code in any letter case (a usual short name such as "中通" read as its code first), by
    its full name ("中通快递"). None when none fits."""
    name = named.strip()
    if not name:
        return None
    code = CARRIER_ALIASES.get(name, name)
    found = list(candidates)
    return (
        next((carrier for carrier in found if carrier.code == code), None)
        or next((carrier for carrier in found if carrier.code.casefold() == code.casefold()), None)
        or next((carrier for carrier in found if carrier.name == name), None)
    )


def carrier_named(named: str) -> Carrier | None:
    """The carrier a person or an order names: its code, a usual short name ("顺丰") or its
    full name. One query for the three ways, remembered per process for
    REFERENCE_CACHE_SECONDS (core.refcache; shipping an order asks this twice: for its
    timeline and for its tracking)."""
    name = (named or "").strip()
    if not name:
        return None
    code = CARRIER_ALIASES.get(name, name)
    return remembered(
        ("carrier_named", name),
        lambda: pick_carrier(
            Carrier.objects.filter(Q(code=code) | Q(code__iexact=code) | Q(name=name)).order_by("pk"), name
        ),
    )


def carrier_of_order(order: Order) -> Carrier | None:
    """The Carrier an order names (by code, or by name as shipped elsewhere: "中通快递")."""
    return carrier_named(order.carrier)


def request_tracking(
    *,
    order: Order,
    actor: User | None,
    handed_over_at: datetime | None = None,
    options: dict[str, Any] | None = None,
    carrier: Carrier | None = None,
    untracked: bool = False,
) -> Shipment:
    """Within the transaction that ships the order (step 1): record that its parcel is to
    be tracked (a Shipment in status tracking_requested, handed over at `handed_over_at`,
    else when the order shipped) and ask its carrier once that transaction commits. A
    request recorded already for the order's parcel is returned as it was asked. Refuses,
    writing nothing, an order not awaiting receipt or without a tracking number (409), an
    unknown carrier (422), a tracking number tracked already (409). `carrier` is the one
    `carrier_of_order` found, when the caller has looked it up already; `untracked`: the
    caller has just found no shipment of the order under its tracking number, in this
    transaction, so there is no request recorded to look for."""
    require(actor, "orders.ship")
    # Shipping an order looks its carrier up once, not twice (logistics.subscribers).
    carrier = carrier or carrier_of_order(order)
    if order.status not in order_states.AWAITING_RECEIPT or not order.tracking_number:
        raise InvalidTransition(current=order.status, action="track")
    if carrier is None:
        raise ValidationFailed({"carrier": _("unknown carrier %(code)s") % {"code": order.carrier}})
    pending = (
        None
        if untracked
        else Shipment.objects.filter(
            order=order, carrier=carrier, tracking_number=order.tracking_number, status__in=AWAITING_ROUTE
        ).first()
    )
    if pending is not None:
        return pending
    at = handed_over_at or order.shipped_at or timezone.now()
    is_cod = order.payment_method == "cod"
    request = ShipmentRequest(
        reference=order.number,
        sender=sender_of(order),
        receiver=receiver_of(order),
        cod_amount=order.balance_due if is_cod else Decimal("0.00"),
        options=dict(options or {}),
    )
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=order,
                carrier=carrier,
                tracking_number=order.tracking_number,
                status=ShipmentStatus.TRACKING_REQUESTED,
                cod_amount=request.cod_amount,
                created_at=at,
                created_by=actor,
                handed_over_at=at,
                last_event_at=at,
                booking_request=request.as_json(),
                booking_requested_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(
            "duplicate_tracking_number",
            _("Tracking number %(number)s is tracked already.") % {"number": order.tracking_number},
            details={"tracking_number": order.tracking_number},
        ) from None
    shipment_id = shipment.pk
    transaction.on_commit(lambda: register_tracking(shipment_id=shipment_id), robust=True)
    return shipment


def register_tracking(*, shipment_id: int) -> bool:
    """Ask the carrier for the route data of a parcel to be tracked, with no transaction
    open (step 2), and record its answer (step 3): the parcel handed over and tracked, or,
    when the carrier refuses, the request removed (the order ships untracked) and a
    warning logged. Whether the carrier answered; False when there was nothing to ask or it
    could not be reached (the worker asks again later)."""
    # The carrier with it; not the order (the request carries what the carrier is told).
    shipment = Shipment.objects.select_related("carrier").filter(pk=shipment_id).first()
    if shipment is None or shipment.status not in AWAITING_ROUTE:
        return False
    try:
        created = adapter_for(shipment.carrier).create_shipment(ShipmentRequest.from_json(shipment.booking_request))
    except CarrierUnavailable as error:
        logger.info("carrier %s unavailable to track shipment %s: %s", shipment.carrier.code, shipment_id, error)
        return False
    except DomainError as refused:
        _forget_request(shipment_id, refused)
        return True
    except Exception as error:
        logger.warning("carrier %s did not answer tracking shipment %s: %r", shipment.carrier.code, shipment_id, error)
        return False
    _record_route(shipment_id, created)
    return True


def _record_route(shipment_id: int, created: CreatedShipment) -> Shipment:
    with transaction.atomic():
        locked = Shipment.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=shipment_id)
        if locked.status not in AWAITING_ROUTE:
            return locked  # recorded by the other path already
        locked.status = shipment_states.next_status(locked.status, ShipmentAction.TRACK)
        # The label shows the number the parcel ships under, not one the carrier would book.
        locked.label = {**created.label.as_json(), "tracking_number": locked.tracking_number}
        locked.carrier_data = created.carrier_data
        locked.save(update_fields=["status", "label", "carrier_data"])
        at = locked.handed_over_at or locked.created_at
        log_shipment(locked, ShipmentLogType.HANDED_OVER, actor=locked.created_by, at=at, tracked_from_order=True)
    return locked


def _forget_request(shipment_id: int, refused: DomainError) -> None:
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().select_related("order").filter(pk=shipment_id).first()
        if locked is None or locked.status not in AWAITING_ROUTE:
            return
        locked.delete()
    logger.warning("order %s shipped but not tracked: %s", locked.order.number, refused.message)


def track_shipped_order(
    *, order: Order, actor: User | None, handed_over_at: datetime | None = None, options: dict[str, Any] | None = None
) -> Shipment:
    """Start tracking an order shipped elsewhere at once, in the caller's transaction: the
    three steps together, taking up the request recorded when the order shipped if there
    is one. The carrier is called wherever this is called, so it is for the demo loader
    only; shipping an order requests tracking on its own (logistics.subscribers). Refuses
    as `request_tracking` does; a refusal by the carrier is raised and nothing is kept."""
    shipment = request_tracking(order=order, actor=actor, handed_over_at=handed_over_at, options=options)
    carrier = Carrier.objects.get(pk=shipment.carrier_id)
    try:
        created = adapter_for(carrier).create_shipment(ShipmentRequest.from_json(shipment.booking_request))
    except DomainError as refused:
        _forget_request(shipment.pk, refused)
        raise
    return Shipment.objects.select_related("carrier", "order").get(pk=_record_route(shipment.pk, created).pk)
