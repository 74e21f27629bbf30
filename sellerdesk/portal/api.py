"""The buyer API under /api/v1/portal/: a code, a session (a buyer token), then the
buyer's own orders and after-sales cases.

Authentication is the portal's own (`BuyerTokenAuth`, a bearer token from POST
/portal/sessions, scoped to one customer): a staff token is refused here (401), and a
buyer token is refused by the staff endpoints (their TokenAuth knows only staff tokens).
Every order and case is looked up as the token's customer's (portal.buyer): anyone
else's is 404. Handlers are thin: parse, call portal.buyer / portal.cases, serialise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile
from ninja.security import HttpBearer
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.evidence import open_evidence
from sellerdesk.aftersales.models import Case
from sellerdesk.core.api import ERROR_RESPONSES, ErrorOut, error_response
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.portal import auth, buyer, cases
from sellerdesk.portal.models import BuyerIdempotencyRecord
from sellerdesk.ratings.models import Rating


class BuyerTokenAuth(HttpBearer):
    """Bearer buyer tokens (portal.models.BuyerToken), never staff tokens."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Customer | None:
        customer = auth.customer_of_token(token)
        if customer is not None:
            request.buyer = customer  # type: ignore[attr-defined]
        return customer


router = Router(tags=["buyer portal"], auth=[BuyerTokenAuth()])

RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 429: ErrorOut}


def buyer_of(request: HttpRequest) -> Customer:
    return cast(Customer, request.auth)  # type: ignore[attr-defined]


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def idempotent(request: HttpRequest, produce: Callable[[], tuple[int, Any]]) -> Status[Any]:
    """Run `produce` once per Idempotency-Key of this buyer (API.md, Conventions): the same
    key and body answer the first answer again, a different body is 409."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return Status(*produce())
    if len(key) > 255:
        raise ValidationFailed({"Idempotency-Key": _("at most 255 characters")})
    customer = buyer_of(request)
    digest = hashlib.sha256(f"{request.method} {request.path}\0".encode())
    # A multipart body's boundary differs per send; its parts are what the request asks.
    if request.FILES:
        digest.update(json.dumps(sorted(request.POST.lists())).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                upload.seek(0)
                digest.update(hashlib.sha256(upload.read()).digest())
                upload.seek(0)
    else:
        digest.update(request.body)
    fingerprint = digest.hexdigest()

    def replay(record: BuyerIdempotencyRecord) -> Status[Any]:
        if record.fingerprint != fingerprint:
            raise Conflict(
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request."),
                details={"idempotency_key": key},
            )
        return Status(record.status_code, record.response_body)

    found = BuyerIdempotencyRecord.objects.filter(customer=customer, key=key).first()
    if found is not None:
        return replay(found)
    try:
        with transaction.atomic():
            status, body = produce()
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            BuyerIdempotencyRecord.objects.create(
                customer=customer, key=key, fingerprint=fingerprint, status_code=status, response_body=stored
            )
    except IntegrityError:
        found = BuyerIdempotencyRecord.objects.filter(customer=customer, key=key).first()
        if found is None:
            raise
        return replay(found)
    return Status(status, stored)


# --- signing in ----------------------------------------------------------------------------


class PortalCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_number: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=32)


class PortalCodeOut(BaseModel):
    message: str
    expires_at: datetime
    # Only while no SMS is really sent (settings PORTAL_SHOW_CODES, development and demo).
    code: str | None = None


class PortalSessionIn(PortalCodeIn):
    code: str = Field(pattern=r"^\d{6}$")


class PortalSessionOut(BaseModel):
    token: str
    expires_at: datetime
    customer_name: str


def _retry_after(request: HttpRequest, error: auth.TooManyCodes | auth.SignInRefused) -> HttpResponse:
    response = error_response(request, error.status, error.code, error.message, error.details)
    if "retry_after_seconds" in error.details:
        response["Retry-After"] = str(error.details["retry_after_seconds"])
    return response


@router.post("/portal/codes", auth=None, response={202: PortalCodeOut, **RESPONSES})
def ask_code(request: HttpRequest, payload: PortalCodeIn) -> Any:
    """Send a sign-in code to the phone on the order. The answer is the same whether or
    not the order number and phone match; 429 (with Retry-After) when asked too often."""
    try:
        asked = auth.request_code(order_number=payload.order_number, phone=payload.phone)
    except auth.TooManyCodes as error:
        return _retry_after(request, error)
    return Status(
        202,
        {
            "message": _("If the order number and phone match, a code was sent to the phone."),
            "expires_at": _local(asked.expires_at),
            "code": asked.code if auth.show_codes() else None,
        },
    )


@router.post("/portal/sessions", auth=None, response={201: PortalSessionOut, **RESPONSES})
def open_session(request: HttpRequest, payload: PortalSessionIn) -> Any:
    """Trade the order number, phone and code for a buyer token (shown once; only its
    hash is kept). 401 sign_in_refused for any wrong part, the same answer for each."""
    try:
        signed_in = auth.check_code(order_number=payload.order_number, phone=payload.phone, code=payload.code)
    except auth.SignInRefused as error:
        return _retry_after(request, error)
    issued = auth.issue_buyer_token(signed_in=signed_in)
    return Status(
        201,
        {"token": issued.token, "expires_at": _local(issued.expires_at), "customer_name": signed_in.customer.name},
    )


@router.delete("/portal/sessions/current", response={204: None, **RESPONSES})
def close_session(request: HttpRequest) -> Any:
    """Sign out: the token of this request stops working at once."""
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    auth.revoke_buyer_token(raw)
    return Status(204, None)


# --- orders ----------------------------------------------------------------------------------


class PortalOrderSummaryOut(BaseModel):
    number: str
    status: str
    status_label: str
    payment_status: str
    total: Decimal
    refunded_amount: Decimal
    created_at: datetime


class PortalOrderLineOut(BaseModel):
    id: int
    position: int
    sku: str
    name: str
    attributes: dict[str, Any]
    quantity: int
    unit_price: Decimal
    shipped: int
    in_live_cases: int
    askable: int
    exchange_options: list[dict[str, Any]]


class PortalTimelineOut(BaseModel):
    at: datetime
    text: str
    place: str


class PortalRatingOut(BaseModel):
    score: str
    comment: str
    is_default: bool
    rated_at: datetime


class PortalCaseSummaryOut(BaseModel):
    number: str
    type: str
    status: str
    status_label: str
    created_at: datetime


class PortalOrderOut(PortalOrderSummaryOut):
    shipping_fee: Decimal
    paid_amount: Decimal
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    lines: list[PortalOrderLineOut]
    timeline: list[PortalTimelineOut]
    may_confirm_receipt: bool
    may_rate: bool
    rating: PortalRatingOut | None
    case_types: list[str]
    cases: list[PortalCaseSummaryOut]


def _summary(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "payment_status": order.payment_status,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        "created_at": _local(order.created_at),
    }


def _rating_out(rating: Rating | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {
        "score": rating.score,
        "comment": rating.comment,
        "is_default": rating.is_default,
        "rated_at": _local(rating.rated_at),
    }


def _case_summary(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "type": case.type,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "created_at": _local(case.created_at),
    }


def _order_out(customer: Customer, order: Order) -> dict[str, Any]:
    order_lines = {line.pk: line for line in order.lines.all()}
    lines = []
    for row in cases.askable_lines(order):
        line = order_lines[row.line.order_line_id]
        lines.append(
            {
                "id": line.pk,
                "position": line.position,
                "sku": line.sku_code,
                "name": line.name,
                "attributes": line.attributes or {},
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "shipped": row.line.shipped,
                "in_live_cases": row.line.in_live_cases,
                "askable": row.line.askable,
                "exchange_options": [
                    {"sku_id": sku.pk, "sku": sku.code, "attributes": sku.attributes} for sku in row.exchange_options
                ],
            }
        )
    return {
        **_summary(order),
        "shipping_fee": order.shipping_fee,
        "paid_amount": order.paid_amount,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": _local(order.shipped_at),
        "delivered_at": _local(order.delivered_at),
        "completed_at": _local(order.completed_at),
        "lines": lines,
        "timeline": [
            {"at": _local(entry.at), "text": entry.text, "place": entry.place} for entry in buyer.order_timeline(order)
        ],
        "may_confirm_receipt": buyer.may_confirm_receipt(order),
        "may_rate": buyer.may_rate(order),
        "rating": _rating_out(buyer.buyer_rating(order)),
        "case_types": [str(value) for value in buyer.case_types_for(order)],
        "cases": [_case_summary(case) for case in buyer.cases_of(customer).filter(order=order)],
    }


@router.get("/portal/orders", response={200: list[PortalOrderSummaryOut], **RESPONSES})
def list_orders(request: HttpRequest) -> Any:
    """The buyer's orders, newest first (at most 200)."""
    return [_summary(order) for order in buyer.orders_of(buyer_of(request))[:200]]


@router.get("/portal/orders/{number}", response={200: PortalOrderOut, **RESPONSES})
def get_order(request: HttpRequest, number: str) -> Any:
    customer = buyer_of(request)
    return _order_out(customer, buyer.order_of(customer, number))


@router.post("/portal/orders/{number}/confirm-receipt", response={200: PortalOrderOut, **RESPONSES})
def confirm_receipt(request: HttpRequest, number: str) -> Any:
    """The parcel arrived: the order is completed (409 when its status does not allow it)."""
    customer = buyer_of(request)
    order = buyer.confirm_receipt(customer=customer, number=number)
    return _order_out(customer, buyer.order_of(customer, order.number))


class PortalRatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: Literal["good", "neutral", "bad"]
    comment: str = Field(default="", max_length=500)


@router.post("/portal/orders/{number}/rating", response={201: PortalRatingOut, **RESPONSES})
def rate(request: HttpRequest, number: str, payload: PortalRatingIn) -> Status[Any]:
    """The buyer's rating of a completed order: once, within the rating window."""

    def produce() -> tuple[int, Any]:
        rating = buyer.rate(customer=buyer_of(request), number=number, score=payload.score, comment=payload.comment)
        return 201, _rating_out(rating)

    return idempotent(request, produce)


# --- after-sales -------------------------------------------------------------------------------


class PortalCaseLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_line_id: int
    quantity: int = Field(ge=1)
    replacement_sku_id: int | None = None


class PortalCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal[
        "refund_before_shipping", "refund_only", "return_refund", "exchange", "reissue", "repair", "complaint"
    ]
    reason: Literal[
        "no_reason",
        "wrong_size",
        "not_as_described",
        "quality",
        "damaged",
        "wrong_item",
        "missing_parts",
        "not_received",
        "no_longer_wanted",
        "service",
        "other",
    ]
    description: str = Field(default="", max_length=2000)
    lines: list[PortalCaseLineIn] = Field(default_factory=list, max_length=200)


class PortalCaseLineOut(BaseModel):
    order_line_id: int
    sku: str
    name: str
    quantity: int
    received: int
    replacement_sku: str | None


class PortalCaseEventOut(BaseModel):
    at: datetime
    code: str
    text: str
    status_after: str
    by_buyer: bool


class PortalMessageOut(BaseModel):
    at: datetime
    from_buyer: bool
    body: str


class PortalEvidenceOut(BaseModel):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    at: datetime


class PortalCaseOut(PortalCaseSummaryOut):
    order: str
    type_label: str
    reason: str
    description: str
    requested_amount: Decimal
    approved_amount: Decimal
    refunded_amount: Decimal
    rejection_reason: str
    return_carrier: str
    return_tracking_number: str
    lines: list[PortalCaseLineOut]
    events: list[PortalCaseEventOut]
    messages: list[PortalMessageOut]
    evidence: list[PortalEvidenceOut]
    may_cancel: bool
    may_dispute: bool
    needs_return_parcel: bool


def _evidence_out(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "at": _local(item.at),
    }


def _case_out(customer: Customer, number: str) -> dict[str, Any]:
    view = cases.case_view(customer, number)
    case = view.case
    return {
        **_case_summary(case),
        "order": case.order.number,
        "type_label": str(case.get_type_display()),
        "reason": case.reason,
        "description": case.description,
        "requested_amount": case.requested_amount,
        "approved_amount": case.approved_amount,
        "refunded_amount": case.refunded_amount,
        "rejection_reason": case.rejection_reason,
        "return_carrier": case.return_carrier,
        "return_tracking_number": case.return_tracking_number,
        "lines": [
            {
                "order_line_id": line.order_line_id,
                "sku": line.order_line.sku_code,
                "name": line.order_line.name,
                "quantity": line.quantity,
                "received": line.received,
                "replacement_sku": line.replacement_sku.code if line.replacement_sku else None,
            }
            for line in case.lines.select_related("order_line", "replacement_sku")
        ],
        "events": [
            {
                "at": _local(event.at),
                "code": event.code,
                "text": event.text,
                "status_after": event.status_after,
                "by_buyer": event.by_buyer,
            }
            for event in view.events
        ],
        "messages": [
            {"at": _local(message.at), "from_buyer": message.from_buyer, "body": message.body}
            for message in view.messages
        ],
        "evidence": [_evidence_out(item) for item in view.photos],
        "may_cancel": view.may_cancel,
        "may_dispute": view.may_dispute,
        "needs_return_parcel": view.needs_return_parcel,
    }


@router.post("/portal/orders/{number}/cases", response={201: PortalCaseOut, **RESPONSES})
def open_case(request: HttpRequest, number: str, payload: PortalCaseIn) -> Status[Any]:
    """Ask for after-sales on the buyer's order. 422 naming the field for a type the
    order's state does not allow, a line of another order or more units than went out
    (`lines[0].quantity`), past the policy's time; nothing is written then. Photos follow
    with POST /portal/cases/{number}/evidence."""
    customer = buyer_of(request)

    def produce() -> tuple[int, Any]:
        case = cases.open_request(
            customer=customer,
            number=number,
            type=payload.type,
            reason=payload.reason,
            description=payload.description,
            lines=[
                LineRequest(
                    order_line_id=line.order_line_id,
                    quantity=line.quantity,
                    replacement_sku_id=line.replacement_sku_id,
                )
                for line in payload.lines
            ],
        )
        return 201, _case_out(customer, case.number)

    return idempotent(request, produce)


@router.get("/portal/cases/{number}", response={200: PortalCaseOut, **RESPONSES})
def get_case(request: HttpRequest, number: str) -> Any:
    """The case: its status, the buyer-visible timeline, the messages and the buyer's files."""
    return _case_out(buyer_of(request), number)


class PortalMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=2000)


@router.post("/portal/cases/{number}/messages", response={201: PortalMessageOut, **RESPONSES})
def post_message(request: HttpRequest, number: str, payload: PortalMessageIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        message = cases.post_message(customer=buyer_of(request), number=number, body=payload.body)
        return 201, {"at": _local(message.at), "from_buyer": message.from_buyer, "body": message.body}

    return idempotent(request, produce)


class PortalReturnParcelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier_code: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=1, max_length=64)


@router.post("/portal/cases/{number}/return-parcel", response={200: PortalCaseOut, **RESPONSES})
def return_parcel(request: HttpRequest, number: str, payload: PortalReturnParcelIn) -> Any:
    """The buyer posted the goods back: the carrier and tracking number of the parcel."""
    customer = buyer_of(request)
    cases.register_return_parcel(
        customer=customer, number=number, carrier_code=payload.carrier_code, tracking_number=payload.tracking_number
    )
    return _case_out(customer, number)


@router.post("/portal/cases/{number}/evidence", response={201: list[PortalEvidenceOut], **RESPONSES})
def add_evidence(request: HttpRequest, number: str, photos: File[list[UploadedFile]]) -> Status[Any]:
    """Photos or videos (multipart, field `photos`, several allowed): checked by content,
    422 naming the bad file (`photos[1]`), 413 over the size limit; all or nothing."""

    def produce() -> tuple[int, Any]:
        added = cases.add_photos(customer=buyer_of(request), number=number, photos=photos)
        return 201, [_evidence_out(item) for item in added]

    return idempotent(request, produce)


@router.post("/portal/cases/{number}/cancel", response={200: PortalCaseOut, **RESPONSES})
def cancel(request: HttpRequest, number: str) -> Any:
    """Withdraw the request (409 once the goods are back or the case is under way)."""
    customer = buyer_of(request)
    cases.cancel(customer=customer, number=number)
    return _case_out(customer, number)


@router.get("/portal/cases/{number}/evidence/{evidence_id}", response={200: None, **RESPONSES})
def evidence_file(request: HttpRequest, number: str, evidence_id: int) -> Any:
    """One of the buyer's own photos or videos on their own case, as stored."""
    found = cases.evidence_of(buyer_of(request), number, evidence_id)
    try:
        opened = open_evidence(found, "file")
    except LookupError:
        raise NotFound(_("No such file."), details={"evidence": evidence_id}) from None
    response = FileResponse(opened.file, content_type=opened.content_type, filename=opened.filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PortalDisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/portal/cases/{number}/dispute", response={200: PortalCaseOut, **RESPONSES})
def dispute(request: HttpRequest, number: str, payload: PortalDisputeIn) -> Any:
    """The buyer disagrees with the shop's decision: a supervisor arbitrates."""
    customer = buyer_of(request)
    cases.dispute(customer=customer, number=number, reason=payload.reason)
    return _case_out(customer, number)
