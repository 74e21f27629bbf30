"""Every write on a conversation: opening it, the buyer's and the agent's messages,
notes, logged calls, and its moves (wait, snooze, resolve, reopen), priority and reads.

Each action is one transaction: the conversation's row is locked (`select_for_update`),
the move checked against service.states, the timeline written (service.events), and the
other parts told in the same transaction through their interfaces — intents, sla,
routing, figures, complaints, surveys, follow-ups — and realtime, which publishes after
the commit. Deliveries leave the machine after the commit only (marketplace replies) or
through the notifications outbox (email replies). Bad input raises a domain error before
anything is written.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.notifications import outbox
from sellerdesk.orders.models import Order
from sellerdesk.service import attachments as attachment_files
from sellerdesk.service import (
    complaints,
    events,
    figures,
    forbidden,
    intents,
    quickreplies,
    realtime,
    routing,
    sla,
)
from sellerdesk.service.access import require_access
from sellerdesk.service.attachments import IncomingFile
from sellerdesk.service.lifecycle import (
    DEFAULT_MAX_MESSAGE_CHARS,
    DEFAULT_REOPEN_WITHIN_HOURS,
    MAX_CALL_SECONDS,
    MAX_EXTERNAL_ID,
    MAX_OVERRIDE_REASON,
    MAX_SNOOZE,
    business_seconds_since,
    clean_body,
    clip,
    locked,
    max_message_chars,
    now,
    preview,
    reopen_locked,
    service_setting,
)
from sellerdesk.service.models import (
    PRE_SALE_INTENTS,
    UNCLASSIFIED,
    Conversation,
    ConversationChannel,
    ConversationStatus,
    ForbiddenHit,
    Message,
    MessageKind,
    PhoneCall,
    Priority,
    Skill,
)
from sellerdesk.service.moves import (
    buyer_read,
    mark_complaint,
    mark_read,
    reopen,
    resolve,
    set_priority,
    snooze,
    wait_for_buyer,
)
from sellerdesk.service.states import ACTIVE_STATUSES
from sellerdesk.shops.models import Shop, default_shop

# The outbox's kind for a desk message sent by email or to a marketplace
# (notifications.models.MessageKind).
EMAIL_KIND = "service_message"
# The outbox key of a reply to a marketplace thread: sent on the outbox's chat channel,
# which hands it to service.subscribers (the marketplace adapter), with the outbox's
# retries, recorded attempts and dead letters.
MARKETPLACE_REPLY_KEY = "service:marketplace:"


class ForbiddenPhrases(Conflict):
    """The draft holds forbidden phrases and no reason to send it anyway was given (409);
    details["forbidden"] lists each hit with its polite alternative."""

    def __init__(self, hits: Sequence[forbidden.Hit]) -> None:
        super().__init__(
            "forbidden_phrases",
            _("The reply contains a forbidden phrase: %(phrases)s. Use the polite wording or give a reason.")
            % {"phrases": "、".join(hit.phrase for hit in hits)},
            details={
                "forbidden": [
                    {"phrase": hit.phrase, "alternative": hit.alternative, "start": hit.start, "end": hit.end}
                    for hit in hits
                ]
            },
        )
        self.hits = list(hits)


# --- opening --------------------------------------------------------------------------------


def open_conversation(
    *,
    shop: Shop,
    channel: str,
    customer: Customer | None = None,
    order: Order | None = None,
    contact: str = "",
    contact_name: str = "",
    subject: str = "",
    external_thread: str = "",
    language: str = "zh-hans",
    at: datetime | None = None,
) -> Conversation:
    """A new open conversation with a buyer on `channel` (its clocks started, counted in
    the day's figures). The buyer is `customer`, else the order's; an order of another
    buyer or shop is refused (422)."""
    at = now(at)
    bad: dict[str, str] = {}
    if channel not in ConversationChannel.values:
        bad["channel"] = _("one of %(values)s") % {"values": ", ".join(ConversationChannel.values)}
    if order is not None:
        if order.shop_id != shop.pk:
            bad["order"] = _("is an order of another shop")
        elif customer is None:
            customer = order.customer
        elif order.customer_id is not None and order.customer_id != customer.pk:
            bad["order"] = _("is an order of another buyer")
    if customer is not None and customer.shop_id != shop.pk:
        bad["customer"] = _("is a buyer of another shop")
    external_thread = (external_thread or "").replace("\x00", "").strip()
    if len(external_thread) > MAX_EXTERNAL_ID:
        bad["external_thread"] = _("at most %(count)s characters") % {"count": MAX_EXTERNAL_ID}
    language = (language or "zh-hans").strip().lower()
    if language not in {code.lower() for code, _name in settings.LANGUAGES}:
        bad["language"] = _("one of %(values)s") % {"values": ", ".join(code for code, _name in settings.LANGUAGES)}
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            shop=shop,
            customer=customer,
            order=order,
            channel=channel,
            external_thread=external_thread,
            contact=clip(contact, 200),
            contact_name=clip(contact_name or (customer.name if customer else ""), 100),
            subject=clip(subject, 200),
            language=language,
            status=ConversationStatus.OPEN,
            created_at=at,
            last_message_at=at,
        )
        events.record_event(conversation=conversation, code=events.OPENED, at=at, channel=channel)
        sla.on_opened(conversation, at=at)
        figures.conversation_opened(conversation, at=at)
        realtime.publish_conversation(conversation)
    return conversation


def _shop_of_buyer(customer: Customer, order: Order | None) -> Shop:
    if order is not None:
        return order.shop
    return customer.shop if customer.shop_id else default_shop()


def conversation_for_buyer(
    *, customer: Customer, order: Order | None = None, at: datetime | None = None
) -> Conversation:
    """The buyer's web chat: their active (open, pending or snoozed) web conversation,
    else their latest one with a message in the last SERVICE["REOPEN_WITHIN_HOURS"] (24)
    hours — resolved, it opens again when they write — else a new one. `order` becomes
    the conversation's current order when it is the buyer's."""
    at = now(at)
    if order is not None and order.customer_id != customer.pk:
        raise ValidationFailed({"order": _("is not your order")})
    with transaction.atomic():
        # The buyer's row serialises two first messages sent at once: one conversation.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        chats = Conversation.objects.filter(customer=customer, channel=ConversationChannel.WEB)
        found = chats.filter(status__in=list(ACTIVE_STATUSES)).order_by("-last_message_at", "-pk").first()
        if found is None:
            recent = at - timedelta(hours=service_setting("REOPEN_WITHIN_HOURS", DEFAULT_REOPEN_WITHIN_HOURS))
            found = chats.filter(last_message_at__gte=recent).order_by("-last_message_at", "-pk").first()
        if found is not None:
            if order is not None and found.order_id != order.pk:
                found.order = order
                found.save(update_fields=["order"])
            return found
        return open_conversation(
            shop=_shop_of_buyer(customer, order),
            channel=ConversationChannel.WEB,
            customer=customer,
            order=order,
            contact=customer.phone,
            contact_name=customer.name,
            at=at,
        )


def conversation_for_notice(
    *, customer: Customer, order: Order | None = None, at: datetime | None = None
) -> Conversation:
    """Where a notification sent by chat goes: the buyer's latest web conversation, in
    whatever status (a notice neither opens nor resolves anything), else a new one kept
    resolved — a notice is no question to answer, so it does not sit in an inbox or
    start a clock; the buyer's reply opens it like any resolved conversation."""
    at = now(at)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        found = (
            Conversation.objects.filter(customer=customer, channel=ConversationChannel.WEB)
            .order_by("-last_message_at", "-pk")
            .first()
        )
        if found is not None:
            return found
        conversation = Conversation.objects.create(
            shop=_shop_of_buyer(customer, order),
            customer=customer,
            order=order,
            channel=ConversationChannel.WEB,
            contact=customer.phone,
            contact_name=clip(customer.name, 100),
            status=ConversationStatus.RESOLVED,
            created_at=at,
            last_message_at=at,
            resolved_at=at,
        )
        events.record_event(conversation=conversation, code=events.OPENED, at=at, channel=ConversationChannel.WEB)
    return conversation


# --- the buyer writes ------------------------------------------------------------------------


def _existing(channel: str, external_id: str) -> Message | None:
    if not external_id:
        return None
    return Message.objects.filter(channel=channel, external_id=external_id).first()


def receive_buyer_message(
    *,
    conversation: Conversation,
    body: str,
    at: datetime | None = None,
    external_id: str = "",
    attachments: Sequence[IncomingFile] = (),
) -> Message:
    """Store a buyer message. The same channel message id stored before returns that
    message and changes nothing. A pending, snoozed or resolved conversation opens again;
    the message's intent is classified (a complaint starts the complaint procedure); the
    reply clock starts; unassigned conversations are routed; the desk is told live."""
    at = now(at)
    body = clean_body(body, required=not attachments)
    external_id = (external_id or "").replace("\x00", "").strip()
    if len(external_id) > MAX_EXTERNAL_ID:
        raise ValidationFailed({"external_id": _("at most %(count)s characters") % {"count": MAX_EXTERNAL_ID}})
    known = _existing(conversation.channel, external_id)
    if known is not None:
        return known
    stored = attachment_files.store(attachments, at=at)
    try:
        with transaction.atomic():
            conversation = locked(conversation)
            known = _existing(conversation.channel, external_id)
            if known is not None:
                attachment_files.discard(stored)
                return known
            try:
                # A savepoint: a twin push that stored the id first (PostgreSQL waits for
                # its commit) fails this INSERT without spoiling the transaction.
                with transaction.atomic():
                    message = Message.objects.create(
                        conversation=conversation,
                        kind=MessageKind.BUYER,
                        body=body,
                        channel=conversation.channel,
                        external_id=external_id,
                        created_at=at,
                    )
            except IntegrityError:
                known = _existing(conversation.channel, external_id)
                if known is None:
                    raise
                attachment_files.discard(stored)
                return known
            attachment_files.attach(message, stored)
            _after_buyer_message(conversation, message, at=at)
    except BaseException:
        attachment_files.discard(stored)
        raise
    return message


def _after_buyer_message(conversation: Conversation, message: Message, *, at: datetime) -> None:
    if conversation.status != ConversationStatus.OPEN:
        reopen_locked(conversation, actor=None, at=at)
    prediction = intents.classify(message.body) if message.body else intents.Prediction(UNCLASSIFIED, 0.0)
    message.intent = prediction.intent
    message.intent_confidence = prediction.confidence
    message.save(update_fields=["intent", "intent_confidence"])
    became_complaint = False
    if prediction.intent != UNCLASSIFIED:
        became_complaint = prediction.intent == "complaint" and conversation.intent != "complaint"
        conversation.intent = prediction.intent
        conversation.intent_confidence = prediction.confidence
        if not conversation.skill or conversation.assignee_id is None:
            conversation.skill = Skill.PRE_SALE if prediction.intent in PRE_SALE_INTENTS else Skill.AFTER_SALE
    conversation.unread_agent += 1
    conversation.last_message_at = at
    conversation.last_message_preview = preview(message.body, message.attachments.count())
    if conversation.waiting_since is None:
        conversation.waiting_since = at
    conversation.save(
        update_fields=[
            "intent",
            "intent_confidence",
            "skill",
            "unread_agent",
            "last_message_at",
            "last_message_preview",
            "waiting_since",
        ]
    )
    if became_complaint:
        if conversation.priority < Priority.HIGH:
            conversation.priority = Priority.HIGH
            conversation.save(update_fields=["priority"])
        complaints.on_complaint(conversation, at=at)
    sla.on_buyer_message(conversation, at=at)
    if conversation.assignee_id is None:
        routing.route(conversation, at=at)
    realtime.publish_message(message)
    realtime.publish_conversation(conversation)


# --- the agent writes ------------------------------------------------------------------------


def _record_hits(
    *, conversation: Conversation, actor: User, draft: str, hits: Sequence[forbidden.Hit], reason: str, at: datetime
) -> None:
    for hit in hits:
        ForbiddenHit.objects.create(
            agent=actor,
            conversation=conversation,
            phrase_id=hit.phrase_id,
            phrase_text=hit.phrase[:100],
            draft=draft,
            sent_anyway=bool(reason),
            reason=reason,
            at=at,
        )
        figures.forbidden_hit(conversation, agent_id=actor.pk, shop_id=conversation.shop_id, at=at)


def _first_buyer_message_at(conversation: Conversation) -> datetime:
    first = (
        Message.objects.filter(conversation=conversation, kind=MessageKind.BUYER)
        .order_by("created_at", "pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return first or conversation.created_at


def _deliver(conversation: Conversation, message: Message, *, at: datetime) -> None:
    """Send an agent's message to the buyer on the conversation's channel: web chat and
    phone need nothing more than the live publish; a marketplace or an email reply is an
    outbox row in this transaction (sent after the commit, retried until it goes)."""
    if conversation.channel == ConversationChannel.MARKETPLACE:
        # No customer on the row: the portal's inbox lists chat messages of a customer,
        # and this one lives in the marketplace's thread.
        row = outbox.enqueue(
            kind=EMAIL_KIND,
            channel="im",
            recipient=conversation.external_thread or conversation.contact,
            key=f"{MARKETPLACE_REPLY_KEY}{message.pk}",
            at=at,
            text=message.body,
            params={"text": message.body, "shop_name": conversation.shop.name},
            shop=conversation.shop,
            language=conversation.language,
            transactional=True,
        )
        if row is not None:
            message.outgoing_message_id = row.pk
            message.save(update_fields=["outgoing_message_id"])
    elif conversation.channel == ConversationChannel.EMAIL and conversation.contact:
        subject = conversation.subject or _("Your message to %(shop)s") % {"shop": conversation.shop.name}
        row = outbox.enqueue(
            kind=EMAIL_KIND,
            channel="email",
            recipient=conversation.contact,
            key=f"service:message:{message.pk}",
            at=at,
            text=message.body,
            subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
            params={"text": message.body, "shop_name": conversation.shop.name},
            customer=conversation.customer,
            shop=conversation.shop,
            language=conversation.language,
            transactional=True,
        )
        if row is not None:
            message.outgoing_message_id = row.pk
            message.save(update_fields=["outgoing_message_id"])


def check_forbidden(
    *, conversation: Conversation, actor: User, body: str, override_reason: str = "", at: datetime | None = None
) -> list[forbidden.Hit]:
    """The forbidden phrases in an agent's draft. With hits and no `override_reason`, the
    catch is recorded (ForbiddenHit, sent_anyway False, committed whatever the caller's
    transaction does next) and ForbiddenPhrases is raised; otherwise the hits are
    answered (recorded with the reason when the reply is sent). Callers that wrap
    send_reply in a transaction of their own (an Idempotency-Key) call this first."""
    at = now(at)
    body = (body or "").replace("\x00", "").strip()
    hits = forbidden.check_draft(body) if body else []
    if hits and not (override_reason or "").strip():
        with transaction.atomic():
            _record_hits(conversation=conversation, actor=actor, draft=body, hits=hits, reason="", at=at)
        raise ForbiddenPhrases(hits)
    return hits


def send_reply(
    *,
    conversation: Conversation,
    actor: User,
    body: str,
    at: datetime | None = None,
    override_reason: str = "",
    attachments: Sequence[IncomingFile] = (),
    quick_reply_ids: Sequence[int] = (),
) -> Message:
    """Send an agent's reply to the buyer.

    Refused before anything is written: another shop's conversation (403), an empty or
    too long body (422), attachments that are not images (422). A draft with forbidden
    phrases is refused with ForbiddenPhrases (409, each hit with its polite wording) and
    the catch is recorded (ForbiddenHit, sent_anyway False) unless `override_reason`
    says why it is sent anyway (then recorded with the reason on the hit, the message
    and the timeline). A resolved conversation opens again. The first reply counts in
    the figures; the reply clock is met; the buyer gets it on the conversation's channel."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    body = clean_body(body, required=not attachments)
    override_reason = (override_reason or "").replace("\x00", "").strip()
    if len(override_reason) > MAX_OVERRIDE_REASON:
        raise ValidationFailed({"override_reason": _("at most %(count)s characters") % {"count": MAX_OVERRIDE_REASON}})
    # A reply inserted twice in one message counts twice (quickreplies.record_use).
    reply_ids = [int(pk) for pk in quick_reply_ids]
    hits = check_forbidden(conversation=conversation, actor=actor, body=body, override_reason=override_reason, at=at)
    stored = attachment_files.store(attachments, at=at)
    try:
        with transaction.atomic():
            conversation = locked(conversation)
            if conversation.status == ConversationStatus.RESOLVED:
                reopen_locked(conversation, actor=actor, at=at)
            if conversation.assignee_id is None:
                _take_on_reply(conversation, actor=actor, at=at)
            message = Message.objects.create(
                conversation=conversation,
                kind=MessageKind.AGENT,
                author=actor,
                body=body,
                channel=conversation.channel,
                override_reason=override_reason if hits else "",
                created_at=at,
            )
            attachment_files.attach(message, stored)
            if hits:
                _record_hits(
                    conversation=conversation, actor=actor, draft=body, hits=hits, reason=override_reason, at=at
                )
                for hit in hits:
                    events.record_event(
                        conversation=conversation,
                        code=events.SENT_ANYWAY,
                        actor=actor,
                        at=at,
                        phrase=hit.phrase,
                        reason=override_reason,
                        message_id=message.pk,
                    )
            fields = ["unread_buyer", "last_message_at", "last_message_preview", "waiting_since"]
            if conversation.first_response_at is None:
                conversation.first_response_at = at
                fields.append("first_response_at")
                figures.first_response(
                    conversation,
                    business_seconds=business_seconds_since(conversation, _first_buyer_message_at(conversation), at),
                    at=at,
                )
            conversation.unread_buyer += 1
            conversation.last_message_at = at
            conversation.last_message_preview = preview(body, len(stored))
            conversation.waiting_since = None
            conversation.save(update_fields=fields)
            sla.on_agent_reply(conversation, at=at)
            if reply_ids:
                quickreplies.record_use(reply_ids)
            _deliver(conversation, message, at=at)
            realtime.publish_message(message)
            realtime.publish_conversation(conversation)
    except BaseException:
        attachment_files.discard(stored)
        raise
    return message


def _take_on_reply(conversation: Conversation, *, actor: User, at: datetime) -> None:
    """An agent who answers an unassigned conversation takes it, as agents of the desks
    they come from expect (the reply and the figures are theirs), when routing lets them:
    an agent profile, online, serving the shop, room under the cap. Otherwise the reply
    still goes and the conversation stays in the queue."""
    try:
        routing.assign(conversation=conversation, agent=actor, actor=actor, at=at, reason="replied")
    except (Conflict, ValidationFailed, PermissionDenied):
        return
    conversation.refresh_from_db(fields=["assignee", "last_assignee", "team"])


def add_note(*, conversation: Conversation, actor: User, body: str, at: datetime | None = None) -> Message:
    """A private note on the conversation: agents see it, the buyer never does."""
    at = now(at)
    require_access(actor, conversation, "service.reply")
    body = clean_body(body)
    with transaction.atomic():
        conversation = locked(conversation)
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.NOTE,
            author=actor,
            body=body,
            channel=conversation.channel,
            created_at=at,
        )
        realtime.publish_message(message)
    return message


def _clean_number(number: str) -> str:
    cleaned = "".join(ch for ch in (number or "") if not ch.isspace())
    if not cleaned or len(cleaned) > 32 or not all(ch.isdigit() or ch in "+-()#*" for ch in cleaned):
        raise ValidationFailed({"number": _("is not a phone number")})
    return cleaned


def log_call(
    *,
    shop: Shop,
    actor: User,
    number: str,
    duration_seconds: int,
    summary: str,
    inbound: bool = True,
    conversation: Conversation | None = None,
    customer: Customer | None = None,
    order: Order | None = None,
    at: datetime | None = None,
) -> Message:
    """Log a phone call the agent had with a buyer (number, duration, what was said): a
    call message in `conversation`, or in a new phone conversation of `shop`."""
    at = now(at)
    number = _clean_number(number)
    bad: dict[str, str] = {}
    if not isinstance(duration_seconds, int) or not 0 <= duration_seconds <= MAX_CALL_SECONDS:
        bad["duration_seconds"] = _("between 0 and %(max)s") % {"max": MAX_CALL_SECONDS}
    if conversation is not None and conversation.shop_id != shop.pk:
        bad["conversation"] = _("is a conversation of another shop")
    if bad:
        raise ValidationFailed(bad)
    summary = clean_body(summary, field="summary")
    if conversation is not None:
        require_access(actor, conversation, "service.reply")
    else:
        require_access(actor, Conversation(shop=shop), "service.reply")
    with transaction.atomic():
        if conversation is None:
            conversation = open_conversation(
                shop=shop,
                channel=ConversationChannel.PHONE,
                customer=customer,
                order=order,
                contact=number,
                external_thread=number,
                at=at,
            )
        conversation = locked(conversation)
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.CALL,
            author=actor,
            body=summary,
            channel=ConversationChannel.PHONE,
            created_at=at,
        )
        PhoneCall.objects.create(message=message, number=number, inbound=inbound, duration_seconds=duration_seconds)
        events.record_event(
            conversation=conversation,
            code=events.CALL_LOGGED,
            actor=actor,
            at=at,
            number=number,
            duration_seconds=duration_seconds,
            inbound=inbound,
            message_id=message.pk,
        )
        conversation.last_message_at = at
        conversation.last_message_preview = preview(summary, 0)
        fields = ["last_message_at", "last_message_preview"]
        if conversation.first_response_at is None:
            # A call is the agent speaking with the buyer: the first response.
            conversation.first_response_at = at
            fields.append("first_response_at")
        conversation.save(update_fields=fields)
        realtime.publish_message(message)
        realtime.publish_conversation(conversation)
    return message


def post_system_message(
    *, conversation: Conversation, body: str, at: datetime | None = None, outgoing_message_id: int | None = None
) -> Message:
    """A message the system writes to the buyer in the conversation (a notification sent
    by chat, the survey's link): shown to both sides, unread for the buyer. The same
    outbox message posted twice is stored once."""
    at = now(at)
    body = clean_body(body)
    with transaction.atomic():
        conversation = locked(conversation)
        if outgoing_message_id is not None:
            known = Message.objects.filter(conversation=conversation, outgoing_message_id=outgoing_message_id).first()
            if known is not None:
                return known
        message = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.SYSTEM,
            body=body,
            channel=conversation.channel,
            outgoing_message_id=outgoing_message_id,
            created_at=at,
        )
        conversation.unread_buyer += 1
        conversation.last_message_at = at
        conversation.last_message_preview = preview(body, 0)
        conversation.save(update_fields=["unread_buyer", "last_message_at", "last_message_preview"])
        realtime.publish_message(message)
        realtime.publish_conversation(conversation)
    return message


__all__ = [
    "DEFAULT_MAX_MESSAGE_CHARS",
    "MAX_CALL_SECONDS",
    "MAX_EXTERNAL_ID",
    "MAX_OVERRIDE_REASON",
    "MAX_SNOOZE",
    "ForbiddenPhrases",
    "add_note",
    "business_seconds_since",
    "buyer_read",
    "check_forbidden",
    "conversation_for_buyer",
    "conversation_for_notice",
    "locked",
    "log_call",
    "mark_complaint",
    "mark_read",
    "max_message_chars",
    "open_conversation",
    "post_system_message",
    "receive_buyer_message",
    "reopen",
    "resolve",
    "send_reply",
    "set_priority",
    "snooze",
    "wait_for_buyer",
]
