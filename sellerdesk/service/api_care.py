"""/api/v1/service/…: care after the conversation — the complaint checklist of a
conversation, follow-ups (回访), the satisfaction survey (its state for staff; the buyer's
answer through the link's token, without a login), shift handovers (write, acknowledge,
the supervisor's unacknowledged list) and the chat archive (export as JSON, text or PDF;
import merging without duplicates). Thin: each handler parses, calls service.complaints /
followups / surveys / handover / archive, serialises; domain errors become
403/404/409/422 at core.api's one boundary."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Path, Query, Router, Status, UploadedFile
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import BusinessDatetime
from sellerdesk.customers.models import Customer
from sellerdesk.service import archive, complaints, followups, handover, surveys
from sellerdesk.service.access import require_access
from sellerdesk.service.models import (
    ComplaintProcedure,
    ComplaintStep,
    Conversation,
    FollowUpTask,
    Handover,
    Survey,
)
from sellerdesk.shops.models import Shop

router = Router(tags=["service desk"])

MAX_ARCHIVE_UPLOAD = archive.MAX_BYTES

StepName = Literal["calm", "listen", "empathise", "apologise", "solve"]
assert set(StepName.__args__) == set(ComplaintStep.values)  # type: ignore[attr-defined]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _short(limit: int) -> Any:
    return StringConstraints(strip_whitespace=True, max_length=limit)


Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_no_nul)]
ShortNote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_no_nul)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(_no_nul)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_no_nul)]
UserName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150), AfterValidator(_no_nul)
]
Token = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_no_nul)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _name(user: User | None) -> str | None:
    return user.signature if user is not None else None


def _conversation(request: HttpRequest, conversation_id: int, permission: str = "service.view") -> Conversation:
    conversation = Conversation.objects.select_related("shop").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("No conversation %(id)s.") % {"id": conversation_id})
    require_access(actor_of(request), conversation, permission)
    return conversation


# --- the complaint checklist ----------------------------------------------------------------


class CareStepOut(BaseModel):
    step: str
    label: str
    hint: str
    done: bool
    at: str = Field(description="when it was ticked (ISO 8601), empty when not yet")
    by: str
    note: str


class ComplaintOut(BaseModel):
    conversation: int
    started_at: datetime
    completed_at: datetime | None
    steps: list[CareStepOut]


class StepIn(Strict):
    step: StepName
    note: Note = ""


def complaint_out(procedure: ComplaintProcedure) -> dict[str, Any]:
    return {
        "conversation": procedure.conversation_id,
        "started_at": procedure.started_at,
        "completed_at": procedure.completed_at,
        "steps": [vars(step) for step in complaints.checklist(procedure)],
    }


@router.get("/service/conversations/{conversation_id}/complaint", response={200: ComplaintOut, **ERROR_RESPONSES})
def get_complaint(request: HttpRequest, conversation_id: Id) -> Any:
    """The complaint checklist of a complaint conversation (404 when it is none)."""
    conversation = _conversation(request, conversation_id)
    procedure = ComplaintProcedure.objects.filter(conversation=conversation).first()
    if procedure is None:
        raise NotFound(_("This conversation is not a complaint."))
    return complaint_out(procedure)


@router.post(
    "/service/conversations/{conversation_id}/complaint/steps", response={200: ComplaintOut, **ERROR_RESPONSES}
)
def tick_step(request: HttpRequest, conversation_id: Id, payload: StepIn) -> Any:
    """Tick one step with an optional note. "solve" needs the four others (409
    complaint_steps_missing with details.missing), completes the procedure and schedules
    the follow-up; 409 not_a_complaint when the conversation is none."""
    conversation = _conversation(request, conversation_id, "service.reply")
    procedure = complaints.tick_step(
        conversation=conversation, step=payload.step, actor=actor_of(request), note=payload.note
    )
    return complaint_out(procedure)


# --- follow-ups -------------------------------------------------------------------------------


class FollowUpOut(BaseModel):
    id: int
    conversation: int
    shop: str
    contact_name: str
    assignee: str | None
    assignee_id: int | None
    due_at: datetime
    overdue: bool
    note: str
    done_at: datetime | None
    outcome: str
    created_at: datetime


class FollowUpFilter(Strict):
    mine: bool = Field(True, description="only the caller's (a supervisor may ask for everyone's)")
    done: bool = Field(False, description="the done ones, newest first, instead of the open ones")
    due_before: AwareDatetime | None = None


class FollowUpIn(Strict):
    due_at: BusinessDatetime
    note: ShortNote = ""


class FollowUpDoneIn(Strict):
    outcome: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


def follow_up_out(task: FollowUpTask, *, now: datetime) -> dict[str, Any]:
    conversation = task.conversation
    return {
        "id": task.pk,
        "conversation": conversation.pk,
        "shop": conversation.shop.code,
        "contact_name": conversation.contact_name or conversation.contact,
        "assignee": _name(task.assignee),
        "assignee_id": task.assignee_id,
        "due_at": timezone.localtime(task.due_at),
        "overdue": task.done_at is None and task.due_at <= now,
        "note": task.note,
        "done_at": timezone.localtime(task.done_at) if task.done_at else None,
        "outcome": task.outcome,
        "created_at": timezone.localtime(task.created_at),
    }


@router.get("/service/follow-ups", response={200: list[FollowUpOut], **ERROR_RESPONSES})
def list_follow_ups(request: HttpRequest, filters: Query[FollowUpFilter]) -> Any:
    """Follow-ups of the shops the caller serves: the open ones soonest due first (or the
    done ones), the caller's own unless a supervisor asks with mine=false."""
    rows = followups.follow_ups(
        actor=actor_of(request), mine=filters.mine, done=filters.done, due_before=filters.due_before
    )
    now = timezone.now()
    return [follow_up_out(task, now=now) for task in rows[:500]]


@router.post("/service/conversations/{conversation_id}/follow-ups", response={201: FollowUpOut, **ERROR_RESPONSES})
def add_follow_up(request: HttpRequest, conversation_id: Id, payload: FollowUpIn) -> Status[Any]:
    """Schedule a follow-up by hand (a promise to call back): not in the past; 409 when the
    conversation already has an open one."""
    conversation = _conversation(request, conversation_id, "service.reply")
    task = followups.add_follow_up(
        conversation=conversation, actor=actor_of(request), due_at=payload.due_at, note=payload.note
    )
    return Status(201, follow_up_out(task, now=timezone.now()))


@router.post("/service/follow-ups/{task_id}/complete", response={200: FollowUpOut, **ERROR_RESPONSES})
def complete_follow_up(request: HttpRequest, task_id: Id, payload: FollowUpDoneIn) -> Any:
    """Record how the follow-up went (409 when already done; 403 another agent's)."""
    task = FollowUpTask.objects.select_related("conversation", "conversation__shop").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No follow-up %(id)s.") % {"id": task_id})
    done = followups.complete(task=task, actor=actor_of(request), outcome=payload.outcome)
    return follow_up_out(done, now=timezone.now())


# --- the survey -------------------------------------------------------------------------------


class SurveyOut(BaseModel):
    conversation: int
    sent_at: datetime
    score: int | None
    comment: str
    answered_at: datetime | None


class SurveyAnswerIn(Strict):
    score: int = Field(ge=1, le=5, strict=True)
    comment: Comment = ""


class SurveyAnswerOut(BaseModel):
    score: int
    comment: str
    answered_at: datetime


def survey_out(survey: Survey) -> dict[str, Any]:
    return {
        "conversation": survey.conversation_id,
        "sent_at": survey.sent_at,
        "score": survey.score,
        "comment": survey.comment,
        "answered_at": survey.answered_at,
    }


@router.get("/service/conversations/{conversation_id}/survey", response={200: SurveyOut, **ERROR_RESPONSES})
def get_survey(request: HttpRequest, conversation_id: Id) -> Any:
    """The survey sent for the conversation and its answer (404 when none was sent)."""
    conversation = _conversation(request, conversation_id)
    survey = Survey.objects.filter(conversation=conversation).first()
    if survey is None:
        raise NotFound(_("No survey was sent for this conversation."))
    return survey_out(survey)


@router.post("/service/surveys/{token}", auth=None, response={200: SurveyAnswerOut, **ERROR_RESPONSES})
def answer_survey(request: HttpRequest, token: Annotated[str, Path(max_length=100)], payload: SurveyAnswerIn) -> Any:
    """The buyer's answer through the survey link (no login: the token is the key): 1–5
    and an optional comment; once (409 survey_answered), 404 for an unknown token."""
    if "\x00" in token:
        raise NotFound(_("This survey link is not valid."))
    survey = surveys.answer(token=token, score=payload.score, comment=payload.comment)
    assert survey.score is not None and survey.answered_at is not None
    return {"score": survey.score, "comment": survey.comment, "answered_at": survey.answered_at}


# --- handovers --------------------------------------------------------------------------------


class HandoverItemIn(Strict):
    conversation: RowId | None = None
    promise: ShortNote = ""
    due_at: BusinessDatetime | None = None


class HandoverIn(Strict):
    to_agent: UserName | None = Field(None, description="the next agent's user name (none: whoever comes)")
    notes: Notes = ""
    items: list[HandoverItemIn] | None = Field(
        None, max_length=handover.MAX_ITEMS, description="none: the writer's open conversations"
    )


class HandoverItemOut(BaseModel):
    conversation: int | None
    contact_name: str
    promise: str
    due_at: datetime | None


class HandoverOut(BaseModel):
    id: int
    from_agent: str
    from_agent_id: int
    to_agent: str | None
    to_agent_id: int | None
    notes: str
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    items: list[HandoverItemOut]


class UnacknowledgedFilter(Strict):
    older_than_minutes: int = Field(0, ge=0, le=60 * 24 * 365)


def handover_out(row: Handover) -> dict[str, Any]:
    return {
        "id": row.pk,
        "from_agent": row.from_agent.signature,
        "from_agent_id": row.from_agent_id,
        "to_agent": _name(row.to_agent),
        "to_agent_id": row.to_agent_id,
        "notes": row.notes,
        "created_at": row.created_at,
        "acknowledged_by": _name(row.acknowledged_by),
        "acknowledged_at": row.acknowledged_at,
        "items": [
            {
                "conversation": item.conversation_id,
                "contact_name": (item.conversation.contact_name or item.conversation.contact)
                if item.conversation
                else "",
                "promise": item.promise,
                "due_at": item.due_at,
            }
            for item in row.items.all()
        ],
    }


def _handover(handover_id: int) -> Handover:
    row = (
        Handover.objects.select_related("from_agent", "to_agent", "acknowledged_by")
        .prefetch_related("items", "items__conversation")
        .filter(pk=handover_id)
        .first()
    )
    if row is None:
        raise NotFound(_("No handover %(id)s.") % {"id": handover_id})
    return row


@router.get("/service/handovers", response={200: list[HandoverOut], **ERROR_RESPONSES})
def list_handovers(request: HttpRequest) -> Any:
    """The handovers the caller wrote, those for them and those for anyone not yet
    acknowledged (a supervisor: all), newest first."""
    return [handover_out(row) for row in handover.handovers_for(actor=actor_of(request))[:200]]


@router.get("/service/handovers/unacknowledged", response={200: list[HandoverOut], **ERROR_RESPONSES})
def list_unacknowledged(request: HttpRequest, filters: Query[UnacknowledgedFilter]) -> Any:
    """The supervisor's list: handovers nobody acknowledged, written more than
    `older_than_minutes` ago, oldest first (service.supervise)."""
    require(actor_of(request), "service.supervise")
    older = timedelta(minutes=filters.older_than_minutes) if filters.older_than_minutes else None
    rows = handover.unacknowledged(older_than=older).prefetch_related("items", "items__conversation")
    return [handover_out(row) for row in rows[:500]]


@router.post("/service/handovers", response={201: HandoverOut, **ERROR_RESPONSES})
def write_handover(request: HttpRequest, payload: HandoverIn) -> Status[Any]:
    """Write the end-of-shift handover: notes, the items (default: the writer's open
    conversations), each with an optional promise and due time, for the named next agent
    or anyone. 422 names each bad field (`items[1].promise`); nothing written then."""
    actor = actor_of(request)
    to_agent = None
    if payload.to_agent:
        to_agent = User.objects.filter(username=payload.to_agent).first()
        if to_agent is None:
            raise ValidationFailed({"to_agent": _("No user named %(name)s.") % {"name": payload.to_agent}})
    items = (
        None
        if payload.items is None
        else [
            handover.ItemDraft(conversation_id=item.conversation, promise=item.promise, due_at=item.due_at)
            for item in payload.items
        ]
    )
    row = handover.write_handover(from_agent=actor, to_agent=to_agent, notes=payload.notes, items=items)
    return Status(201, handover_out(_handover(row.pk)))


@router.post("/service/handovers/{handover_id}/acknowledge", response={200: HandoverOut, **ERROR_RESPONSES})
def acknowledge_handover(request: HttpRequest, handover_id: Id, take_over: bool = False) -> Any:
    """The next agent acknowledges ("交清接明"): 403 for a handover written for someone
    else or by the caller, 409 when already acknowledged. With take_over=true the
    conversations the writer still has become the caller's (as far as routing allows:
    online, their shop, room under their cap)."""
    row = handover.acknowledge(handover=_handover(handover_id), actor=actor_of(request), take_over=take_over)
    return handover_out(_handover(row.pk))


# --- the chat archive ---------------------------------------------------------------------------


class ArchiveFilter(Strict):
    format: Literal["json", "text", "pdf"] = "json"
    customer: int | None = Field(None, ge=1, le=MAX_ID, description="the buyer (customer id)")
    shop: Annotated[str, _short(40)] | None = Field(None, description="a shop code")
    start: AwareDatetime | None = Field(None, description="messages from (inclusive)")
    end: AwareDatetime | None = Field(None, description="messages until (exclusive)")


class ArchiveImportOut(BaseModel):
    conversations_created: int
    conversations_merged: int
    messages_created: int
    messages_skipped: int


_ARCHIVE_TYPES = {
    "json": ("application/json", "json"),
    "text": ("text/plain; charset=utf-8", "txt"),
    "pdf": ("application/pdf", "pdf"),
}


@router.get(
    "/service/archive",
    response={200: None, **ERROR_RESPONSES},
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/plain": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    },
)
def export_archive(request: HttpRequest, filters: Query[ArchiveFilter]) -> HttpResponse:
    """The conversations of a buyer and/or a date range (messages in [start, end)) of the
    shops the caller serves: the JSON archive (import_archive reads it back), or a
    readable transcript as text or PDF, in the caller's language."""
    actor = actor_of(request)
    require(actor, "service.view")
    if filters.start and filters.end and filters.start >= filters.end:
        raise ValidationFailed({"end": _("must be after start")})
    customer = None
    if filters.customer is not None:
        customer = Customer.objects.filter(pk=filters.customer).first()
        if customer is None:
            raise ValidationFailed({"customer": _("No customer %(id)s.") % {"id": filters.customer}})
    shop_id = None
    if filters.shop:
        shop = Shop.objects.filter(code=filters.shop).first()
        if shop is None:
            raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": filters.shop}})
        shop_id = shop.pk
    kwargs: dict[str, Any] = {
        "actor": actor,
        "customer": customer,
        "start": filters.start,
        "end": filters.end,
        "shop_id": shop_id,
    }
    content_type, extension = _ARCHIVE_TYPES[filters.format]
    if filters.format == "json":
        body: bytes = archive.export_json(**kwargs)
    elif filters.format == "text":
        body = archive.export_text(**kwargs).encode("utf-8")
    else:
        body = archive.export_pdf(**kwargs)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="chat-archive.{extension}"'
    return response


@router.post("/service/archive/import", response={200: ArchiveImportOut, **ERROR_RESPONSES})
def import_archive(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Merge an exported JSON archive (service.configure): conversations found by their
    identity get the messages they lack, others arrive resolved; nothing is duplicated,
    importing it twice adds nothing. 422 names every problem by its path; nothing written."""
    actor = actor_of(request)
    require(actor, "service.configure")
    if (file.size or 0) > MAX_ARCHIVE_UPLOAD:
        raise ValidationFailed({"file": _("larger than %(n)s MB") % {"n": MAX_ARCHIVE_UPLOAD // (1024 * 1024)}})
    result = archive.import_archive(data=file.read(), actor=actor)
    return vars(result)
