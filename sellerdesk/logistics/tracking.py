"""Tracking events from carriers — by signed webhook or by polling — stored on the
shipment, shown on the order's timeline, and acted on: a delivered parcel delivers the
order; a troubled one opens an exception on the desk (see exceptions.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import fastinsert, hooks
from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.periodic import periodic
from sellerdesk.logistics import states
from sellerdesk.logistics.actions import parcel_ref
from sellerdesk.logistics.carriers.base import BadSignature, CarrierTrackingEvent
from sellerdesk.logistics.carriers.registry import adapter_for
from sellerdesk.logistics.events import build_tracking_event
from sellerdesk.logistics.hooks import ParcelDelivered, ParcelInTransit
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentDirection, ShipmentStatus, TrackingEvent
from sellerdesk.logistics.refused import follow_return
from sellerdesk.orders import states as order_states
from sellerdesk.orders.actions import deliver_order
from sellerdesk.orders.states import OrderAction

S = ShipmentStatus
# Shipments whose parcel is with the carrier and may still produce events (the table's).
TRACKED = states.TRACKED
# Events for these are kept but move nothing: the parcel never left.
STOPPED = states.NEVER_LEFT


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    recorded: int
    duplicates: int


def record_events(
    *, shipment: Shipment, events: list[CarrierTrackingEvent], source: str, now: datetime | None = None
) -> Recorded:
    """Store the carrier's events on the shipment once each (by the carrier's event id),
    then update the shipment, the order and the exception desk. Inside the caller's
    transaction if there is one."""
    from sellerdesk.logistics.exceptions import open_for_event

    now = now or timezone.now()
    with transaction.atomic():
        # The shipment and its order are locked; the order's shop (the buyer's message
        # reads it) and the carrier are read with them, not locked: locking the carrier's
        # row made every parcel of that carrier wait for each other's tracking update.
        shipment = (
            Shipment.objects.select_for_update(of=("self", "order"))
            .select_related("order__shop", "carrier")
            .get(pk=shipment.pk)
        )
        ids = [event.event_id for event in events]
        known = set(
            TrackingEvent.objects.filter(carrier=shipment.carrier, carrier_event_id__in=ids).values_list(
                "carrier_event_id", flat=True
            )
        )
        fresh: list[TrackingEvent] = []
        for event in sorted(events, key=lambda e: (e.at, e.event_id)):
            if event.event_id in known:
                continue
            known.add(event.event_id)
            fresh.append(
                TrackingEvent(
                    shipment=shipment,
                    carrier=shipment.carrier,
                    carrier_event_id=event.event_id,
                    kind=event.kind,
                    at=event.at,
                    location=event.location[:100],
                    description=event.description[:300],
                    source=source,
                    received_at=now,
                )
            )
        # The new scans in one prepared INSERT, and their lines on the order's timeline in
        # another (a poll brings a parcel's scans several at a time).
        fastinsert.insert(fresh)
        fastinsert.insert(
            [
                build_tracking_event(
                    shipment.order,
                    shipment_id=shipment.pk,
                    tracking_number=shipment.tracking_number,
                    kind=row.kind,
                    location=row.location,
                    description=row.description,
                    at=row.at,
                )
                for row in fresh
            ]
        )
        if fresh:
            _update_shipment(shipment, now=now)
            for row in fresh:
                open_for_event(row, now=now)
        return Recorded(recorded=len(fresh), duplicates=len(events) - len(fresh))


def _update_shipment(shipment: Shipment, *, now: datetime) -> None:
    latest = TrackingEvent.objects.filter(shipment=shipment).order_by("-at", "-pk").first()
    if latest is None:
        return
    fields = ["last_event_at"]
    shipment.last_event_at = max(latest.at, shipment.last_event_at or latest.at)
    before = shipment.status
    if shipment.status not in STOPPED:
        new_status = states.status_after_scan(shipment.status, latest.kind)
        if new_status is not None and new_status != shipment.status:
            shipment.status = new_status
            fields.append("status")
        if new_status == S.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = latest.at
            fields.append("delivered_at")
        if shipment.handed_over_at is None:
            first = TrackingEvent.objects.filter(shipment=shipment).order_by("at", "pk").first()
            shipment.handed_over_at = first.at if first else latest.at
            fields.append("handed_over_at")
    shipment.save(update_fields=fields)
    # Only the parcels going to the buyer move the order and are told to the buyer: a
    # return parcel's delivery is the warehouse's receipt of an after-sales return.
    if shipment.direction != ShipmentDirection.OUTBOUND:
        return
    if shipment.status != before:
        _tell_status(shipment, latest)
    if shipment.status == S.DELIVERED:
        _deliver_order_if_all_delivered(shipment)
    # Refused at the door or coming back: the order ends as refused and, once back, restocked.
    follow_return(shipment, latest)


def _tell_status(shipment: Shipment, latest: TrackingEvent) -> None:
    """The layers above hear of a parcel to the buyer on its way or delivered (hooks)."""
    carrier_name = shipment.carrier.name
    if shipment.status == S.IN_TRANSIT:
        hooks.emit(
            ParcelInTransit(
                order=shipment.order,
                shipment_id=shipment.pk,
                tracking_number=shipment.tracking_number,
                carrier_name=carrier_name,
                location=latest.location,
                at=latest.at,
            )
        )
    elif shipment.status == S.DELIVERED:
        hooks.emit(
            ParcelDelivered(
                order=shipment.order,
                shipment_id=shipment.pk,
                tracking_number=shipment.tracking_number,
                carrier_name=carrier_name,
                at=shipment.delivered_at or latest.at,
            )
        )


def _deliver_order_if_all_delivered(shipment: Shipment) -> None:
    order = shipment.order
    parcels = Shipment.objects.filter(order=order, direction=ShipmentDirection.OUTBOUND).exclude(status__in=STOPPED)
    if not order_states.allows(order.status, OrderAction.DELIVER) or parcels.exclude(status=S.DELIVERED).exists():
        return
    deliver_order(order=order, actor=None, at=shipment.delivered_at)


# --- webhook ------------------------------------------------------------------------------


class UnknownTrackingNumber(NotFound):
    code = "unknown_tracking_number"


def receive_webhook(*, carrier_code: str, body: bytes, headers: dict[str, str]) -> Recorded:
    """A carrier's signed push of tracking events (headers lower-cased). A bad signature
    (401), a malformed body (422) or a tracking number we never booked (404) changes
    nothing; events seen before are skipped, so a replay is harmless."""
    carrier = None if "\x00" in carrier_code else Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        raise NotFound(_("No carrier %(code)s.") % {"code": carrier_code}, details={"code": carrier_code})
    adapter = adapter_for(carrier)
    if not adapter.verify_signature(body, headers):
        raise BadSignature(_("The tracking notification's signature does not match."))
    events = adapter.parse_webhook(body)
    numbers = sorted({event.tracking_number for event in events})
    shipments = {s.tracking_number: s for s in Shipment.objects.filter(carrier=carrier, tracking_number__in=numbers)}
    unknown = [number for number in numbers if number not in shipments]
    if unknown:
        raise UnknownTrackingNumber(
            _("%(carrier)s has no shipment booked with tracking number %(numbers)s.")
            % {"carrier": carrier.name, "numbers": ", ".join(unknown)},
            details={"tracking_numbers": unknown},
        )
    recorded = duplicates = 0
    with transaction.atomic():
        for number in numbers:
            result = record_events(
                shipment=shipments[number],
                events=[event for event in events if event.tracking_number == number],
                source="webhook",
            )
            recorded += result.recorded
            duplicates += result.duplicates
    return Recorded(recorded, duplicates)


# --- polling -------------------------------------------------------------------------------


def poll_shipment(*, shipment: Shipment, now: datetime) -> Recorded:
    events = adapter_for(shipment.carrier).fetch_events(parcel_ref(shipment), now=now)
    return record_events(shipment=shipment, events=events, source="poll", now=now)


# Parcels are read once the order work of the sweep is done.
@periodic("poll_tracking", every=timedelta(minutes=30), after=("allocate_approved_orders",))
def poll_tracking(now: datetime) -> int:
    """Ask the carriers about every parcel still on its way; returns how many new events."""
    size = settings.SELLERDESK["SWEEP_BATCH_SIZE"]
    candidates = list(
        Shipment.objects.filter(status__in=TRACKED, handed_over_at__lte=now).order_by("pk").values_list("pk", flat=True)
    )
    found = 0
    for start in range(0, len(candidates), size):
        for shipment in Shipment.objects.filter(pk__in=candidates[start : start + size]).select_related("carrier"):
            try:
                found += poll_shipment(shipment=shipment, now=now).recorded
            except DomainError as error:
                # One carrier's error (unreachable, or refusing a mistyped number for good)
                # must not stop the sweep for every parcel after it: it is asked again next run.
                logger.warning("tracking of shipment %s failed: %s", shipment.pk, error.message)
    return found
