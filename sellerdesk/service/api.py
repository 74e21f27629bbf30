"""/api/v1/service/…: the staff API of the service desk — the inbox and its counts, a
conversation with its messages (catching up after a message id), replies (with images),
notes, logged calls, the moves (wait, snooze, resolve, reopen), priority, reads, marking a
complaint, the timeline, and the attached images. Thin: each handler parses, calls one
action or query of service.conversations / service.queries, serialises (service.schemas);
domain errors become 403/404/409/422 at core.api's one boundary. A reply with a forbidden
phrase is 409 `forbidden_phrases` with details.forbidden [{phrase, alternative, start, end}]."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, Field, StringConstraints

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.service import conversations, queries, states
from sellerdesk.service.access import require_access
from sellerdesk.service.inbound import email as inbound_email
from sellerdesk.service.models import Attachment, Conversation, ConversationEvent, Mailbox
from sellerdesk.service.schemas import (
    BINARY,
    UPLOAD_BODY,
    Body,
    ChannelName,
    ConversationDetailOut,
    ConversationEventOut,
    ConversationOut,
    CountsOut,
    IntentName,
    MessageOut,
    ShortText,
    SlaStateName,
    StatusName,
    Strict,
    ViewName,
    conversation_out,
    display_name,
    file_response,
    form_text,
    local_time,
    message_out,
    read_files,
)
from sellerdesk.shops.models import Shop

router = Router(tags=["service desk"])


def _detail(conversation: Conversation) -> dict[str, Any]:
    return {
        **conversation_out(conversation),
        "allowed_actions": [str(action.value) for action in states.allowed_actions(conversation.status)],
        "past": [
            {
                "id": past.pk,
                "channel": past.channel,
                "status": past.status,
                "subject": past.subject,
                "preview": past.last_message_preview,
                "created_at": local_time(past.created_at),
            }
            for past in queries.past_conversations(conversation)
        ],
    }


def _conversation(request: HttpRequest, pk: int, *, permission: str = "service.view") -> Conversation:
    if not 1 <= pk <= MAX_ID:
        raise NotFound(_("No such conversation."), details={"conversation": pk})
    return queries.conversation_for(actor_of(request), pk, permission=permission)


def _fresh(conversation: Conversation) -> Conversation:
    return queries.conversation_for(None, conversation.pk)  # type: ignore[arg-type]


# --- the inbox ------------------------------------------------------------------------------


class InboxQuery(BaseModel):
    view: ViewName = "mine"
    channel: ChannelName | None = None
    shop: Annotated[str, StringConstraints(max_length=20)] | None = Field(default=None, description="shop code")
    intent: IntentName | None = None
    sla_state: SlaStateName | None = None
    status: StatusName | None = Field(default=None, description="default: open, pending and snoozed")
    q: Annotated[str, StringConstraints(max_length=100)] | None = None


@router.get("/service/conversations", response={200: list[ConversationOut], **ERROR_RESPONSES})
def inbox(request: HttpRequest, query: Query[InboxQuery]) -> Any:
    """One inbox view (mine, unassigned, team, all), newest message first, at most 200;
    filters by channel, shop, intent, SLA state, status and a search `q`."""
    shop_id = None
    if query.shop:
        shop_id = Shop.objects.filter(code=query.shop).values_list("pk", flat=True).first()
        if shop_id is None:
            raise ValidationFailed({"shop": _("no shop has the code %(code)s") % {"code": query.shop}})
    rows = queries.inbox(
        actor=actor_of(request),
        view=query.view,
        channel=query.channel,
        shop_id=shop_id,
        intent=query.intent,
        sla_state=query.sla_state,
        status=query.status,
        q=query.q,
    )
    return [conversation_out(row) for row in rows]


@router.get("/service/conversations/counts", response={200: CountsOut, **ERROR_RESPONSES})
def inbox_counts(request: HttpRequest) -> Any:
    """How many active conversations each view holds."""
    return queries.counts(actor_of(request))


class OpenIn(Strict):
    shop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = Field(
        description="shop code"
    )
    channel: Literal["phone", "email"] = Field(description="the desk starts phone and email conversations")
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    order: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = Field(
        default=None, description="order number"
    )
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    language: Literal["zh-hans", "en"] = "zh-hans"


@router.post("/service/conversations", response={201: ConversationOut, **ERROR_RESPONSES})
def open_conversation(request: HttpRequest, payload: OpenIn) -> Status[Any]:
    """Start a conversation with a buyer (the agent calls or writes first)."""
    actor = actor_of(request)
    require(actor, "service.reply")
    shop = Shop.objects.filter(code=payload.shop).first()
    bad: dict[str, str] = {}
    if shop is None:
        bad["shop"] = _("no shop has the code %(code)s") % {"code": payload.shop}
    customer = order = None
    if payload.customer_id is not None:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            bad["customer_id"] = _("no such buyer")
    if payload.order:
        order = Order.objects.filter(number=payload.order).first()
        if order is None:
            bad["order"] = _("no such order")
    if bad:
        raise ValidationFailed(bad)
    assert shop is not None
    require_access(actor, Conversation(shop=shop), "service.reply")
    conversation = conversations.open_conversation(
        shop=shop,
        channel=payload.channel,
        customer=customer,
        order=order,
        contact=payload.contact,
        contact_name=payload.contact_name,
        subject=payload.subject,
        language=payload.language,
    )
    return Status(201, conversation_out(_fresh(conversation)))


@router.get("/service/conversations/{conversation_id}", response={200: ConversationDetailOut, **ERROR_RESPONSES})
def get_conversation(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """The conversation, the moves it allows now, and the buyer's past conversations."""
    return _detail(_conversation(request, conversation_id))


class MessagesQuery(BaseModel):
    after: int = Field(default=0, ge=0, le=MAX_ID, description="only messages with a larger id (catching up)")


@router.get("/service/conversations/{conversation_id}/messages", response={200: list[MessageOut], **ERROR_RESPONSES})
def list_messages(request: HttpRequest, conversation_id: Path[int], query: Query[MessagesQuery]) -> Any:
    """The messages (notes included) in order, after message id `after`, at most 500."""
    conversation = _conversation(request, conversation_id)
    return [message_out(message) for message in queries.messages_since(conversation, query.after)]


class ReplyIn(Strict):
    body: Body
    override_reason: ShortText = Field(default="", description="why a draft with a forbidden phrase is sent anyway")
    quick_reply_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=20)


@router.post("/service/conversations/{conversation_id}/messages", response={201: MessageOut, **ERROR_RESPONSES})
def send_reply(request: HttpRequest, conversation_id: Path[int], payload: ReplyIn) -> Status[Any]:
    """The agent's reply to the buyer, on the conversation's channel. A resolved
    conversation opens again. 409 forbidden_phrases when the draft holds a forbidden
    phrase and no override_reason is given (details.forbidden lists each with its polite
    wording); 422 over the size limit. With an Idempotency-Key, a retry answers the
    first reply again and sends nothing."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    actor = actor_of(request)
    # The catch of a forbidden phrase is kept even though the reply is refused: checked
    # before the idempotent transaction, which a refusal rolls back.
    conversations.check_forbidden(
        conversation=conversation, actor=actor, body=payload.body, override_reason=payload.override_reason
    )

    def produce() -> tuple[int, Any]:
        message = conversations.send_reply(
            conversation=conversation,
            actor=actor,
            body=payload.body,
            override_reason=payload.override_reason,
            quick_reply_ids=payload.quick_reply_ids,
        )
        return 201, message_out(message)

    return idempotent(request, produce)


@router.post(
    "/service/conversations/{conversation_id}/attachments",
    response={201: MessageOut, **ERROR_RESPONSES},
    openapi_extra=UPLOAD_BODY,
)
def send_images(request: HttpRequest, conversation_id: Path[int]) -> Status[Any]:
    """A reply with images (multipart: `files`, up to 5 JPEG/PNG/WebP/GIF judged by their
    content, re-encoded without metadata; optional `body` and `override_reason`).
    422 for a file that is not an image, 413 over the size limit; nothing stored then."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    files = read_files(request)
    message = conversations.send_reply(
        conversation=conversation,
        actor=actor_of(request),
        body=form_text(request, "body"),
        override_reason=form_text(request, "override_reason"),
        attachments=files,
    )
    return Status(201, message_out(message))


class ConversationNoteIn(Strict):
    body: Body


@router.post("/service/conversations/{conversation_id}/notes", response={201: MessageOut, **ERROR_RESPONSES})
def add_note(request: HttpRequest, conversation_id: Path[int], payload: ConversationNoteIn) -> Status[Any]:
    """A private note: agents see it, the buyer never does."""
    conversation = _conversation(request, conversation_id, permission="service.reply")

    def produce() -> tuple[int, Any]:
        message = conversations.add_note(conversation=conversation, actor=actor_of(request), body=payload.body)
        return 201, message_out(message)

    return idempotent(request, produce)


class CallIn(Strict):
    shop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = Field(
        description="shop code"
    )
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    duration_seconds: int = Field(ge=0, le=conversations.MAX_CALL_SECONDS)
    summary: Body
    inbound: bool = Field(default=True, description="the buyer called (false: the agent called)")
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="log it in this conversation")
    order: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


@router.post("/service/calls", response={201: MessageOut, **ERROR_RESPONSES})
def log_call(request: HttpRequest, payload: CallIn) -> Status[Any]:
    """Log a phone call (number, duration, summary): in a conversation, or in a new phone
    conversation of the shop."""
    actor = actor_of(request)
    require(actor, "service.reply")
    shop = Shop.objects.filter(code=payload.shop).first()
    if shop is None:
        raise ValidationFailed({"shop": _("no shop has the code %(code)s") % {"code": payload.shop}})
    conversation = None
    if payload.conversation_id is not None:
        conversation = queries.conversation_for(actor, payload.conversation_id, permission="service.reply")
    order = None
    if payload.order:
        order = Order.objects.filter(number=payload.order, shop=shop).first()
        if order is None:
            raise ValidationFailed({"order": _("no such order in this shop")})

    def produce() -> tuple[int, Any]:
        message = conversations.log_call(
            shop=shop,
            actor=actor,
            number=payload.number,
            duration_seconds=payload.duration_seconds,
            summary=payload.summary,
            inbound=payload.inbound,
            conversation=conversation,
            order=order,
        )
        return 201, message_out(message)

    return idempotent(request, produce)


# --- moves ----------------------------------------------------------------------------------


@router.post("/service/conversations/{conversation_id}/wait", response={200: ConversationOut, **ERROR_RESPONSES})
def wait_for_buyer(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """Pending: waiting for the buyer's answer (the clocks pause)."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    return conversation_out(_fresh(conversations.wait_for_buyer(conversation=conversation, actor=actor_of(request))))


class SnoozeIn(Strict):
    until: datetime = Field(description="a time with its zone, later than now, within 90 days")


@router.post("/service/conversations/{conversation_id}/snooze", response={200: ConversationOut, **ERROR_RESPONSES})
def snooze(request: HttpRequest, conversation_id: Path[int], payload: SnoozeIn) -> Any:
    """Snoozed until a time: woken then, or by the buyer's next message."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    until = payload.until
    try:
        until.utcoffset()
    except (OverflowError, ValueError):
        raise ValidationFailed({"until": _("is not a valid time")}) from None
    return conversation_out(
        _fresh(conversations.snooze(conversation=conversation, actor=actor_of(request), until=until))
    )


@router.post("/service/conversations/{conversation_id}/resolve", response={200: ConversationOut, **ERROR_RESPONSES})
def resolve(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """Resolved: the survey is sent (once), a follow-up scheduled where it helps."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    return conversation_out(_fresh(conversations.resolve(conversation=conversation, actor=actor_of(request))))


@router.post("/service/conversations/{conversation_id}/reopen", response={200: ConversationOut, **ERROR_RESPONSES})
def reopen(request: HttpRequest, conversation_id: Path[int]) -> Any:
    conversation = _conversation(request, conversation_id, permission="service.reply")
    return conversation_out(_fresh(conversations.reopen(conversation=conversation, actor=actor_of(request))))


class PriorityIn(Strict):
    priority: int = Field(ge=0, le=3, description="0 low, 1 normal, 2 high, 3 urgent")


@router.post("/service/conversations/{conversation_id}/priority", response={200: ConversationOut, **ERROR_RESPONSES})
def set_priority(request: HttpRequest, conversation_id: Path[int], payload: PriorityIn) -> Any:
    conversation = _conversation(request, conversation_id, permission="service.reply")
    return conversation_out(
        _fresh(
            conversations.set_priority(conversation=conversation, actor=actor_of(request), priority=payload.priority)
        )
    )


@router.post("/service/conversations/{conversation_id}/read", response={200: ConversationOut, **ERROR_RESPONSES})
def mark_read(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """The agent read the buyer's messages: their unread count goes to zero."""
    conversation = _conversation(request, conversation_id)
    return conversation_out(_fresh(conversations.mark_read(conversation=conversation, actor=actor_of(request))))


@router.post("/service/conversations/{conversation_id}/complaint", response={200: ConversationOut, **ERROR_RESPONSES})
def mark_complaint(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """Mark a complaint: high priority and the complaint procedure's checklist."""
    conversation = _conversation(request, conversation_id, permission="service.reply")
    return conversation_out(_fresh(conversations.mark_complaint(conversation=conversation, actor=actor_of(request))))


@router.get(
    "/service/conversations/{conversation_id}/events", response={200: list[ConversationEventOut], **ERROR_RESPONSES}
)
def timeline(request: HttpRequest, conversation_id: Path[int]) -> Any:
    """The conversation's timeline, each event rendered in the reader's language."""
    conversation = _conversation(request, conversation_id)
    rows = ConversationEvent.objects.filter(conversation=conversation).select_related("actor").order_by("at", "pk")
    return [
        {
            "id": event.pk,
            "code": event.code,
            "text": event.text,
            "data": event.data,
            "actor": display_name(event.actor) if event.actor_id else None,
            "at": local_time(event.at),
        }
        for event in rows[:1000]
    ]


@router.get("/service/attachments/{attachment_id}", response={**ERROR_RESPONSES}, openapi_extra={"responses": BINARY})
def attachment_file(request: HttpRequest, attachment_id: Path[int]) -> HttpResponseBase:
    """The stored image (staff who serve the conversation's shop)."""
    if not 1 <= attachment_id <= MAX_ID:
        raise NotFound(_("No such file."), details={"attachment": attachment_id})
    item = Attachment.objects.select_related("message__conversation").filter(pk=attachment_id).first()
    if item is None:
        raise NotFound(_("No such file."), details={"attachment": attachment_id})
    require_access(actor_of(request), item.message.conversation, "service.view")
    return file_response(item)


# --- inbound mailboxes ------------------------------------------------------------------------


class MailboxOut(BaseModel):
    id: int
    shop: str
    address: str


class MailboxIn(Strict):
    shop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = Field(
        description="shop code"
    )
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)] = Field(
        description="the address `sellerdesk mailin` receives for"
    )


@router.get("/service/mailboxes", response={200: list[MailboxOut], **ERROR_RESPONSES})
def list_mailboxes(request: HttpRequest) -> Any:
    """The shops' inbound email addresses."""
    require(actor_of(request), "service.view")
    return [
        {"id": box.pk, "shop": box.shop.code, "address": box.address}
        for box in Mailbox.objects.select_related("shop").order_by("address")[:500]
    ]


@router.post("/service/mailboxes", response={201: MailboxOut, **ERROR_RESPONSES})
def add_mailbox(request: HttpRequest, payload: MailboxIn) -> Status[Any]:
    """Receive email for a new address (service.configure); 409 when it is taken."""
    box = inbound_email.add_mailbox(shop_code=payload.shop, address=payload.address, actor=actor_of(request))
    return Status(201, {"id": box.pk, "shop": box.shop.code, "address": box.address})


@router.delete("/service/mailboxes/{mailbox_id}", response={204: None, **ERROR_RESPONSES})
def remove_mailbox(request: HttpRequest, mailbox_id: Path[int]) -> Status[None]:
    """Stop receiving for an address (its conversations stay)."""
    inbound_email.remove_mailbox(mailbox_id=mailbox_id, actor=actor_of(request))
    return Status(204, None)
