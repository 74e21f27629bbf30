"""/api/v1: carrier choice, shipments, tracking webhooks, the exception desk, and
extending automatic receipt confirmation. Mounted inside logistics.api's router."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent, scoped_key
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.logistics import actions, choice, exceptions, queries, tracking
from sellerdesk.logistics.models import LogisticsException, Shipment
from sellerdesk.orders.queries import get_order

router = Router(tags=["logistics"])


def local(value: datetime | None) -> datetime | None:
    """Times go out with the shop's offset (+08:00), as API.md promises."""
    return timezone.localtime(value) if value else None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- carrier choice ----------------------------------------------------------------------


class OptionOut(BaseModel):
    carrier: str
    name: str
    eligible: bool
    why_not: str
    cost: str | None
    transit_days: int


class ChoiceOut(BaseModel):
    carrier: str | None
    reason: str
    weight_grams: int
    alternatives: list[OptionOut]


def choice_out(found: choice.Choice) -> dict[str, Any]:
    return {
        "carrier": found.carrier.code if found.carrier else None,
        "reason": found.reason,
        "weight_grams": found.weight_grams,
        "alternatives": [
            {
                "carrier": o.carrier.code,
                "name": o.carrier.name,
                "eligible": o.is_eligible,
                "why_not": o.why_not,
                "cost": str(o.cost) if o.cost is not None else None,
                "transit_days": o.transit_days,
            }
            for o in found.alternatives
        ],
    }


@router.get("/orders/{number}/carrier-choice", response={200: ChoiceOut, **ERROR_RESPONSES})
def carrier_choice(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    return choice_out(choice.choose_carrier(get_order(number=number, actor=actor), actor=actor))


# --- shipments ----------------------------------------------------------------------------


class ShipmentIn(Strict):
    carrier: str | None = Field(default=None, min_length=1, max_length=20, description="default: the chosen carrier")
    weight_grams: int | None = Field(default=None, ge=1, le=1_000_000)
    scenario: str | None = Field(default=None, max_length=20, description="simulated carrier only")


class TrackingEventOut(BaseModel):
    id: str
    kind: str
    at: datetime
    location: str
    description: str
    source: str


class ShipmentOut(BaseModel):
    id: int
    order: str
    carrier: str
    tracking_number: str
    status: str
    label: dict[str, Any]
    cod_amount: Money
    weight_grams: int | None
    created_at: datetime
    handed_over_at: datetime | None
    delivered_at: datetime | None
    is_intercepted: bool
    last_event_at: datetime | None
    # Why the carrier refused a booking (status booking_failed): {"code", "message"}; else null.
    booking_error: dict[str, Any] | None = None


def shipment_out(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.pk,
        "order": shipment.order.number,
        "carrier": shipment.carrier.code,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "label": shipment.label,
        "cod_amount": shipment.cod_amount,
        "weight_grams": shipment.weight_grams,
        "created_at": local(shipment.created_at),
        "handed_over_at": local(shipment.handed_over_at),
        "delivered_at": local(shipment.delivered_at),
        "is_intercepted": shipment.is_intercepted,
        "last_event_at": local(shipment.last_event_at),
        "booking_error": (
            {"code": shipment.booking_error["code"], "message": shipment.booking_error_text}
            if shipment.booking_error
            else None
        ),
    }


def _shipment(request: HttpRequest, shipment_id: int) -> Shipment:
    require(actor_of(request), "orders.view")
    found = Shipment.objects.select_related("order", "carrier").filter(pk=shipment_id).first()
    if found is None:
        raise NotFound(_("No shipment %(id)s.") % {"id": shipment_id}, details={"id": shipment_id})
    return found


@router.post("/orders/{number}/shipments", response={201: ShipmentOut, **ERROR_RESPONSES})
def create_shipment(request: HttpRequest, number: str, payload: ShipmentIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        order = get_order(number=number, actor=actor)
        if payload.carrier is None:
            carrier = choice.require_choice(order, actor=actor)
        else:
            carrier = queries.get_carrier(code=payload.carrier, actor=actor)
        options = {"scenario": payload.scenario} if payload.scenario else {}
        shipment = actions.create_shipment(
            order=order,
            carrier=carrier,
            parcel=actions.Parcel(payload.weight_grams, options),
            actor=actor,
            idempotency_key=scoped_key(request),
        )
        return 201, shipment_out(shipment)

    # The carrier is called between the booking's own commits; the key makes a retry the same booking.
    return idempotent(request, produce, in_transaction=False)


@router.get("/orders/{number}/shipments", response={200: list[ShipmentOut], **ERROR_RESPONSES})
def list_shipments(request: HttpRequest, number: str) -> Any:
    order = get_order(number=number, actor=actor_of(request))
    return [shipment_out(s) for s in order.shipments.select_related("carrier").order_by("pk")]


@router.get("/shipments/{shipment_id}", response={200: ShipmentOut, **ERROR_RESPONSES})
def get_shipment(request: HttpRequest, shipment_id: int) -> Any:
    return shipment_out(_shipment(request, shipment_id))


@router.get("/shipments/{shipment_id}/tracking", response={200: list[TrackingEventOut], **ERROR_RESPONSES})
def shipment_tracking(request: HttpRequest, shipment_id: int) -> Any:
    shipment = _shipment(request, shipment_id)
    return [
        {
            "id": e.carrier_event_id,
            "kind": e.kind,
            "at": local(e.at),
            "location": e.location,
            "description": e.description,
            "source": e.source,
        }
        for e in shipment.tracking_events.order_by("at", "pk")
    ]


class ShipmentReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


@router.post("/shipments/{shipment_id}/cancel", response={200: ShipmentOut, **ERROR_RESPONSES})
def cancel_shipment(request: HttpRequest, shipment_id: int, payload: ShipmentReasonIn) -> Any:
    shipment = actions.cancel_shipment(
        shipment=_shipment(request, shipment_id), actor=actor_of(request), reason=payload.reason
    )
    return shipment_out(shipment)


@router.post("/shipments/{shipment_id}/intercept", response={200: ShipmentOut, **ERROR_RESPONSES})
def intercept_shipment(request: HttpRequest, shipment_id: int, payload: ShipmentReasonIn) -> Any:
    shipment = actions.intercept(
        shipment=_shipment(request, shipment_id), actor=actor_of(request), reason=payload.reason
    )
    return shipment_out(shipment)


# --- tracking webhook ----------------------------------------------------------------------


class CarrierWebhookOut(BaseModel):
    recorded: int
    duplicates: int


@router.post("/carriers/{code}/tracking", auth=None, response={200: CarrierWebhookOut, **ERROR_RESPONSES})
def tracking_webhook(request: HttpRequest, code: str) -> Any:
    """Carriers push tracking events here, signed with HMAC-SHA256 over the raw body
    (X-Signature). Replays are answered 200 with the events counted as duplicates."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    result = tracking.receive_webhook(carrier_code=code, body=request.body, headers=headers)
    return {"recorded": result.recorded, "duplicates": result.duplicates}


# --- automatic receipt confirmation ------------------------------------------------------------


class ExtendIn(Strict):
    days: int = Field(ge=1, le=actions.MAX_EXTENSION_DAYS)
    reason: str = Field(min_length=1, max_length=200)


class ExtendOut(BaseModel):
    number: str
    auto_confirm_at: datetime | None


@router.post("/orders/{number}/extend-auto-confirm", response={200: ExtendOut, **ERROR_RESPONSES})
def extend_auto_confirm(request: HttpRequest, number: str, payload: ExtendIn) -> Any:
    actor = actor_of(request)
    order = actions.extend_auto_confirm(
        order=get_order(number=number, actor=actor), days=payload.days, reason=payload.reason, actor=actor
    )
    return {"number": order.number, "auto_confirm_at": local(order.auto_confirm_at)}


# --- exception desk -------------------------------------------------------------------------


class ExceptionOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    order: str
    carrier: str
    tracking_number: str
    detail: str
    suggestion: str
    detected_at: datetime
    assignee: str | None
    contacted_at: datetime | None
    outcome: str
    outcome_note: str
    extra_fee: Money | None
    closed_at: datetime | None


def exception_out(found: LogisticsException) -> dict[str, Any]:
    return {
        "id": found.pk,
        "kind": found.kind,
        "kind_label": str(found.get_kind_display()),
        "order": found.order.number,
        "carrier": found.shipment.carrier.code,
        "tracking_number": found.shipment.tracking_number,
        "detail": found.detail_text,  # in the request's language
        "suggestion": found.suggestion_text,
        "detected_at": local(found.detected_at),
        "assignee": found.assignee.username if found.assignee else None,
        "contacted_at": local(found.contacted_at),
        "outcome": found.outcome,
        "outcome_note": found.outcome_note,
        "extra_fee": found.extra_fee,
        "closed_at": local(found.closed_at),
    }


@router.get("/logistics/exceptions", response={200: list[ExceptionOut], **ERROR_RESPONSES})
def list_exceptions(
    request: HttpRequest,
    kind: str = "",
    assignee: str = "",
    state: Literal["open", "closed", "all"] = "open",
) -> Any:
    found = exceptions.list_exceptions(actor=actor_of(request), kind=kind, assignee=assignee, state=state)
    return [exception_out(e) for e in found]


class ExceptionAssignIn(Strict):
    ids: list[int] = Field(min_length=1, max_length=500)
    assignee: str = Field(min_length=1, max_length=150)


@router.post("/logistics/exceptions/assign", response={200: list[ExceptionOut], **ERROR_RESPONSES})
def assign(request: HttpRequest, payload: ExceptionAssignIn) -> Any:
    actor = actor_of(request)
    assignee = User.objects.filter(username=payload.assignee).first() if "\x00" not in payload.assignee else None
    if assignee is None:
        raise ValidationFailed({"assignee": _("no user %(name)s") % {"name": payload.assignee}})
    ids = sorted(set(payload.ids))
    found = {e.pk: e for e in exceptions.visible_exceptions(actor).filter(pk__in=ids)}
    missing = {f"ids[{payload.ids.index(pk)}]": _("no exception %(id)s") % {"id": pk} for pk in ids if pk not in found}
    if missing:
        raise ValidationFailed(missing)
    done = exceptions.assign_exceptions(exceptions=list(found.values()), assignee=assignee, actor=actor)
    return [exception_out(exceptions.get_exception(pk=e.pk, actor=actor)) for e in done]


class ContactIn(Strict):
    text: str = Field(default="", max_length=1000)


@router.post("/logistics/exceptions/{exception_id}/contact", response={200: ExceptionOut, **ERROR_RESPONSES})
def contact(request: HttpRequest, exception_id: int, payload: ContactIn) -> Any:
    actor = actor_of(request)
    found = exceptions.get_exception(pk=exception_id, actor=actor)
    exceptions.contact_buyer(exception=found, actor=actor, text=payload.text)
    return exception_out(exceptions.get_exception(pk=exception_id, actor=actor))


class ExceptionResolveIn(Strict):
    outcome: Literal["reship", "forward", "refund", "wait"]
    note: str = Field(default="", max_length=500)
    extra_fee: Money | None = None


@router.post("/logistics/exceptions/{exception_id}/resolve", response={200: ExceptionOut, **ERROR_RESPONSES})
def resolve(request: HttpRequest, exception_id: int, payload: ExceptionResolveIn) -> Any:
    actor = actor_of(request)
    found = exceptions.get_exception(pk=exception_id, actor=actor)
    exceptions.resolve_exception(
        exception=found, outcome=payload.outcome, note=payload.note, extra_fee=payload.extra_fee, actor=actor
    )
    return exception_out(exceptions.get_exception(pk=exception_id, actor=actor))
