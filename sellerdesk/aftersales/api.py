"""/api/v1/aftersales/…: the staff API of after-sales cases — the queue, opening a case,
approving, refusing, cancelling (one or many), assigning, notes and messages, the return
parcel, receiving and inspecting at the warehouse, replacements and repairs, closing, and
the shop's policy. Thin: each handler parses, calls one action or query, serializes; the
domain errors become 404/409/422 at core.api's one boundary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.aftersales import actions, policies, queries, replacements, returns
from sellerdesk.aftersales.models import Case, CaseLine, CaseSource, CaseType, Disposition, Reason
from sellerdesk.catalog.models import Sku
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop

router = Router(tags=["aftersales"])

CaseTypeName = Literal[
    "refund_before_shipping", "refund_only", "return_refund", "exchange", "reissue", "repair", "complaint"
]
ReasonName = Literal[
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
DispositionName = Literal["restock", "defective", "return_to_supplier", "scrap"]
assert set(CaseTypeName.__args__) == set(CaseType.values)  # type: ignore[attr-defined]
assert set(ReasonName.__args__) == set(Reason.values)  # type: ignore[attr-defined]
assert set(DispositionName.__args__) == set(Disposition.values)  # type: ignore[attr-defined]


class CaseStrict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- out -------------------------------------------------------------------------------------


class CaseLineStaffOut(BaseModel):
    id: int
    order_line_id: int
    sku: str
    quantity: int
    received: int
    good: int
    defective: int
    reason: str
    disposition: str
    replacement_sku: str | None
    refund_amount: Money


class CaseStaffOut(BaseModel):
    number: str
    order: str
    shop: str
    type: str
    status: str
    reason: str
    source: str
    description: str
    requested_amount: Money
    approved_amount: Money
    refunded_amount: Money
    return_shipping_payer: str
    assignee: str | None
    due_at: datetime | None
    created_at: datetime
    approved_at: datetime | None
    rejection_reason: str
    closed_at: datetime | None
    return_carrier: str
    return_tracking_number: str
    received_at: datetime | None
    inspected_at: datetime | None
    inspection_result: str
    replacement_order: str | None
    replacement_due_at: datetime | None
    lines: list[CaseLineStaffOut]


class CaseSummaryStaffOut(BaseModel):
    number: str
    order: str
    type: str
    status: str
    reason: str
    requested_amount: Money
    assignee: str | None
    due_at: datetime | None
    created_at: datetime


class CasePageStaffOut(BaseModel):
    count: int
    page: int
    pages: int
    items: list[CaseSummaryStaffOut]


class CaseRefundableLineOut(BaseModel):
    order_line_id: int
    position: int
    sku: str
    name: str
    unit_price: Money
    ordered: int
    shipped: int
    in_live_cases: int
    askable: int


class CaseBulkStaffOut(BaseModel):
    done: list[str]
    refused: dict[str, str]


class CaseNoteStaffOut(BaseModel):
    id: int
    text: str
    at: datetime


class CaseMessageStaffOut(BaseModel):
    id: int
    from_buyer: bool
    body: str
    at: datetime


class CaseReplacementStaffOut(BaseModel):
    case: str
    order: str
    order_status: str


class AfterSalesPolicyOut(BaseModel):
    shop: str
    no_reason_days: int
    no_reason_from: str
    window_days: dict[str, int]
    return_shipping_payer: dict[str, str]
    inspection_reasons: list[str]
    agent_approval_limit: Money
    response_hours: int
    return_arrival_days: int
    replacement_working_days: int
    follow_up_days: int


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def case_line_out(line: CaseLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "order_line_id": line.order_line_id,
        "sku": line.sku.code,
        "quantity": line.quantity,
        "received": line.received,
        "good": line.good,
        "defective": line.defective,
        "reason": line.reason,
        "disposition": line.disposition,
        "replacement_sku": line.replacement_sku.code if line.replacement_sku else None,
        "refund_amount": line.refund_amount,
    }


def case_out(case: Case) -> dict[str, Any]:
    case = (
        Case.objects.select_related("order", "shop", "assignee", "replacement_order")
        .prefetch_related("lines__sku", "lines__replacement_sku")
        .get(pk=case.pk)
    )
    return {
        "number": case.number,
        "order": case.order.number,
        "shop": case.shop.code,
        "type": case.type,
        "status": case.status,
        "reason": case.reason,
        "source": case.source,
        "description": case.description,
        "requested_amount": case.requested_amount,
        "approved_amount": case.approved_amount,
        "refunded_amount": case.refunded_amount,
        "return_shipping_payer": case.return_shipping_payer,
        "assignee": case.assignee.username if case.assignee else None,
        "due_at": _local(case.due_at),
        "created_at": _local(case.created_at),
        "approved_at": _local(case.approved_at),
        "rejection_reason": case.rejection_reason,
        "closed_at": _local(case.closed_at),
        "return_carrier": case.return_carrier,
        "return_tracking_number": case.return_tracking_number,
        "received_at": _local(case.received_at),
        "inspected_at": _local(case.inspected_at),
        "inspection_result": case.inspection_result,
        "replacement_order": case.replacement_order.number if case.replacement_order else None,
        "replacement_due_at": _local(case.replacement_due_at),
        "lines": [case_line_out(line) for line in case.lines.all()],
    }


def case_summary_out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "order": case.order.number,
        "type": case.type,
        "status": case.status,
        "reason": case.reason,
        "requested_amount": case.requested_amount,
        "assignee": case.assignee.username if case.assignee_id and case.assignee else None,
        "due_at": _local(case.due_at),
        "created_at": _local(case.created_at),
    }


def _case(request: HttpRequest, number: str) -> Case:
    return queries.get_case(number=number, actor=actor_of(request))


# --- the queue and opening -------------------------------------------------------------------


class CaseQueueFilter(BaseModel):
    status: str | None = Field(default=None, max_length=30)
    type: CaseTypeName | None = None
    shop: str | None = Field(default=None, max_length=40)
    overdue_only: bool = False
    search: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1, le=100000)


@router.get("/aftersales/cases", response={200: CasePageStaffOut, **ERROR_RESPONSES})
def list_cases(request: HttpRequest, filters: Query[CaseQueueFilter]) -> Any:
    """The after-sales queue: overdue first, then by deadline (aftersales.queries.case_queue)."""
    actor = actor_of(request)
    shop_id = None
    if filters.shop:
        shop = Shop.objects.filter(code=filters.shop).first()
        if shop is None:
            raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": filters.shop}})
        shop_id = shop.pk
    page = queries.case_queue(
        actor=actor,
        status=filters.status,
        type=filters.type,
        shop_id=shop_id,
        overdue_only=filters.overdue_only,
        search=filters.search,
        page=filters.page,
    )
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [case_summary_out(case) for case in page.object_list],
    }


class CaseLineStaffIn(CaseStrict):
    order_line_id: int = Field(ge=1)
    quantity: int = Field(ge=1, le=100000)
    reason: ReasonName | None = None
    replacement_sku: str | None = Field(default=None, min_length=1, max_length=64)


class CaseOpenStaffIn(CaseStrict):
    order: str = Field(min_length=1, max_length=20)
    type: CaseTypeName
    reason: ReasonName
    lines: list[CaseLineStaffIn] = Field(default_factory=list, max_length=200)
    description: str = Field(default="", max_length=2000)
    requested_amount: Money | None = None
    source: Literal["agent", "marketplace", "api"] = "api"


def _order(number: str, actor: User | None) -> Order:
    # Another shop's order is as unknown as a missing one (shops.access).
    visible = limit_to_visible_shops(Order.objects.all(), actor)
    order = visible.filter(number=number).first() if "\x00" not in number else None
    if order is None:
        raise ValidationFailed({"order": _("no order %(number)s") % {"number": number}})
    return order


def _replacement_sku_ids(lines: list[CaseLineStaffIn]) -> dict[int, int]:
    codes = {line.replacement_sku for line in lines if line.replacement_sku}
    found = dict(Sku.objects.filter(code__in=codes).values_list("code", "pk"))
    bad = {
        f"lines[{index}].replacement_sku": _("unknown SKU %(code)s") % {"code": line.replacement_sku}
        for index, line in enumerate(lines)
        if line.replacement_sku and line.replacement_sku not in found
    }
    if bad:
        raise ValidationFailed(bad)
    return {index: found[line.replacement_sku] for index, line in enumerate(lines) if line.replacement_sku}


@router.post("/aftersales/cases", response={201: CaseStaffOut, **ERROR_RESPONSES})
def open_case(request: HttpRequest, payload: CaseOpenStaffIn) -> Status[Any]:
    """Open a case on an order. 422 names each bad field (`lines[0].quantity`: more units
    than went out less those in other cases; `type`: past the policy's time or the order
    not where the type may start; `requested_amount`: above what was paid); nothing is
    written then. Idempotency-Key honoured."""

    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        require(actor, "aftersales.handle")
        order = _order(payload.order, actor)
        skus = _replacement_sku_ids(payload.lines)
        case = actions.open_case(
            order=order,
            type=payload.type,
            reason=payload.reason,
            lines=[
                actions.LineRequest(
                    order_line_id=line.order_line_id,
                    quantity=line.quantity,
                    reason=line.reason or "",
                    replacement_sku_id=skus.get(index),
                )
                for index, line in enumerate(payload.lines)
            ],
            description=payload.description,
            requested_amount=payload.requested_amount,
            source=CaseSource(payload.source),
            actor=actor,
        )
        return 201, case_out(case)

    return idempotent(request, produce)


@router.get("/aftersales/cases/{number}", response={200: CaseStaffOut, **ERROR_RESPONSES})
def get_case(request: HttpRequest, number: str) -> Any:
    return case_out(_case(request, number))


@router.get(
    "/aftersales/orders/{number}/refundable-lines", response={200: list[CaseRefundableLineOut], **ERROR_RESPONSES}
)
def refundable_lines(request: HttpRequest, number: str) -> Any:
    """Per order line: units shipped, in live cases, still askable."""
    require(actor_of(request), "aftersales.view")
    order = Order.objects.filter(number=number).first() if "\x00" not in number else None
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": number}, details={"number": number})
    return [
        {
            "order_line_id": row.order_line_id,
            "position": row.position,
            "sku": row.sku_code,
            "name": row.name,
            "unit_price": row.unit_price,
            "ordered": row.ordered,
            "shipped": row.shipped,
            "in_live_cases": row.in_live_cases,
            "askable": row.askable,
        }
        for row in actions.refundable_lines(order)
    ]


# --- deciding --------------------------------------------------------------------------------


class CaseApproveStaffIn(CaseStrict):
    amount: Money | None = None
    note: str = Field(default="", max_length=500)


class CaseRejectStaffIn(CaseStrict):
    reason: str = Field(min_length=1, max_length=500)


class CaseBulkApproveStaffIn(CaseStrict):
    cases: list[str] = Field(min_length=1, max_length=200)


class CaseBulkRejectStaffIn(CaseStrict):
    cases: list[str] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=500)


@router.post("/aftersales/cases/{number}/approve", response={200: CaseStaffOut, **ERROR_RESPONSES})
def approve_case(request: HttpRequest, number: str, payload: CaseApproveStaffIn) -> Any:
    """Approve (403 above the agent's limit without aftersales.approve_large; 409 when the
    case is not requested)."""
    case = actions.approve_case(
        case=_case(request, number), actor=actor_of(request), amount=payload.amount, note=payload.note
    )
    return case_out(case)


@router.post("/aftersales/cases/{number}/reject", response={200: CaseStaffOut, **ERROR_RESPONSES})
def reject_case(request: HttpRequest, number: str, payload: CaseRejectStaffIn) -> Any:
    return case_out(actions.reject_case(case=_case(request, number), actor=actor_of(request), reason=payload.reason))


@router.post("/aftersales/cases/{number}/cancel", response={200: CaseStaffOut, **ERROR_RESPONSES})
def cancel_case(request: HttpRequest, number: str) -> Any:
    return case_out(actions.cancel_case(case=_case(request, number), actor=actor_of(request)))


@router.post("/aftersales/cases/{number}/close", response={200: CaseStaffOut, **ERROR_RESPONSES})
def close_case(request: HttpRequest, number: str) -> Any:
    return case_out(actions.close_case(case=_case(request, number), actor=actor_of(request)))


def _ids_of(numbers: list[str], actor: User | None) -> tuple[list[int], dict[str, str]]:
    visible = limit_to_visible_shops(Case.objects.filter(number__in=numbers), actor)
    found = dict(visible.values_list("number", "pk"))
    return [found[n] for n in numbers if n in found], {n: _("no such case") for n in numbers if n not in found}


@router.post("/aftersales/bulk/approve", response={200: CaseBulkStaffOut, **ERROR_RESPONSES})
def bulk_approve(request: HttpRequest, payload: CaseBulkApproveStaffIn) -> Any:
    """Approve each case in its own transaction; `refused` says why for each one refused."""
    ids, unknown = _ids_of(payload.cases, actor_of(request))
    result = actions.bulk_approve(case_ids=ids, actor=actor_of(request))
    return {"done": result.done, "refused": {**unknown, **result.refused}}


@router.post("/aftersales/bulk/reject", response={200: CaseBulkStaffOut, **ERROR_RESPONSES})
def bulk_reject(request: HttpRequest, payload: CaseBulkRejectStaffIn) -> Any:
    ids, unknown = _ids_of(payload.cases, actor_of(request))
    result = actions.bulk_reject(case_ids=ids, actor=actor_of(request), reason=payload.reason)
    return {"done": result.done, "refused": {**unknown, **result.refused}}


# --- working the case ------------------------------------------------------------------------


class CaseAssignStaffIn(CaseStrict):
    assignee: str | None = Field(default=None, min_length=1, max_length=150)


class CaseTextStaffIn(CaseStrict):
    text: str = Field(min_length=1, max_length=500)


class CaseMessageStaffIn(CaseStrict):
    body: str = Field(min_length=1, max_length=2000)


@router.post("/aftersales/cases/{number}/assign", response={200: CaseStaffOut, **ERROR_RESPONSES})
def assign_case(request: HttpRequest, number: str, payload: CaseAssignStaffIn) -> Any:
    assignee = None
    if payload.assignee:
        assignee = User.objects.filter(username=payload.assignee).first()
        if assignee is None:
            raise ValidationFailed({"assignee": _("no user %(name)s") % {"name": payload.assignee}})
    return case_out(actions.assign_case(case=_case(request, number), assignee=assignee, actor=actor_of(request)))


@router.post("/aftersales/cases/{number}/notes", response={201: CaseNoteStaffOut, **ERROR_RESPONSES})
def add_note(request: HttpRequest, number: str, payload: CaseTextStaffIn) -> Status[Any]:
    event = actions.add_note(case=_case(request, number), actor=actor_of(request), text=payload.text)
    return Status(201, {"id": event.pk, "text": event.data.get("text", ""), "at": timezone.localtime(event.at)})


@router.post("/aftersales/cases/{number}/messages", response={201: CaseMessageStaffOut, **ERROR_RESPONSES})
def post_message(request: HttpRequest, number: str, payload: CaseMessageStaffIn) -> Status[Any]:
    """The shop's message to the buyer on the case (recorded for the buyer too)."""
    message = actions.post_message(
        case=_case(request, number), body=payload.body, actor=actor_of(request), from_buyer=False
    )
    return Status(
        201, {"id": message.pk, "from_buyer": False, "body": message.body, "at": timezone.localtime(message.at)}
    )


# --- the return leg --------------------------------------------------------------------------


class CaseReturnParcelStaffIn(CaseStrict):
    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=1, max_length=64)


class CaseReceivedStaffIn(CaseStrict):
    case_line_id: int = Field(ge=1)
    quantity: int = Field(ge=0, le=100000)


class CaseReceiveStaffIn(CaseStrict):
    lines: list[CaseReceivedStaffIn] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=500)


class CaseGradeStaffIn(CaseStrict):
    case_line_id: int = Field(ge=1)
    good: int = Field(ge=0, le=100000)
    defective: int = Field(ge=0, le=100000)
    disposition: DispositionName = "restock"


class CaseInspectStaffIn(CaseStrict):
    grades: list[CaseGradeStaffIn] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=500)


class CaseRepairStaffIn(CaseStrict):
    note: str = Field(default="", max_length=500)


@router.post("/aftersales/cases/{number}/return-parcel", response={200: CaseStaffOut, **ERROR_RESPONSES})
def register_return_parcel(request: HttpRequest, number: str, payload: CaseReturnParcelStaffIn) -> Any:
    """The buyer's return parcel (carrier and tracking number), tracked from now on."""
    case = returns.register_return_parcel(
        case=_case(request, number),
        carrier_code=payload.carrier,
        tracking_number=payload.tracking_number,
        actor=actor_of(request),
    )
    return case_out(case)


@router.post("/aftersales/cases/{number}/pickup", response={200: CaseStaffOut, **ERROR_RESPONSES})
def book_return_pickup(request: HttpRequest, number: str) -> Any:
    """Book a pickup of the return with the order's carrier (503 if the carrier cannot be
    reached: the worker books it later)."""
    return case_out(returns.book_return_pickup(case=_case(request, number), actor=actor_of(request)))


@router.get("/aftersales/receiving/{code}", response={200: CaseStaffOut, **ERROR_RESPONSES})
def find_case_to_receive(request: HttpRequest, code: str) -> Any:
    """The case a scanned case number or return tracking number names."""
    return case_out(returns.find_case_to_receive(code=code, actor=actor_of(request)))


@router.post("/aftersales/cases/{number}/receive", response={200: CaseStaffOut, **ERROR_RESPONSES})
def receive_return(request: HttpRequest, number: str, payload: CaseReceiveStaffIn) -> Any:
    case = returns.receive_return(
        case=_case(request, number),
        lines=[returns.Received(line.case_line_id, line.quantity) for line in payload.lines],
        actor=actor_of(request),
        note=payload.note,
    )
    return case_out(case)


@router.post("/aftersales/cases/{number}/inspect", response={200: CaseStaffOut, **ERROR_RESPONSES})
def inspect_return(request: HttpRequest, number: str, payload: CaseInspectStaffIn) -> Any:
    case = returns.inspect_return(
        case=_case(request, number),
        grades=[returns.Grade(g.case_line_id, g.good, g.defective, g.disposition) for g in payload.grades],
        actor=actor_of(request),
        note=payload.note,
    )
    return case_out(case)


@router.post("/aftersales/cases/{number}/replacement", response={201: CaseReplacementStaffOut, **ERROR_RESPONSES})
def send_replacement(request: HttpRequest, number: str) -> Status[Any]:
    """Send the case's goods as an order at price 0 (exchange after inspection, reissue
    after approval, repair while repairing); called again it answers with that order."""
    case = _case(request, number)
    order = replacements.send_replacement(case=case, actor=actor_of(request))
    return Status(201, {"case": case.number, "order": order.number, "order_status": order.status})


@router.post("/aftersales/cases/{number}/repair", response={200: CaseStaffOut, **ERROR_RESPONSES})
def start_repair(request: HttpRequest, number: str, payload: CaseRepairStaffIn) -> Any:
    return case_out(replacements.start_repair(case=_case(request, number), actor=actor_of(request), note=payload.note))


@router.get("/aftersales/late-replacements", response={200: list[CaseSummaryStaffOut], **ERROR_RESPONSES})
def late_replacements(request: HttpRequest) -> Any:
    """Exchanges whose replacement is past due and not shipped."""
    actor = actor_of(request)
    require(actor, "aftersales.view")
    late = limit_to_visible_shops(replacements.late_replacements(now=timezone.now()), actor)
    found = late.select_related("assignee")[:500]
    return [case_summary_out(case) for case in found]


# --- the shop's policy -----------------------------------------------------------------------


class AfterSalesPolicyIn(CaseStrict):
    no_reason_days: int | None = Field(default=None, ge=0, le=365)
    no_reason_from: Literal["delivery", "receipt"] | None = None
    window_days: dict[CaseTypeName, int] | None = None
    return_shipping_payer: dict[ReasonName, Literal["seller", "buyer"]] | None = None
    inspection_reasons: list[ReasonName] | None = Field(default=None, max_length=20)
    agent_approval_limit: Money | None = None
    response_hours: int | None = Field(default=None, ge=1, le=720)
    return_arrival_days: int | None = Field(default=None, ge=1, le=365)
    replacement_working_days: int | None = Field(default=None, ge=0, le=60)
    follow_up_days: int | None = Field(default=None, ge=0, le=365)


def _shop(code: str, actor: User | None) -> Shop:
    # A shop the actor may not see is not found (shops.access).
    visible = limit_to_visible_shops(Shop.objects.all(), actor, shop_field="pk")
    shop = visible.filter(code=code).first() if "\x00" not in code else None
    if shop is None:
        raise NotFound(_("No shop %(code)s.") % {"code": code}, details={"code": code})
    return shop


def policy_out(shop: Shop) -> dict[str, Any]:
    policy = policies.policy_for(shop)
    return {
        "shop": shop.code,
        "no_reason_days": policy.no_reason_days,
        "no_reason_from": policy.no_reason_from,
        "window_days": dict(policy.window_days),
        "return_shipping_payer": dict(policy.return_shipping_payer),
        "inspection_reasons": sorted(policy.inspection_reasons),
        "agent_approval_limit": policy.agent_approval_limit,
        "response_hours": policy.response_hours,
        "return_arrival_days": policy.return_arrival_days,
        "replacement_working_days": policy.replacement_working_days,
        "follow_up_days": policy.follow_up_days,
    }


@router.get("/aftersales/policies/{shop}", response={200: AfterSalesPolicyOut, **ERROR_RESPONSES})
def get_policy(request: HttpRequest, shop: str) -> Any:
    require(actor_of(request), "aftersales.view")
    return policy_out(_shop(shop, actor_of(request)))


@router.patch("/aftersales/policies/{shop}", response={200: AfterSalesPolicyOut, **ERROR_RESPONSES})
def update_policy(request: HttpRequest, shop: str, payload: AfterSalesPolicyIn) -> Any:
    """Change the fields sent (aftersales.configure); audited with before and after."""
    found = _shop(shop, actor_of(request))
    fields: dict[str, Any] = {name: value for name, value in payload.model_dump(exclude_unset=True).items()}
    if isinstance(fields.get("agent_approval_limit"), Decimal):
        fields["agent_approval_limit"] = str(fields["agent_approval_limit"])
    policies.update_policy(shop=found, fields=fields, actor=actor_of(request))
    return policy_out(found)
