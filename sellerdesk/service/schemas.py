"""The service desk API's shared shapes: path and field types, what a conversation, a
message and an attachment look like on the wire (staff and buyer), and the multipart
upload of images. Used by service.api (staff) and service.api_portal (the buyer)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sellerdesk.aftersales.evidence import EvidenceTooLarge
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.service import attachments as attachment_files
from sellerdesk.service import conversations
from sellerdesk.service.intent_model import IntentLabel
from sellerdesk.service.models import (
    INTENTS,
    UNCLASSIFIED,
    Attachment,
    Conversation,
    ConversationChannel,
    ConversationStatus,
    Message,
    SlaState,
)

BINARY = {200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
MULTIPART_SLACK = 64 * 1024

ChannelName = Literal["web", "phone", "marketplace", "email"]
StatusName = Literal["open", "pending", "snoozed", "resolved"]
ViewName = Literal["mine", "unassigned", "team", "all"]
SlaStateName = Literal["running", "paused", "due_soon", "breached", "met"]
IntentName = Literal[IntentLabel, "unclassified"]
assert set(ChannelName.__args__) == set(ConversationChannel.values)  # type: ignore[attr-defined]
assert set(StatusName.__args__) == set(ConversationStatus.values)  # type: ignore[attr-defined]
assert set(IntentName.__args__) == {*INTENTS, UNCLASSIFIED}  # type: ignore[attr-defined]
assert set(SlaStateName.__args__) == {value for value in SlaState.values if value}  # type: ignore[attr-defined]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Body = Annotated[str, StringConstraints(max_length=20000), AfterValidator(_no_nul)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_no_nul)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- out ------------------------------------------------------------------------------------


class AttachmentOut(BaseModel):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    name: str
    url: str


class CallOut(BaseModel):
    number: str
    duration_seconds: int
    inbound: bool


class MessageOut(BaseModel):
    id: int
    conversation: int
    kind: str = Field(description="buyer, agent, note (private), call, system")
    body: str
    author: str | None = Field(description="the agent's display name; null for the buyer and the system")
    author_id: int | None
    created_at: datetime
    read_at: datetime | None
    intent: str
    intent_confidence: float
    override_reason: str
    attachments: list[AttachmentOut]
    call: CallOut | None


class ConversationOut(BaseModel):
    id: int
    shop: str
    channel: str
    status: str
    priority: int = Field(description="0 low, 1 normal, 2 high, 3 urgent")
    contact: str
    contact_name: str
    subject: str
    language: str
    customer_id: int | None
    order: str | None
    assignee: str | None
    assignee_id: int | None
    team_id: int | None
    intent: str
    intent_confidence: float
    skill: str
    created_at: datetime
    last_message_at: datetime
    waiting_since: datetime | None
    first_response_at: datetime | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    unread_agent: int
    unread_buyer: int
    preview: str
    sla_state: str
    sla_due_at: datetime | None
    escalated: bool


class PastConversationOut(BaseModel):
    id: int
    channel: str
    status: str
    subject: str
    preview: str
    created_at: datetime


class ConversationDetailOut(ConversationOut):
    allowed_actions: list[str]
    past: list[PastConversationOut]


class CountsOut(BaseModel):
    mine: int
    unassigned: int
    team: int
    all: int


class ConversationEventOut(BaseModel):
    id: int
    code: str
    text: str
    data: dict[str, Any]
    actor: str | None
    at: datetime


def local_time(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def display_name(user: Any) -> str | None:
    return user.signature if user is not None else None


def attachment_out(item: Attachment, *, url_prefix: str = "/api/v1/service/attachments/") -> dict[str, Any]:
    return {
        "id": item.pk,
        "content_type": item.content_type,
        "size": item.size,
        "width": item.width,
        "height": item.height,
        "name": item.original_name,
        "url": f"{url_prefix}{item.pk}",
    }


def message_out(message: Message, *, url_prefix: str = "/api/v1/service/attachments/") -> dict[str, Any]:
    call = getattr(message, "call", None) if message.kind == "call" else None
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "kind": message.kind,
        "body": message.body,
        "author": display_name(message.author) if message.author_id else None,
        "author_id": message.author_id,
        "created_at": local_time(message.created_at),
        "read_at": local_time(message.read_at),
        "intent": message.intent,
        "intent_confidence": message.intent_confidence,
        "override_reason": message.override_reason,
        "attachments": [attachment_out(item, url_prefix=url_prefix) for item in message.attachments.all()],
        "call": (
            {"number": call.number, "duration_seconds": call.duration_seconds, "inbound": call.inbound}
            if call is not None
            else None
        ),
    }


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "shop": conversation.shop.code,
        "channel": conversation.channel,
        "status": conversation.status,
        "priority": conversation.priority,
        "contact": conversation.contact,
        "contact_name": conversation.contact_name,
        "subject": conversation.subject,
        "language": conversation.language,
        "customer_id": conversation.customer_id,
        "order": conversation.order.number if conversation.order_id and conversation.order else None,
        "assignee": display_name(conversation.assignee) if conversation.assignee_id else None,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "intent": conversation.intent or UNCLASSIFIED,
        "intent_confidence": conversation.intent_confidence,
        "skill": conversation.skill,
        "created_at": local_time(conversation.created_at),
        "last_message_at": local_time(conversation.last_message_at),
        "waiting_since": local_time(conversation.waiting_since),
        "first_response_at": local_time(conversation.first_response_at),
        "snoozed_until": local_time(conversation.snoozed_until),
        "resolved_at": local_time(conversation.resolved_at),
        "unread_agent": conversation.unread_agent,
        "unread_buyer": conversation.unread_buyer,
        "preview": conversation.last_message_preview,
        "sla_state": conversation.sla_state,
        "sla_due_at": local_time(conversation.sla_due_at),
        "escalated": conversation.escalated_to_id is not None,
    }


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": attachment_files.MAX_ATTACHMENTS,
                        },
                        "body": {"type": "string", "maxLength": conversations.DEFAULT_MAX_MESSAGE_CHARS},
                        "override_reason": {"type": "string", "maxLength": conversations.MAX_OVERRIDE_REASON},
                    },
                }
            }
        },
    }
}


def read_files(request: HttpRequest) -> list[attachment_files.IncomingFile]:
    """The multipart `files` of a request, each refused (413) past the size limit; the
    whole body is refused before it is read when it declares more than they may add to."""
    limit = attachment_files.max_attachment_bytes()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit * attachment_files.MAX_ATTACHMENTS + MULTIPART_SLACK:
        raise EvidenceTooLarge(size=declared, limit=limit * attachment_files.MAX_ATTACHMENTS)
    uploads = request.FILES.getlist("files")
    if not uploads:
        raise ValidationFailed({"files": _("send the images as the multipart field files")})
    if len(uploads) > attachment_files.MAX_ATTACHMENTS:
        raise ValidationFailed({"files": _("at most %(count)s files") % {"count": attachment_files.MAX_ATTACHMENTS}})
    return [
        attachment_files.read_upload(upload, name=upload.name or "", declared_size=upload.size) for upload in uploads
    ]


def form_text(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name, "")
    if "\x00" in value:
        raise ValidationFailed({name: _("must not contain a NUL character")})
    return value


def file_response(item: Attachment) -> HttpResponseBase:
    try:
        opened = default_storage.open(item.file.name or "", "rb")
    except (OSError, ValueError):
        raise NotFound(_("No such file."), details={"attachment": item.pk}) from None
    response = FileResponse(opened, content_type=item.content_type, filename=item.original_name or f"{item.pk}")
    # Checked and re-encoded when stored; still, never let a browser guess another type.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
