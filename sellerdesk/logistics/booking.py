"""Booking a parcel with a carrier: no call to the carrier inside a transaction.

A booking is three steps, each short:

1. `request_booking` records the intent in one transaction: a Shipment in status
   `booking_requested` with an idempotency key and the whole request to the carrier.
2. `book_requested` calls the carrier with no transaction open, sending the key.
3. It records the answer in a second transaction: `created` with the tracking number and
   label, or `booking_failed` with the carrier's reason. A carrier that could not be
   reached leaves the booking requested.

`create_shipment` does all three in the caller's request, so the caller still gets the
tracking number or the refusal at once. If the process dies between 1 and 3, the worker
(`logistics.tasks.retry_carrier_bookings`) finds the booking still requested after a
grace period, claims it and asks the carrier again with the same key: the carrier answers
with the parcel it booked the first time, so no parcel is booked twice or lost.

An order closed while its booking waits for the answer withdraws the booking
(`withdraw_booking`, in the transaction that closes it). The answer is still asked for and
recorded, in the request or by the worker: a refusal booked nothing, and a parcel the
carrier booked is cancelled at once, never labelled, and the carrier told to void its
waybill after that commit (logistics.stopping). The worker asks again for a withdrawn
booking never answered rather than forget it, because the dead process may have reached
the carrier: the same key answers with that parcel, which is then voided.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics import events, stopping
from sellerdesk.logistics import states as shipment_states
from sellerdesk.logistics.carriers.base import (
    CarrierUnavailable,
    CreatedShipment,
    OutOfArea,
    Party,
    ShipmentRequest,
)
from sellerdesk.logistics.carriers.registry import adapter_for
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentLog, ShipmentLogType, ShipmentStatus
from sellerdesk.logistics.parcels import CarrierRetry, log_shipment
from sellerdesk.logistics.queries import can_reach
from sellerdesk.logistics.states import ShipmentAction
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import BOOKABLE_STATUSES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parcel:
    """One parcel of an order as it is booked: its weight, and adapter options (the
    simulated carrier reads `scenario`)."""

    weight_grams: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


# Order statuses in which a parcel may be booked: reviewed and not yet complete (the order table's).
BOOKABLE = BOOKABLE_STATUSES
# A booking asked of the carrier and not answered yet: its answer may still book or refuse it.
AWAITING_ANSWER = shipment_states.statuses_allowing(ShipmentAction.BOOK)
# A booking the carrier refused (the reason is kept in booking_error).
REFUSED = shipment_states.TABLE.target_of(ShipmentAction.FAIL_BOOKING)
# A booking whose order was closed before the carrier answered: what it books is voided.
WITHDRAWN = shipment_states.TABLE.target_of(ShipmentAction.WITHDRAW_BOOKING)
# Bookings still awaiting the carrier's answer, asked again by the worker after a grace period.
BOOKING_RETRY = CarrierRetry(pending=Q(status__in=AWAITING_ANSWER), attempt_field="booking_requested_at")


class BookingFailed(DomainError):
    """A booking the carrier refused earlier, raised again to a caller who asks about it:
    the carrier's code, status and message as recorded on the shipment."""

    def __init__(self, error: dict[str, Any]) -> None:
        # A refusal the system worded is read in the asker's language.
        message = messages.stored_text(str(error.get("message", "")), error.get("message_data"))
        super().__init__(message, details=error.get("details") or {})
        self.code = str(error.get("code", "booking_failed"))
        self.status = int(error.get("status", 409))


def sender_of(order: Order) -> Party:
    """The sender printed on the order's labels: its warehouse, else the default one
    (remembered per process for REFERENCE_CACHE_SECONDS, core.refcache: every parcel asks)."""
    warehouse_id = order.warehouse_id
    warehouse = (
        remembered(("warehouse", warehouse_id), lambda: Warehouse.objects.filter(pk=warehouse_id).first())
        if warehouse_id
        else remembered(("warehouse", None), lambda: Warehouse.objects.filter(is_default=True).first())
    )
    if warehouse is None:
        return Party(order.shop.name, "", "", "", "", "")
    return Party(
        warehouse.contact_name or order.shop.name,
        warehouse.phone,
        warehouse.province,
        warehouse.city,
        warehouse.district,
        warehouse.address_detail,
    )


def receiver_of(order: Order) -> Party:
    return Party(order.buyer_name, order.buyer_phone, order.province, order.city, order.district, order.address_detail)


def new_idempotency_key() -> str:
    return f"bk-{uuid.uuid4().hex}"


def _check_parcel(carrier: Carrier, parcel: Parcel) -> None:
    if parcel.weight_grams is not None and not 1 <= parcel.weight_grams <= 1_000_000:
        raise ValidationFailed({"weight_grams": _("between 1 and 1000000")})
    if carrier.max_weight_grams is not None and (parcel.weight_grams or 0) > carrier.max_weight_grams:
        raise ValidationFailed(
            {
                "weight_grams": _("%(carrier)s carries at most %(max)s g")
                % {"carrier": carrier.name, "max": carrier.max_weight_grams}
            }
        )
    if not carrier.is_active:
        raise ValidationFailed({"carrier": _("%(carrier)s is not in use") % {"carrier": carrier.name}})


def _check_order(order: Order, carrier: Carrier) -> None:
    """Refuse what is known before asking the carrier, so that nothing is written for it."""
    if order.status not in BOOKABLE:
        raise InvalidTransition(current=order.status, action="create_shipment")
    if order.payment_method == "cod" and not carrier.supports_cod:
        raise ValidationFailed(
            {"carrier": _("%(carrier)s does not collect cash on delivery") % {"carrier": carrier.name}}
        )
    # The shop's coverage table is its record of where the carrier delivers (the carrier
    # choice reads it too): an address outside it is refused before any booking is recorded.
    if not can_reach(carrier, order.province, order.city, order.district):
        raise OutOfArea(
            _("%(carrier)s does not deliver to %(area)s (超区).")
            % {"carrier": carrier.name, "area": f"{order.province}{order.city}{order.district}"},
            details={"carrier": carrier.code},
        )


def request_booking(
    *,
    order: Order,
    carrier: Carrier,
    parcel: Parcel,
    actor: User | None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Shipment:
    """Record the intent to book a parcel of the order (step 1): a Shipment in status
    booking_requested, carrying a new idempotency key (or `idempotency_key`: a booking
    asked for with a key used before is that booking, whatever its status now). Refuses,
    writing nothing, an order not reviewed or complete (409), a carrier that does not
    collect cash for a COD order (422) or does not deliver there (409 out_of_area)."""
    require(actor, "orders.ship")
    at = at or timezone.now()
    _check_parcel(carrier, parcel)
    if idempotency_key:
        known = Shipment.objects.filter(idempotency_key=idempotency_key).first()
        if known is not None:
            return _same_booking(known, order=order)
    key = idempotency_key or new_idempotency_key()
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().select_related("shop").get(pk=order.pk)
            _check_order(order, carrier)
            is_cod = order.payment_method == "cod"
            # The simulated carrier numbers the parcels of one order from this.
            attempt = Shipment.objects.filter(order=order, carrier=carrier).count()
            request = ShipmentRequest(
                reference=order.number,
                sender=sender_of(order),
                receiver=receiver_of(order),
                weight_grams=parcel.weight_grams,
                cod_amount=order.balance_due if is_cod else Decimal("0.00"),
                options={**parcel.options, "attempt": attempt},
                idempotency_key=key,
            )
            shipment = Shipment.objects.create(
                order=order,
                carrier=carrier,
                tracking_number="",
                status=ShipmentStatus.BOOKING_REQUESTED,
                cod_amount=request.cod_amount,
                weight_grams=parcel.weight_grams,
                created_at=at,
                created_by=actor,
                idempotency_key=key,
                booking_request=request.as_json(),
                booking_requested_at=timezone.now(),
            )
    except IntegrityError:
        # The same key recorded at the same moment by a twin request: that is the booking.
        known = Shipment.objects.filter(idempotency_key=key).first()
        if known is None:
            raise
        return _same_booking(known, order=order)
    return shipment


def _same_booking(shipment: Shipment, *, order: Order) -> Shipment:
    if shipment.order_id != order.pk:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
            details={"idempotency_key": shipment.idempotency_key},
        )
    return shipment


def book_requested(*, shipment: Shipment, actor: User | None, at: datetime | None = None) -> Shipment:
    """Ask the carrier for a requested booking, with its idempotency key and no transaction
    open (step 2), and record the answer (step 3): the booked shipment, or the carrier's
    refusal recorded on the shipment (booking_failed) and raised. A carrier that cannot be
    reached leaves the booking requested for the worker and raises CarrierUnavailable
    (503). A booking already answered is returned (or its refusal raised) as it stands.
    A booking withdrawn with its order is answered the same way, except that a parcel the
    carrier booked comes back cancelled, without a label, its waybill voided after the commit."""
    shipment = Shipment.objects.select_related("carrier", "order").get(pk=shipment.pk)
    if shipment.status == REFUSED:
        raise BookingFailed(shipment.booking_error)
    if shipment.status not in AWAITING_ANSWER:
        return shipment
    at = at or shipment.created_at
    request = ShipmentRequest.from_json(shipment.booking_request)
    try:
        created = adapter_for(shipment.carrier).create_shipment(request)
    except DomainError as refused:
        if isinstance(refused, CarrierUnavailable):
            raise
        _record_failure(shipment, refused, actor=actor, at=at)
        raise
    except Exception as error:
        # Whether the carrier booked is unknown: the key makes asking again safe.
        logger.warning("carrier %s did not answer booking %s: %r", shipment.carrier.code, shipment.pk, error)
        raise CarrierUnavailable(
            _("%(carrier)s did not answer; the booking will be tried again shortly.")
            % {"carrier": shipment.carrier.name},
            details={"shipment_id": shipment.pk},
        ) from error
    return _record_booked(shipment, created, actor=actor, at=at)


def _record_booked(shipment: Shipment, created: CreatedShipment, *, actor: User | None, at: datetime) -> Shipment:
    try:
        with transaction.atomic():
            locked = Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)
            if locked.status == REFUSED:
                raise BookingFailed(locked.booking_error)
            if locked.status not in AWAITING_ANSWER:
                return locked  # answered by the other path already; the same key gave the same parcel
            is_withdrawn = locked.status == WITHDRAWN
            locked.status = shipment_states.next_status(locked.status, ShipmentAction.BOOK)
            locked.tracking_number = created.tracking_number
            # A withdrawn booking's parcel is voided: there is no label to print for it.
            locked.label = {} if is_withdrawn else created.label.as_json()
            locked.carrier_data = created.carrier_data
            locked.save(update_fields=["status", "tracking_number", "label", "carrier_data"])
            log_shipment(locked, ShipmentLogType.CREATED, actor=actor, at=at, tracking_number=locked.tracking_number)
            events.label_booked_event(
                locked.order,
                shipment_id=locked.pk,
                carrier_code=locked.carrier.code,
                carrier_name=locked.carrier.name,
                tracking_number=locked.tracking_number,
                actor=actor,
                at=at,
            )
            if is_withdrawn:
                _void_withdrawn(locked, actor=actor, at=at)
    except IntegrityError:
        duplicate = Conflict(
            "duplicate_tracking_number",
            _("%(carrier)s answered with tracking number %(number)s, which is in use already.")
            % {"carrier": shipment.carrier.name, "number": created.tracking_number},
            details={"tracking_number": created.tracking_number},
        )
        worded = messages.message(
            events.DUPLICATE_TRACKING_NUMBER,
            carrier_name=shipment.carrier.name,
            tracking_number=created.tracking_number,
        )
        _record_failure(shipment, duplicate, actor=actor, at=at, message=worded)
        raise duplicate from None
    return locked


def _void_withdrawn(shipment: Shipment, *, actor: User | None, at: datetime) -> None:
    """The carrier booked a parcel for a booking withdrawn with its order (already moved to
    cancelled): record the cancellation, with the reason the order was closed, and have the
    carrier told to void the waybill once this transaction commits (retried by the worker)."""
    withdrawal = (
        ShipmentLog.objects.filter(shipment=shipment, type=ShipmentLogType.BOOKING_WITHDRAWN)
        .order_by("-at", "-pk")
        .first()
    )
    # Typed, or the code and parameters of the system's reason (read in the reader's language).
    reason = withdrawal.data.get("reason", "") if withdrawal is not None else ""
    # An answer is dated at its request; the label is cancelled no earlier than its order.
    at = max(at, shipment.cancelled_at or at)
    log_shipment(shipment, ShipmentLogType.CANCELLED, actor=actor, at=at, reason=reason)
    events.label_cancelled_event(
        shipment.order,
        shipment_id=shipment.pk,
        tracking_number=shipment.tracking_number,
        reason=reason,
        actor=actor,
        at=at,
    )
    stopping.request_carrier_stop(shipment)


def withdraw_booking(*, shipment: Shipment, actor: User | None, reason: messages.Text, at: datetime) -> Shipment:
    """Within the transaction that closes the shipment's order: withdraw its booking if it
    still awaits the carrier's answer (booking_withdrawn, logged with `reason`), so that the
    answer, when it comes, books no label and a parcel booked is voided. Nothing is asked of
    the carrier here. Returns the shipment as it now stands, locked: withdrawn, or as the
    answer recorded meanwhile left it (booked, refused) for the caller to deal with."""
    require(actor, "orders.ship")
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)
        if not shipment_states.TABLE.allows(locked.status, ShipmentAction.WITHDRAW_BOOKING):
            return locked
        locked.status = shipment_states.next_status(locked.status, ShipmentAction.WITHDRAW_BOOKING)
        locked.cancelled_at = at
        locked.save(update_fields=["status", "cancelled_at"])
        log_shipment(locked, ShipmentLogType.BOOKING_WITHDRAWN, actor=actor, at=at, reason=messages.cleaned(reason))
    return locked


def _record_failure(
    shipment: Shipment, error: DomainError, *, actor: User | None, at: datetime, message: messages.Text | None = None
) -> None:
    """Record the refusal on the shipment and in its log. `message` is the code and
    parameters of a refusal the system worded (kept so, read in the reader's language);
    by default the error's message, a carrier's words, is kept as it came."""
    typed, coded = messages.typed_or_coded(error.message if message is None else message)
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if not shipment_states.TABLE.allows(locked.status, ShipmentAction.FAIL_BOOKING):
            return
        locked.status = shipment_states.next_status(locked.status, ShipmentAction.FAIL_BOOKING)
        locked.booking_error = {
            "code": error.code,
            "status": error.status,
            "message": typed,
            **({"message_data": coded} if coded else {}),
            "details": error.details,
        }
        locked.save(update_fields=["status", "booking_error"])
        log_shipment(locked, ShipmentLogType.BOOKING_FAILED, actor=actor, at=at, code=error.code, reason=coded or typed)


def create_shipment(
    *,
    order: Order,
    carrier: Carrier,
    parcel: Parcel,
    actor: User | None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Shipment:
    """Book a parcel of the order with the carrier: the carrier answers with the tracking
    number and label data, kept on a new Shipment. Refuses an order not reviewed or already
    complete (409), a carrier that does not collect cash for a COD order (422) or does not
    deliver there (409 out_of_area); nothing is written then. A refusal from the carrier
    itself is raised and recorded on the shipment (booking_failed, with the reason); the
    order is left as it was. Must be called outside a transaction of its own: the carrier
    is called between two commits (see the module's docstring)."""
    shipment = request_booking(
        order=order, carrier=carrier, parcel=parcel, actor=actor, at=at, idempotency_key=idempotency_key
    )
    return book_requested(shipment=shipment, actor=actor, at=at)
