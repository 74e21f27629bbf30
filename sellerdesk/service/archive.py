"""The chat archive (聊天记录存档, seed 000): conversations exported per buyer and per date
range as JSON (to keep, or to hand to a colleague who merges it into their desk) and as a
readable transcript (text or PDF, evidence in a dispute); an exported archive imported
back without duplicates; conversations kept for a configurable period (SERVICE
RETENTION_DAYS) and purged after it by the "service.retention" job.

Identity, so that an archive merges rather than copies:
- a conversation is known by its shop, channel and thread (the marketplace session, the
  email's first Message-ID) or, without a thread, by its buyer (customer identity, else
  the contact) and the moment it opened;
- a message by its channel id (external_id) or, without one, by a hash of its kind, time
  and words (`message_key`). A message imported without a channel id keeps that key as
  its external_id, so the database's unique (channel, external_id) refuses a second copy
  even from two imports at once.
Imported conversations that did not exist are history: they arrive resolved, outside
every inbox and clock. Attachments are listed in the archive (name, type, size), not
carried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sellerdesk.core import limits, pdf
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.service import config
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.models import (
    Attachment,
    Conversation,
    ConversationChannel,
    ConversationStatus,
    Message,
    MessageKind,
    PhoneCall,
)
from sellerdesk.shops.models import Shop

FORMAT = "sellerdesk.chat-archive"
VERSION = 1
MAX_BYTES = 50 * 1024 * 1024
MAX_CONVERSATIONS = 20_000
MAX_BODY = 20_000
DEFAULT_RETENTION_DAYS = 730
PURGE_BATCH = 200


# --- identity ------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def content_key(*, kind: str, created_at: datetime, body: str) -> str:
    """The key of a message without a channel id: its kind, time (UTC, to the microsecond)
    and words, hashed."""
    digest = hashlib.sha256(f"{kind}\x1f{_utc(created_at)}\x1f{body}".encode()).hexdigest()
    return "h:" + digest[:40]


def message_key(message: Message) -> str:
    """A message's identity across databases: its channel id, else its content key."""
    return message.external_id or content_key(kind=message.kind, created_at=message.created_at, body=message.body)


def _buyer_identity(conversation: Conversation) -> str:
    if conversation.customer is not None:
        return "customer:" + conversation.customer.identity
    return "contact:" + conversation.contact


# --- export --------------------------------------------------------------------------------


def conversations_for_export(
    *,
    actor: User | None = None,
    customer: Customer | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    shop_id: int | None = None,
    conversation_ids: Iterable[int] | None = None,
) -> QuerySet[Conversation]:
    """The conversations an export holds: of the buyer, with a message in [start, end),
    of the shops the actor serves; oldest first, messages prefetched (those in the range)."""
    rows = Conversation.objects.select_related("shop", "customer", "order")
    if actor is not None:
        require(actor, "service.view")
        shops = agent_shop_ids(actor)
        if shops is not None:
            rows = rows.filter(shop_id__in=shops)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if shop_id is not None:
        rows = rows.filter(shop_id=shop_id)
    if conversation_ids is not None:
        rows = rows.filter(pk__in=list(conversation_ids))
    in_range = Q()
    if start is not None:
        in_range &= Q(created_at__gte=start)
    if end is not None:
        in_range &= Q(created_at__lt=end)
    if start is not None or end is not None:
        rows = rows.filter(pk__in=Message.objects.filter(in_range).values("conversation_id"))
    messages = (
        Message.objects.filter(in_range)
        .select_related("author", "call")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return rows.prefetch_related(Prefetch("messages", queryset=messages)).order_by("created_at", "pk")


def _message_json(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": message_key(message),
        "kind": message.kind,
        "channel": message.channel,
        "external_id": message.external_id,
        "author": message.author.username if message.author else "",
        "author_name": message.author.signature if message.author else "",
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
        "intent": message.intent,
        "override_reason": message.override_reason,
        "attachments": [
            {"name": item.original_name, "content_type": item.content_type, "size": item.size}
            for item in message.attachments.all()
        ],
    }
    call = getattr(message, "call", None) if message.kind == MessageKind.CALL else None
    if call is not None:
        data["call"] = {"number": call.number, "inbound": call.inbound, "duration_seconds": call.duration_seconds}
    return data


def _conversation_json(conversation: Conversation) -> dict[str, Any]:
    customer = conversation.customer
    return {
        "shop": conversation.shop.code,
        "channel": conversation.channel,
        "external_thread": conversation.external_thread,
        "buyer": _buyer_identity(conversation),
        "customer": {"identity": customer.identity, "name": customer.name} if customer else None,
        "contact": conversation.contact,
        "contact_name": conversation.contact_name,
        "order": conversation.order.number if conversation.order else "",
        "subject": conversation.subject,
        "language": conversation.language,
        "status": conversation.status,
        "intent": conversation.intent,
        "created_at": conversation.created_at.isoformat(),
        "resolved_at": conversation.resolved_at.isoformat() if conversation.resolved_at else None,
        "messages": [_message_json(message) for message in conversation.messages.all()],
    }


def export_json(
    *,
    customer: Customer | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: User | None = None,
    shop_id: int | None = None,
    conversation_ids: Iterable[int] | None = None,
) -> bytes:
    """The archive as UTF-8 JSON: {"format", "version", "exported_at", "conversations": [
    {shop, channel, external_thread, buyer, customer, contact…, "messages": [{key, kind,
    channel, external_id, author, body, created_at, call?, attachments}]}]} — the
    conversations of `customer` (all buyers when None) with a message in [start, end),
    only the messages in that range. `import_archive` reads it back."""
    rows = conversations_for_export(
        actor=actor, customer=customer, start=start, end=end, shop_id=shop_id, conversation_ids=conversation_ids
    )
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "conversations": [_conversation_json(conversation) for conversation in rows.iterator(chunk_size=200)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- readable transcripts ------------------------------------------------------------------


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment, timezone.get_default_timezone()):%Y-%m-%d %H:%M:%S}"


def _who(message: Message, conversation: Conversation) -> str:
    author = message.author.signature if message.author else ""
    if message.kind == MessageKind.BUYER:
        buyer = conversation.contact_name or (conversation.customer.name if conversation.customer else "")
        return _("Buyer %(name)s") % {"name": buyer or conversation.contact}
    if message.kind == MessageKind.AGENT:
        return _("Agent %(name)s") % {"name": author}
    if message.kind == MessageKind.NOTE:
        return _("Private note by %(name)s") % {"name": author}
    if message.kind == MessageKind.CALL:
        call = getattr(message, "call", None)
        if call is None:
            return _("Phone call, %(name)s") % {"name": author}
        minutes, seconds = divmod(call.duration_seconds, 60)
        return _("Phone call %(direction)s %(number)s, %(minutes)s min %(seconds)s s, %(name)s") % {
            "direction": _("from") if call.inbound else _("to"),
            "number": call.number,
            "minutes": minutes,
            "seconds": seconds,
            "name": author,
        }
    return _("System")


def _heading(conversation: Conversation) -> str:
    buyer = conversation.contact_name or (conversation.customer.name if conversation.customer else "")
    parts = [
        _("Conversation #%(id)s") % {"id": conversation.pk},
        conversation.shop.name,
        str(ConversationChannel(conversation.channel).label),
        buyer or conversation.contact,
        _local(conversation.created_at),
        str(ConversationStatus(conversation.status).label),
    ]
    if conversation.order is not None:
        parts.append(_("order %(number)s") % {"number": conversation.order.number})
    return " · ".join(part for part in parts if part)


def _lines(conversation: Conversation) -> Iterator[str]:
    for message in conversation.messages.all():
        names = ", ".join(item.original_name or item.content_type for item in message.attachments.all())
        body = message.body + (f" [{_('images')}: {names}]" if names else "")
        yield f"[{_local(message.created_at)}] {_who(message, conversation)}: {body}"


def export_text(
    *,
    customer: Customer | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: User | None = None,
    shop_id: int | None = None,
    conversation_ids: Iterable[int] | None = None,
) -> str:
    """A readable transcript, in the reader's language and Shanghai time: per conversation
    a heading (number, shop, channel, buyer, when, status, order) and one line per
    message "[time] who: words" (private notes marked as such)."""
    rows = conversations_for_export(
        actor=actor, customer=customer, start=start, end=end, shop_id=shop_id, conversation_ids=conversation_ids
    )
    blocks = []
    for conversation in rows.iterator(chunk_size=200):
        blocks.append("\n".join([_heading(conversation), *_lines(conversation)]))
    title = _("Chat transcript")
    return title + "\n\n" + "\n\n".join(blocks) + "\n"


def export_pdf(
    *,
    customer: Customer | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: User | None = None,
    shop_id: int | None = None,
    conversation_ids: Iterable[int] | None = None,
) -> bytes:
    """The transcript of `export_text` as a PDF (core.pdf, the embedded CJK font)."""
    rows = conversations_for_export(
        actor=actor, customer=customer, start=start, end=end, shop_id=shop_id, conversation_ids=conversation_ids
    )
    story: list[Any] = []
    for conversation in rows.iterator(chunk_size=200):
        story.append(pdf.paragraph(_heading(conversation), "heading"))
        for line in _lines(conversation):
            story.append(pdf.paragraph(line, "body"))
        story.append(pdf.spacer())
    if not story:
        story.append(pdf.paragraph(_("No conversations."), "body"))
    page = pdf.Page(
        title=_("Chat transcript"),
        header=_("Chat transcript, printed %(when)s") % {"when": _local(timezone.now())},
        page_label=_("Page %(page)s"),
    )
    return pdf.build(page, story)


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    conversations_created: int
    conversations_merged: int
    messages_created: int
    messages_skipped: int


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment


@dataclass
class _Message:
    key: str
    kind: str
    channel: str
    external_id: str
    author: str
    body: str
    created_at: datetime
    intent: str
    call: dict[str, Any] | None


@dataclass
class _Conversation:
    shop_id: int
    channel: str
    external_thread: str
    customer_identity: str
    contact: str
    contact_name: str
    order_number: str
    subject: str
    language: str
    intent: str
    created_at: datetime
    resolved_at: datetime | None
    messages: list[_Message]


def _text(data: dict[str, Any], name: str, limit: int, errors: dict[str, str], path: str) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[f"{path}.{name}"] = _("must be text")
        return ""
    if len(value) > limit:
        errors[f"{path}.{name}"] = _("at most %(n)s characters") % {"n": limit}
        return ""
    return value


def _parse(data: bytes) -> list[_Conversation]:
    """The archive checked whole: ValidationFailed naming every problem by its path
    (`conversations[2].messages[5].created_at`)."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": _("larger than %(n)s MB") % {"n": MAX_BYTES // (1024 * 1024)}})
    try:
        document = limits.loads(data.decode("utf-8-sig"))  # nested too deeply: bad JSON
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed({"file": _("not a JSON chat archive")}) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationFailed(
            {"format": _("not a chat archive of this system (format %(format)s)") % {"format": FORMAT}}
        )
    if document.get("version") != VERSION:
        raise ValidationFailed({"version": _("version %(version)s archives only") % {"version": VERSION}})
    items = document.get("conversations")
    if not isinstance(items, list):
        raise ValidationFailed({"conversations": _("must be a list")})
    if len(items) > MAX_CONVERSATIONS:
        raise ValidationFailed({"conversations": _("at most %(n)s conversations") % {"n": MAX_CONVERSATIONS}})
    shops = dict(Shop.objects.values_list("code", "pk"))
    errors: dict[str, str] = {}
    parsed: list[_Conversation] = []
    for index, item in enumerate(items):
        path = f"conversations[{index}]"
        if not isinstance(item, dict):
            errors[path] = _("must be an object")
            continue
        shop_id = shops.get(str(item.get("shop", "")))
        if shop_id is None:
            errors[f"{path}.shop"] = _("no shop with the code %(code)s") % {"code": item.get("shop")}
        channel = item.get("channel")
        if channel not in ConversationChannel.values:
            errors[f"{path}.channel"] = _("one of %(values)s") % {"values": ", ".join(ConversationChannel.values)}
        created_at = _aware(item.get("created_at"))
        if created_at is None:
            errors[f"{path}.created_at"] = _("a date and time with its offset (ISO 8601)")
        resolved_at = _aware(item.get("resolved_at")) if item.get("resolved_at") else None
        if item.get("resolved_at") and resolved_at is None:
            errors[f"{path}.resolved_at"] = _("a date and time with its offset (ISO 8601)")
        customer = item.get("customer")
        identity = customer.get("identity", "") if isinstance(customer, dict) else ""
        identity = identity if isinstance(identity, str) else ""
        language = _text(item, "language", 10, errors, path) or "zh-hans"
        messages_data = item.get("messages")
        if not isinstance(messages_data, list):
            errors[f"{path}.messages"] = _("must be a list")
            messages_data = []
        messages: list[_Message] = []
        for position, entry in enumerate(messages_data):
            where = f"{path}.messages[{position}]"
            if not isinstance(entry, dict):
                errors[where] = _("must be an object")
                continue
            kind = entry.get("kind")
            if kind not in MessageKind.values:
                errors[f"{where}.kind"] = _("one of %(values)s") % {"values": ", ".join(MessageKind.values)}
            at = _aware(entry.get("created_at"))
            if at is None:
                errors[f"{where}.created_at"] = _("a date and time with its offset (ISO 8601)")
            body = _text(entry, "body", MAX_BODY, errors, where)
            external_id = _text(entry, "external_id", 200, errors, where)
            message_channel = entry.get("channel") or channel
            if message_channel not in ConversationChannel.values:
                errors[f"{where}.channel"] = _("one of %(values)s") % {"values": ", ".join(ConversationChannel.values)}
            call = entry.get("call") if kind == MessageKind.CALL else None
            if call is not None and not (
                isinstance(call, dict)
                and isinstance(call.get("number"), str)
                and 0 < len(call["number"]) <= 32
                and isinstance(call.get("duration_seconds"), int)
                and not isinstance(call.get("duration_seconds"), bool)
                and 0 <= call["duration_seconds"] <= 86_400
            ):
                errors[f"{where}.call"] = _("a number and a duration in seconds (0 to 86400)")
            if at is None or kind not in MessageKind.values:
                continue
            messages.append(
                _Message(
                    key=external_id or content_key(kind=kind, created_at=at, body=body),
                    kind=kind,
                    channel=str(message_channel),
                    external_id=external_id,
                    author=_text(entry, "author", 150, errors, where),
                    body=body,
                    created_at=at,
                    intent=_text(entry, "intent", 30, errors, where),
                    call=call if isinstance(call, dict) else None,
                )
            )
        if shop_id is None or channel not in ConversationChannel.values or created_at is None:
            continue
        parsed.append(
            _Conversation(
                shop_id=shop_id,
                channel=channel,
                external_thread=_text(item, "external_thread", 200, errors, path),
                customer_identity=identity,
                contact=_text(item, "contact", 200, errors, path),
                contact_name=_text(item, "contact_name", 100, errors, path),
                order_number=_text(item, "order", 20, errors, path),
                subject=_text(item, "subject", 200, errors, path),
                language=language,
                intent=_text(item, "intent", 30, errors, path),
                created_at=created_at,
                resolved_at=resolved_at,
                messages=messages,
            )
        )
    if errors:
        raise ValidationFailed(errors, _("Nothing was imported: the archive has problems."))
    return parsed


def _find_conversation(item: _Conversation, customer: Customer | None) -> Conversation | None:
    rows = Conversation.objects.select_for_update().filter(shop_id=item.shop_id, channel=item.channel)
    if item.external_thread:
        return rows.filter(external_thread=item.external_thread).order_by("pk").first()
    rows = rows.filter(created_at=item.created_at)
    if customer is not None:
        return rows.filter(customer=customer).order_by("pk").first()
    return rows.filter(customer__isnull=True, contact=item.contact).order_by("pk").first()


@transaction.atomic
def import_archive(*, data: bytes, actor: User | None) -> ImportResult:
    """Merge an exported archive (`export_json`'s format) into the desk: conversations
    found by their identity (see the module's doc) get the messages they lack, the others
    are created resolved; a message already there (same channel id, or same kind, time
    and words) is skipped. Checked whole first (ValidationFailed by path; nothing written).
    Importing the same archive twice adds nothing the second time."""
    require(actor, "service.configure")
    parsed = _parse(data)
    usernames = {message.author for item in parsed for message in item.messages if message.author}
    authors = {user.username: user for user in User.objects.filter(username__in=usernames)}
    created = merged = messages_created = skipped = 0
    for item in parsed:
        customer = (
            Customer.objects.filter(shop_id=item.shop_id, identity=item.customer_identity).first()
            if item.customer_identity
            else None
        )
        conversation = _find_conversation(item, customer)
        newest = max((message.created_at for message in item.messages), default=item.created_at)
        if conversation is None:
            order = Order.objects.filter(number=item.order_number).first() if item.order_number else None
            conversation = Conversation.objects.create(
                shop_id=item.shop_id,
                customer=customer,
                order=order if order is None or customer is None or order.customer_id == customer.pk else None,
                channel=item.channel,
                external_thread=item.external_thread,
                contact=item.contact,
                contact_name=item.contact_name,
                subject=item.subject,
                language=item.language,
                intent=item.intent,
                # History: outside every inbox and clock.
                status=ConversationStatus.RESOLVED,
                created_at=item.created_at,
                last_message_at=newest,
                resolved_at=item.resolved_at or newest,
            )
            created += 1
        else:
            merged += 1
        known_keys = {message_key(message) for message in conversation.messages.all()}
        for entry in item.messages:
            if entry.key in known_keys:
                skipped += 1
                continue
            known_keys.add(entry.key)
            try:
                # A savepoint: a twin import that stored the same key first makes this
                # INSERT fail on the unique (channel, external_id) without spoiling ours.
                with transaction.atomic():
                    message = Message.objects.create(
                        conversation=conversation,
                        kind=entry.kind,
                        author=authors.get(entry.author),
                        body=entry.body,
                        channel=entry.channel,
                        external_id=entry.key,
                        intent=entry.intent,
                        created_at=entry.created_at,
                        read_at=entry.created_at,
                    )
                    if entry.call is not None:
                        PhoneCall.objects.create(
                            message=message,
                            number=entry.call["number"],
                            inbound=bool(entry.call.get("inbound", True)),
                            duration_seconds=entry.call["duration_seconds"],
                        )
            except IntegrityError:
                skipped += 1
                continue
            messages_created += 1
        if newest > conversation.last_message_at:
            conversation.last_message_at = newest
            conversation.save(update_fields=["last_message_at"])
    return ImportResult(
        conversations_created=created,
        conversations_merged=merged,
        messages_created=messages_created,
        messages_skipped=skipped,
    )


# --- retention -----------------------------------------------------------------------------


def retention_days() -> int:
    """How long resolved conversations are kept after their last message (SERVICE
    RETENTION_DAYS, two years by default: long enough for any marketplace dispute)."""
    return int(config.setting("RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge(*, now: datetime) -> int:
    """Delete the resolved conversations whose last message is older than the retention
    period, with their messages, events, clocks, surveys and follow-ups, and the files of
    their images (after the commit). Batches of 200, each its own transaction, so a long
    purge never holds the database. How many conversations were deleted."""
    cutoff = now - timedelta(days=retention_days())
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(status=ConversationStatus.RESOLVED, last_message_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                return deleted
            files = list(Attachment.objects.filter(message__conversation_id__in=ids).values_list("file", flat=True))
            Conversation.objects.filter(pk__in=ids).delete()
            transaction.on_commit(partial(_delete_files, files))
            deleted += len(ids)


def _delete_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in names:
        if name:
            storage.delete(name)
