"""/api/v1/segments, /api/v1/buyer-groups, /api/v1/customer-groups (the seed's three),
/api/v1/customers/export and /api/v1/customers/import: parse, call one action or query,
answer. Exports answer an XLSX file streamed from a temporary file."""

from __future__ import annotations

from typing import Any, Literal

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.crm import excel, segments
from sellerdesk.crm.models import Segment
from sellerdesk.crm.queries import CustomerListFilters, customer_list
from sellerdesk.customers import groups
from sellerdesk.customers.api import CustomerOut, customer_out
from sellerdesk.customers.models import Customer, CustomerGroup
from sellerdesk.shops.models import Shop

router = Router(tags=["segments"])
PAGE_SIZE = 50


class SegmentOut(BaseModel):
    id: int
    name: str
    description: str
    shop: str | None
    rules: dict[str, Any]
    # None: the stored rules no longer have a valid shape (changed by hand in the admin).
    count: int | None
    created_at: str
    updated_at: str


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=300)
    shop: str | None = Field(default=None, max_length=40)
    # Checked by crm.segments.parse_rules, whose errors name `rules.<path>`.
    rules: dict[str, Any] = Field(default_factory=dict)


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=300)
    shop: str | None = Field(default=None, max_length=40)
    rules: dict[str, Any] | None = None


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shop: str | None = Field(default=None, max_length=40)
    rules: dict[str, Any] = Field(default_factory=dict)


class SegmentCountOut(BaseModel):
    count: int


class MemberPage(BaseModel):
    items: list[CustomerOut]
    count: int
    page: int
    pages: int


class PurchaseGroupOut(BaseModel):
    code: str
    name: str
    count: int


class SegmentList(BaseModel):
    segments: list[SegmentOut]
    purchase_groups: list[PurchaseGroupOut]


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    members: int


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=300)


class GroupPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=60)
    description: str | None = Field(default=None, max_length=300)


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customers: list[int] = Field(min_length=1, max_length=groups.MAX_MEMBERS_PER_CALL)


class MembersChanged(BaseModel):
    changed: int
    members: int


class ImportRowOut(BaseModel):
    line: int
    customer_id: int
    customer: str
    result: Literal["created", "updated", "unchanged"]


class CustomerImportOut(BaseModel):
    file: str
    committed: bool
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRowOut]


class ExportFilters(BaseModel):
    q: str = Field(default="", max_length=100)
    shop: str = Field(default="", max_length=40)
    level: str = Field(default="", max_length=40)
    tag: int | None = None
    group: int | None = None


def _shop(code: str | None) -> Shop | None:
    if not code:
        return None
    shop = Shop.objects.filter(code=code).first()
    if shop is None:
        raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": code}})
    return shop


def segment_out(segment: Segment, count: int | None) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "shop": segment.shop.code if segment.shop else None,
        "rules": segment.rules,
        "count": count,
        "created_at": segment.created_at.isoformat(),
        "updated_at": segment.updated_at.isoformat(),
    }


def _with_count(segment: Segment, actor: User) -> dict[str, Any]:
    try:
        count: int | None = segments.segment_customers(segment=segment, actor=actor).count()
    except ValidationFailed:  # rules changed by hand into something invalid: still readable
        count = None
    return segment_out(segment, count)


def _page(customers: QuerySet[Customer], page: int) -> dict[str, Any]:
    paginator = Paginator(customers.select_related("shop", "level", "agent"), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "items": [customer_out(customer) for customer in current.object_list],
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
    }


def xlsx_response(customers: QuerySet[Customer], *, actor: User, name: str) -> FileResponse:
    """The customers as an XLSX download, streamed from the export's temporary file."""
    export = excel.export_customers(customers=customers, actor=actor, name=name)
    response = FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=excel.CONTENT_TYPE)
    response["X-Rows"] = str(export.rows)
    return response


# --- segments --------------------------------------------------------------------------------


@router.get("/segments", response={200: SegmentList, **ERROR_RESPONSES})
def list_segments(request: HttpRequest) -> Any:
    actor = actor_of(request)
    require(actor, "customers.view")
    saved = list(Segment.objects.select_related("shop"))
    by_segment, by_group = segments.live_counts(segments=saved, actor=actor)
    return {
        "segments": [segment_out(segment, by_segment[segment.pk]) for segment in saved],
        "purchase_groups": [
            {"code": code, "name": str(label), "count": by_group[code]}
            for code, label in segments.PURCHASE_GROUPS.items()
        ],
    }


@router.post("/segments", response={201: SegmentOut, **ERROR_RESPONSES})
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status[Any]:
    actor = actor_of(request)
    require(actor, "segments.edit")
    segment = segments.create_segment(
        actor=actor,
        name=payload.name,
        description=payload.description,
        shop=_shop(payload.shop),
        rules=payload.rules,
    )
    return Status(201, _with_count(segment, actor))


@router.post("/segments/count", response={200: SegmentCountOut, **ERROR_RESPONSES})
def count_rules(request: HttpRequest, payload: RulesIn) -> Any:
    """How many customers these rules select now, without saving them (the form's live count)."""
    rules = segments.parse_rules(payload.rules)
    found = segments.customers_of(rules, actor=actor_of(request), shop=_shop(payload.shop))
    return {"count": found.count()}


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERROR_RESPONSES})
def get_segment(request: HttpRequest, segment_id: int) -> Any:
    actor = actor_of(request)
    return _with_count(segments.get_segment(segment_id=segment_id, actor=actor), actor)


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **ERROR_RESPONSES})
def update_segment(request: HttpRequest, segment_id: int, payload: SegmentPatch) -> Any:
    actor = actor_of(request)
    segment = segments.get_segment(segment_id=segment_id, actor=actor)
    require(actor, "segments.edit")
    changes: dict[str, Any] = {}
    sent = payload.model_fields_set
    if "name" in sent and payload.name is not None:
        changes["name"] = payload.name
    if "description" in sent and payload.description is not None:
        changes["description"] = payload.description
    if "shop" in sent:
        changes["shop"] = _shop(payload.shop)
    if "rules" in sent:
        if payload.rules is None:
            raise ValidationFailed({"rules": _("must not be null")})
        changes["rules"] = payload.rules
    segment = segments.update_segment(actor=actor, segment=segment, **changes)
    return _with_count(segments.get_segment(segment_id=segment.pk, actor=actor), actor)


@router.delete("/segments/{segment_id}", response={204: None, **ERROR_RESPONSES})
def delete_segment(request: HttpRequest, segment_id: int) -> Status[None]:
    actor = actor_of(request)
    segments.delete_segment(actor=actor, segment=segments.get_segment(segment_id=segment_id, actor=actor))
    return Status(204, None)


@router.get("/segments/{segment_id}/members", response={200: MemberPage, **ERROR_RESPONSES})
def segment_members(request: HttpRequest, segment_id: int, page: int = 1) -> Any:
    actor = actor_of(request)
    segment = segments.get_segment(segment_id=segment_id, actor=actor)
    return _page(segments.segment_customers(segment=segment, actor=actor), page)


@router.get("/segments/{segment_id}/count", response={200: SegmentCountOut, **ERROR_RESPONSES})
def segment_count(request: HttpRequest, segment_id: int) -> Any:
    actor = actor_of(request)
    segment = segments.get_segment(segment_id=segment_id, actor=actor)
    return {"count": segments.segment_customers(segment=segment, actor=actor).count()}


@router.get("/segments/{segment_id}/export", response={200: None, **ERROR_RESPONSES})
def export_segment(request: HttpRequest, segment_id: int) -> Any:
    actor = actor_of(request)
    segment = segments.get_segment(segment_id=segment_id, actor=actor)
    return xlsx_response(segments.segment_customers(segment=segment, actor=actor), actor=actor, name=segment.name)


# --- the seed's groups -------------------------------------------------------------------------

PurchaseCode = Literal["bought", "not_bought", "only_asked"]


@router.get("/customer-groups/{code}/members", response={200: MemberPage, **ERROR_RESPONSES})
def purchase_group_members(request: HttpRequest, code: PurchaseCode, page: int = 1, shop: str = "") -> Any:
    found = segments.purchase_group_customers(group=code, actor=actor_of(request), shop=_shop(shop))
    return _page(found, page)


@router.get("/customer-groups/{code}/export", response={200: None, **ERROR_RESPONSES})
def export_purchase_group(request: HttpRequest, code: PurchaseCode, shop: str = "") -> Any:
    actor = actor_of(request)
    found = segments.purchase_group_customers(group=code, actor=actor, shop=_shop(shop))
    return xlsx_response(found, actor=actor, name=str(segments.PURCHASE_GROUPS[code]))


# --- buyer groups --------------------------------------------------------------------------------


def group_out(group: CustomerGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "description": group.description,
        "members": group.members.count(),
    }


@router.get("/buyer-groups", response={200: list[GroupOut], **ERROR_RESPONSES})
def list_groups(request: HttpRequest) -> Any:
    require(actor_of(request), "customers.view")
    from django.db.models import Count

    found = CustomerGroup.objects.annotate(size=Count("members")).order_by("name", "pk")
    return [
        {"id": group.pk, "name": group.name, "description": group.description, "members": group.size}  # type: ignore[attr-defined]
        for group in found
    ]


@router.post("/buyer-groups", response={201: GroupOut, **ERROR_RESPONSES})
def create_group(request: HttpRequest, payload: GroupIn) -> Status[Any]:
    group = groups.create_group(actor=actor_of(request), name=payload.name, description=payload.description)
    return Status(201, group_out(group))


@router.get("/buyer-groups/{group_id}", response={200: GroupOut, **ERROR_RESPONSES})
def get_group(request: HttpRequest, group_id: int) -> Any:
    return group_out(groups.get_group(group_id=group_id, actor=actor_of(request)))


@router.patch("/buyer-groups/{group_id}", response={200: GroupOut, **ERROR_RESPONSES})
def update_group(request: HttpRequest, group_id: int, payload: GroupPatch) -> Any:
    actor = actor_of(request)
    group = groups.get_group(group_id=group_id, actor=actor)
    group = groups.update_group(actor=actor, group=group, name=payload.name, description=payload.description)
    return group_out(group)


@router.delete("/buyer-groups/{group_id}", response={204: None, **ERROR_RESPONSES})
def delete_group(request: HttpRequest, group_id: int) -> Status[None]:
    actor = actor_of(request)
    groups.delete_group(actor=actor, group=groups.get_group(group_id=group_id, actor=actor))
    return Status(204, None)


@router.get("/buyer-groups/{group_id}/members", response={200: MemberPage, **ERROR_RESPONSES})
def group_members(request: HttpRequest, group_id: int, page: int = 1) -> Any:
    actor = actor_of(request)
    group = groups.get_group(group_id=group_id, actor=actor)
    return _page(groups.group_members(group=group, actor=actor), page)


@router.post("/buyer-groups/{group_id}/members", response={200: MembersChanged, **ERROR_RESPONSES})
def add_members(request: HttpRequest, group_id: int, payload: MembersIn) -> Any:
    actor = actor_of(request)
    group = groups.get_group(group_id=group_id, actor=actor)
    changed = groups.add_members(actor=actor, group=group, customers=payload.customers)
    return {"changed": changed, "members": group.members.count()}


@router.post("/buyer-groups/{group_id}/members/remove", response={200: MembersChanged, **ERROR_RESPONSES})
def remove_members(request: HttpRequest, group_id: int, payload: MembersIn) -> Any:
    actor = actor_of(request)
    group = groups.get_group(group_id=group_id, actor=actor)
    changed = groups.remove_members(actor=actor, group=group, customers=payload.customers)
    return {"changed": changed, "members": group.members.count()}


@router.get("/buyer-groups/{group_id}/export", response={200: None, **ERROR_RESPONSES})
def export_group(request: HttpRequest, group_id: int) -> Any:
    actor = actor_of(request)
    group = groups.get_group(group_id=group_id, actor=actor)
    return xlsx_response(groups.group_members(group=group, actor=actor), actor=actor, name=group.name)


# --- customers in and out ------------------------------------------------------------------------


@router.get("/customers/export", response={200: None, **ERROR_RESPONSES})
def export_customers(request: HttpRequest, filters: Query[ExportFilters]) -> Any:
    """The customer list as filtered (the list page's filters) as XLSX."""
    actor = actor_of(request)
    found = customer_list(filters=CustomerListFilters(**filters.model_dump()), actor=actor)
    return xlsx_response(found, actor=actor, name=str(_("customers")))


def import_out(report: excel.ImportReport) -> dict[str, Any]:
    return {
        "file": report.file,
        "committed": report.committed,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rows": [
            {"line": row.line, "customer_id": row.customer_id, "customer": row.customer, "result": row.result}
            for row in report.outcomes
        ],
    }


@router.post("/customers/import", response={200: CustomerImportOut, **ERROR_RESPONSES})
def import_customers(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False) -> Any:
    """Import customers from an .xlsx or .csv upload (multipart, field `file`); `dry_run`
    checks and counts without keeping anything. Any bad row: 422 naming every one as
    `rows[<line>].<column>`, nothing imported."""
    actor = actor_of(request)
    require(actor, "customers.import")
    if file.size is not None and file.size > excel.MAX_BYTES:
        raise ValidationFailed({"file": _("larger than %(n)s MB") % {"n": excel.MAX_BYTES // (1024 * 1024)}})
    report = excel.import_customers(
        content=file.read(excel.MAX_BYTES + 1), filename=file.name or "", actor=actor, dry_run=dry_run
    )
    return import_out(report)
