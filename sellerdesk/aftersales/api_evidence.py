"""/api/v1/aftersales/…: evidence (files, chat excerpts, the order's record), disputes
(opening with the frozen bundle, the ruling, the marketplace's mediation, the review),
complaints (the checklist, resolving, follow-ups) and the return/exchange form PDF.

Thin: each handler parses, calls one action or query, serializes; domain errors become
403/404/409/413/422 at core.api's one boundary. An uploaded file is judged by its content
(aftersales.evidence): a non-image is 422, a file over the size limit 413, and nothing
is written either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sellerdesk.aftersales import complaints, disputes, documents, evidence, queries
from sellerdesk.aftersales.models import Case, Dispute, Evidence, FollowUp
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.permissions import require
from sellerdesk.shops.access import limit_to_visible_shops

router = Router(tags=["aftersales"])

PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
BINARY = {200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}

OutcomeName = Literal["buyer", "seller", "partial"]
CauseName = Literal[
    "product_quality",
    "wrong_or_missing",
    "description",
    "packaging",
    "logistics",
    "service",
    "policy",
    "supplier",
    "buyer",
    "fraud",
    "other",
]
StepName = Literal["calm", "listen", "empathise", "apologise", "solve"]
assert set(OutcomeName.__args__) == set(disputes.RulingOutcome.values)  # type: ignore[attr-defined]
assert set(CauseName.__args__) == set(disputes.ReviewCause.values)  # type: ignore[attr-defined]
assert StepName.__args__ == complaints.CHECKLIST  # type: ignore[attr-defined]


class EvidenceStrict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def _case(request: HttpRequest, number: str) -> Case:
    return queries.get_case(number=number, actor=actor_of(request))


# --- evidence ------------------------------------------------------------------------------


class CaseEvidenceOut(BaseModel):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    caption: str
    text: str
    from_buyer: bool
    uploaded_by: str | None
    at: datetime
    has_file: bool
    has_thumbnail: bool


class CaseEvidenceTextIn(EvidenceStrict):
    kind: Literal["chat"] = "chat"
    text: str = Field(min_length=1, max_length=evidence.MAX_TEXT)


def evidence_out(item: Evidence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "width": item.width,
        "height": item.height,
        "caption": item.caption,
        "text": item.text,
        "from_buyer": item.from_buyer,
        "uploaded_by": item.uploaded_by.username if item.uploaded_by_id and item.uploaded_by else None,
        "at": _local(item.at),
        "has_file": bool(item.file),
        "has_thumbnail": bool(item.thumbnail),
    }


# What a multipart body carries besides the file itself (boundaries, headers, the caption).
MULTIPART_SLACK = 64 * 1024
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "caption": {"type": "string", "maxLength": evidence.MAX_CAPTION},
                    },
                }
            }
        },
    }
}


@router.post(
    "/aftersales/cases/{number}/evidence",
    response={201: CaseEvidenceOut, **ERROR_RESPONSES},
    openapi_extra=UPLOAD_BODY,
)
def add_evidence_file(request: HttpRequest, number: str) -> Status[Any]:
    """A photo (JPEG, PNG, WebP, GIF: re-encoded without EXIF/GPS, with a thumbnail) or a
    video (MP4, MOV, WebM), multipart field `file`, optional `caption`. Judged by content,
    not by name: anything else is 422, a file over the size limit 413."""
    case = _case(request, number)
    # The body is read here, not by the framework before the call: a body declared larger
    # than the limit is refused before a byte of it is read or spooled to disk.
    limit = evidence.max_evidence_bytes()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit + MULTIPART_SLACK:
        raise evidence.EvidenceTooLarge(size=declared, limit=limit)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed({"file": _("send the photo or video as the multipart field file")})
    caption = request.POST.get("caption", "")
    item = evidence.add_file(case=case, upload=upload, caption=caption, actor=actor_of(request))
    return Status(201, evidence_out(item))


@router.post("/aftersales/cases/{number}/evidence/text", response={201: CaseEvidenceOut, **ERROR_RESPONSES})
def add_evidence_text(request: HttpRequest, number: str, payload: CaseEvidenceTextIn) -> Status[Any]:
    """A chat excerpt, kept as sent and hashed."""
    item = evidence.add_text(case=_case(request, number), kind=payload.kind, text=payload.text, actor=actor_of(request))
    return Status(201, evidence_out(item))


@router.post("/aftersales/cases/{number}/evidence/order-record", response={201: CaseEvidenceOut, **ERROR_RESPONSES})
def attach_order_record(request: HttpRequest, number: str) -> Status[Any]:
    """The order's record now (lines, payments, parcels and tracking) as JSON, hashed."""
    item = evidence.attach_order_record(case=_case(request, number), actor=actor_of(request))
    return Status(201, evidence_out(item))


@router.get("/aftersales/cases/{number}/evidence", response={200: list[CaseEvidenceOut], **ERROR_RESPONSES})
def list_evidence(request: HttpRequest, number: str) -> Any:
    case = _case(request, number)
    return [evidence_out(item) for item in case.evidence.select_related("uploaded_by").order_by("at", "pk")]


class EvidenceFileQuery(BaseModel):
    variant: Literal["file", "thumbnail"] = "file"


@router.get(
    "/aftersales/cases/{number}/evidence/{evidence_id}/file",
    response={**ERROR_RESPONSES},
    openapi_extra={"responses": BINARY},
)
def evidence_file(
    request: HttpRequest, number: str, evidence_id: int, query: Query[EvidenceFileQuery]
) -> HttpResponseBase:
    """The stored bytes of a photo or video (or its thumbnail)."""
    case = _case(request, number)
    item = Evidence.objects.filter(case=case, pk=evidence_id).select_related("case").first()
    try:
        if item is None:
            raise LookupError(evidence_id)
        opened = evidence.open_evidence(item, query.variant)
    except (LookupError, OSError):
        raise NotFound(_("No such file."), details={"evidence_id": evidence_id}) from None
    response = FileResponse(opened.file, content_type=opened.content_type, filename=opened.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- disputes ------------------------------------------------------------------------------


class CaseBundleCheckOut(BaseModel):
    is_intact: bool
    bundle_intact: bool
    changed_files: list[int]


class CaseDisputeOut(BaseModel):
    case: str
    case_status: str
    reason: str
    by_buyer: bool
    opened_at: datetime
    bundle_sha256: str
    frozen_at: datetime | None
    ruling: str
    ruling_outcome: str
    ruled_at: datetime | None
    mediation_platform: str
    mediation_reference: str
    mediation_outcome: str
    mediated_at: datetime | None


class CaseDisputeDetailOut(CaseDisputeOut):
    bundle: dict[str, Any]
    check: CaseBundleCheckOut


class CaseDisputeOpenIn(EvidenceStrict):
    reason: str = Field(min_length=1, max_length=disputes.MAX_REASON)


class CaseDisputeRulingIn(EvidenceStrict):
    outcome: OutcomeName
    ruling: str = Field(min_length=1, max_length=disputes.MAX_RULING)


class CaseDisputeMediationIn(EvidenceStrict):
    platform: str = Field(min_length=1, max_length=50)
    reference: str = Field(min_length=1, max_length=100)
    outcome: str = Field(min_length=1, max_length=disputes.MAX_NOTE)


class CaseReviewIn(EvidenceStrict):
    cause: CauseName
    note: str = Field(min_length=1, max_length=disputes.MAX_NOTE)


class CaseReviewOut(BaseModel):
    case: str
    status: str
    review_cause: str
    review_note: str
    reviewed_at: datetime | None
    reviewed_by: str | None


class CasePendingReviewOut(BaseModel):
    case: str
    order: str
    status: str
    ruling_outcome: str
    ruled_at: datetime | None


def dispute_out(dispute: Dispute) -> dict[str, Any]:
    return {
        "case": dispute.case.number,
        "case_status": dispute.case.status,
        "reason": dispute.reason,
        "by_buyer": dispute.by_buyer,
        "opened_at": _local(dispute.opened_at),
        "bundle_sha256": dispute.bundle_sha256,
        "frozen_at": _local(dispute.frozen_at),
        "ruling": dispute.ruling,
        "ruling_outcome": dispute.ruling_outcome,
        "ruled_at": _local(dispute.ruled_at),
        "mediation_platform": dispute.mediation_platform,
        "mediation_reference": dispute.mediation_reference,
        "mediation_outcome": dispute.mediation_outcome,
        "mediated_at": _local(dispute.mediated_at),
    }


def review_out(case: Case) -> dict[str, Any]:
    return {
        "case": case.number,
        "status": case.status,
        "review_cause": case.review_cause,
        "review_note": case.review_note,
        "reviewed_at": _local(case.reviewed_at),
        "reviewed_by": case.reviewed_by.username if case.reviewed_by_id and case.reviewed_by else None,
    }


def _dispute(case: Case) -> Dispute:
    dispute = Dispute.objects.select_related("case").filter(case=case).first()
    if dispute is None:
        raise NotFound(_("Case %(number)s has no dispute.") % {"number": case.number}, details={"case": case.number})
    return dispute


@router.post("/aftersales/cases/{number}/dispute", response={201: CaseDisputeOut, **ERROR_RESPONSES})
def open_dispute(request: HttpRequest, number: str, payload: CaseDisputeOpenIn) -> Status[Any]:
    """Put the case into dispute: its evidence bundle is frozen and hashed (SHA-256)."""
    dispute = disputes.open_dispute(case=_case(request, number), reason=payload.reason, actor=actor_of(request))
    return Status(201, dispute_out(dispute))


@router.get("/aftersales/cases/{number}/dispute", response={200: CaseDisputeDetailOut, **ERROR_RESPONSES})
def get_dispute(request: HttpRequest, number: str) -> Any:
    """The dispute with its frozen bundle and a fresh check of its hashes."""
    dispute = _dispute(_case(request, number))
    check = disputes.verify_bundle(dispute)
    return {
        **dispute_out(dispute),
        "bundle": dispute.bundle,
        "check": {
            "is_intact": check.is_intact,
            "bundle_intact": check.bundle_intact,
            "changed_files": check.changed_files,
        },
    }


@router.post("/aftersales/cases/{number}/dispute/ruling", response={200: CaseDisputeOut, **ERROR_RESPONSES})
def rule_dispute(request: HttpRequest, number: str, payload: CaseDisputeRulingIn) -> Any:
    """A supervisor's written ruling: for the buyer or partly → approved, for the seller → closed."""
    dispute = disputes.rule_dispute(
        case=_case(request, number), outcome=payload.outcome, ruling=payload.ruling, actor=actor_of(request)
    )
    return dispute_out(dispute)


@router.post("/aftersales/cases/{number}/dispute/mediation", response={200: CaseDisputeOut, **ERROR_RESPONSES})
def record_mediation(request: HttpRequest, number: str, payload: CaseDisputeMediationIn) -> Any:
    """The marketplace's intervention: platform, its reference, what it decided."""
    dispute = disputes.record_mediation(
        case=_case(request, number),
        platform=payload.platform,
        reference=payload.reference,
        outcome=payload.outcome,
        actor=actor_of(request),
    )
    return dispute_out(dispute)


@router.post("/aftersales/cases/{number}/review", response={200: CaseReviewOut, **ERROR_RESPONSES})
def review_case(request: HttpRequest, number: str, payload: CaseReviewIn) -> Any:
    """The review (复盘): a cause category and what was learnt."""
    case = disputes.review_case(
        case=_case(request, number), cause=payload.cause, note=payload.note, actor=actor_of(request)
    )
    return review_out(case)


@router.get("/aftersales/reviews/pending", response={200: list[CasePendingReviewOut], **ERROR_RESPONSES})
def pending_reviews(request: HttpRequest) -> Any:
    """Disputed cases whose dispute is decided and that still wait for their review."""
    actor = actor_of(request)
    require(actor, "aftersales.view")
    return [
        {
            "case": case.number,
            "order": case.order.number,
            "status": case.status,
            "ruling_outcome": case.dispute.ruling_outcome,
            "ruled_at": _local(case.dispute.ruled_at),
        }
        for case in limit_to_visible_shops(disputes.cases_to_review(), actor)[:500]
    ]


# --- complaints and follow-ups -------------------------------------------------------------


class ComplaintStepIn(EvidenceStrict):
    step: StepName


class ComplaintStepOut(BaseModel):
    step: str
    label: str
    done_at: str | None


class ComplaintChecklistOut(BaseModel):
    case: str
    status: str
    steps: list[ComplaintStepOut]


class ComplaintResolveIn(EvidenceStrict):
    summary: str = Field(min_length=1, max_length=complaints.MAX_SUMMARY)


class FollowUpStaffOut(BaseModel):
    id: int
    case: str
    order: str
    due_at: datetime
    assignee: str | None
    done_at: datetime | None
    outcome: str
    satisfied: bool | None


class FollowUpCompleteIn(EvidenceStrict):
    outcome: str = Field(min_length=1, max_length=complaints.MAX_OUTCOME)
    satisfied: StrictBool


class FollowUpListFilter(BaseModel):
    due_before: datetime | None = None


def checklist_out(case: Case) -> dict[str, Any]:
    done = case.checklist or {}
    return {
        "case": case.number,
        "status": case.status,
        "steps": [
            {"step": step, "label": complaints.step_label(step), "done_at": done.get(step)}
            for step in complaints.CHECKLIST
        ],
    }


def follow_up_out(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.pk,
        "case": follow_up.case.number,
        "order": follow_up.case.order.number,
        "due_at": _local(follow_up.due_at),
        "assignee": follow_up.assignee.username if follow_up.assignee_id and follow_up.assignee else None,
        "done_at": _local(follow_up.done_at),
        "outcome": follow_up.outcome,
        "satisfied": follow_up.satisfied,
    }


@router.post("/aftersales/cases/{number}/complaint/steps", response={200: ComplaintChecklistOut, **ERROR_RESPONSES})
def tick_step(request: HttpRequest, number: str, payload: ComplaintStepIn) -> Any:
    """Tick a step of the complaint's checklist (in the order calm, listen, empathise,
    apologise, solve)."""
    case = complaints.tick_step(case=_case(request, number), step=payload.step, actor=actor_of(request))
    return checklist_out(case)


@router.post("/aftersales/cases/{number}/complaint/resolve", response={201: FollowUpStaffOut, **ERROR_RESPONSES})
def resolve_complaint(request: HttpRequest, number: str, payload: ComplaintResolveIn) -> Status[Any]:
    """Close the complaint; answers the follow-up call (回访) it scheduled."""
    follow_up = complaints.resolve_complaint(
        case=_case(request, number), summary=payload.summary, actor=actor_of(request)
    )
    return Status(201, follow_up_out(follow_up))


@router.get("/aftersales/follow-ups", response={200: list[FollowUpStaffOut], **ERROR_RESPONSES})
def due_follow_ups(request: HttpRequest, filters: Query[FollowUpListFilter]) -> Any:
    """Follow-up calls not done and due by `due_before` (default: now), oldest first."""
    actor = actor_of(request)
    require(actor, "aftersales.view")
    due = complaints.due_follow_ups(filters.due_before or timezone.now())
    return [follow_up_out(item) for item in limit_to_visible_shops(due, actor, shop_field="case__shop_id")[:500]]


@router.post("/aftersales/follow-ups/{follow_up_id}/complete", response={200: FollowUpStaffOut, **ERROR_RESPONSES})
def complete_follow_up(request: HttpRequest, follow_up_id: int, payload: FollowUpCompleteIn) -> Any:
    actor = actor_of(request)
    require(actor, "aftersales.view")
    visible = limit_to_visible_shops(FollowUp.objects.all(), actor, shop_field="case__shop_id")
    follow_up = visible.select_related("case", "case__order").filter(pk=follow_up_id).first()
    if follow_up is None:
        raise NotFound(_("No such follow-up."), details={"follow_up_id": follow_up_id})
    done = complaints.complete_follow_up(
        follow_up=follow_up, outcome=payload.outcome, satisfied=payload.satisfied, actor=actor
    )
    return follow_up_out(done)


# --- the form ----------------------------------------------------------------------------------


@router.get("/aftersales/cases/{number}/form.pdf", response={**ERROR_RESPONSES}, openapi_extra={"responses": PDF})
def return_form(request: HttpRequest, number: str) -> HttpResponse:
    """The return/exchange form (商品退换流程表) in the request's language, photos on the back."""
    case = _case(request, number)
    response = HttpResponse(documents.return_form_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response
