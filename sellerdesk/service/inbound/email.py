"""Email to a shop's inbound address (service.models.Mailbox), as the `sellerdesk mailin`
SMTP server receives it.

A mail continues the conversation it answers — its In-Reply-To / References name a
message of the conversation, or the Message-ID of a reply we sent (the outbox's) — else
the sender's active email conversation with the shop, else it opens a new one (the
subject, the sender). Its text part is the message (HTML only: the text of the HTML),
cut at the longest message allowed; its images are attached (checked by their content;
other files are left out and the message says so). The Message-ID dedupes: the same
mail delivered twice is stored once.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.aftersales.evidence import check_image
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.notifications.models import BuyerPreference, OutgoingMessage
from sellerdesk.service import conversations
from sellerdesk.service.attachments import MAX_ATTACHMENTS, IncomingFile, max_attachment_bytes
from sellerdesk.service.models import Conversation, ConversationChannel, Mailbox, Message
from sellerdesk.service.states import ACTIVE_STATUSES
from sellerdesk.shops.models import Shop

MAX_MAIL_BYTES = 25 * 1024 * 1024
_ID = re.compile(r"<[^<>\s]+>")
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>")
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")


@dataclass(frozen=True)
class Received:
    message: Message
    duplicate: bool


def mailbox_for(addresses: Iterable[str]) -> Mailbox | None:
    """The inbound mailbox among `addresses` (the envelope's recipients), if any."""
    wanted = [address.strip().lower() for address in addresses if address and "@" in address]
    if not wanted:
        return None
    return Mailbox.objects.select_related("shop").filter(address__in=wanted).order_by("pk").first()


def is_inbound_address(address: str) -> bool:
    return mailbox_for([address]) is not None


def _ids(value: str | None) -> list[str]:
    return _ID.findall(value or "")[:50]


def _html_text(markup: str) -> str:
    markup = _SCRIPT.sub("", markup)
    markup = _BLOCK.sub("\n", markup)
    return html.unescape(_TAG.sub("", markup))


def _body_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        content = _html_text(content)
    lines = [line.rstrip() for line in content.replace("\r\n", "\n").replace("\x00", "").split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _images(mail: EmailMessage) -> tuple[list[IncomingFile], int]:
    """The mail's images that pass the content check, and how many files were left out."""
    images: list[IncomingFile] = []
    skipped = 0
    limit = max_attachment_bytes()
    for part in mail.iter_attachments():
        payload = part.get_payload(decode=True)
        name = part.get_filename() or ""
        if not isinstance(payload, bytes) or not payload or len(payload) > limit or len(images) >= MAX_ATTACHMENTS:
            skipped += 1
            continue
        try:
            good = check_image(payload) is not None
        except ValidationFailed:
            good = False
        if good:
            images.append(IncomingFile(name=name, content=payload))
        else:
            skipped += 1
    return images, skipped


def _answered(shop: Shop, references: list[str]) -> Conversation | None:
    if not references:
        return None
    stripped = [ref.strip("<>") for ref in references] + references
    known = (
        Message.objects.filter(channel=ConversationChannel.EMAIL, external_id__in=stripped, conversation__shop=shop)
        .select_related("conversation")
        .order_by("-pk")
        .first()
    )
    if known is not None:
        return known.conversation
    sent = OutgoingMessage.objects.filter(channel="email", provider_message_id__in=references).values_list(
        "pk", flat=True
    )
    ours = (
        Message.objects.filter(outgoing_message_id__in=list(sent[:50]), conversation__shop=shop)
        .select_related("conversation")
        .order_by("-pk")
        .first()
    )
    return ours.conversation if ours is not None else None


@dataclass(frozen=True)
class ParsedMail:
    """What the desk keeps of a mail."""

    sender: str
    name: str
    message_id: str
    subject: str
    references: list[str]
    text: str
    images: list[IncomingFile]


# What a malformed mail may raise from the standard library's parser and accessors.
_UNREADABLE = (ValueError, TypeError, LookupError, IndexError, AttributeError, UnicodeError, AssertionError)


def _header(mail: EmailMessage, name: str) -> str:
    return str(mail.get(name, "") or "").replace("\x00", "")


def parse_mail(raw: bytes) -> ParsedMail:
    """The sender, ids, subject, text and images of a raw mail. ValidationFailed for a
    mail that cannot be read, has no sender address, or has neither text nor image."""
    try:
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(mail, EmailMessage):
            raise TypeError("not an EmailMessage")
        name, sender = parseaddr(_header(mail, "From"))
        if not sender or "@" not in sender:
            addresses = getaddresses([_header(mail, "Reply-To")])
            name, sender = addresses[0] if addresses else ("", "")
        ids = _ids(_header(mail, "Message-ID"))
        references = _ids(_header(mail, "In-Reply-To")) + _ids(_header(mail, "References"))
        subject = " ".join(_header(mail, "Subject").split())
        text = _body_text(mail)
        images, skipped = _images(mail)
    except _UNREADABLE:
        raise ValidationFailed({"mail": _("cannot be read as an email")}) from None
    sender = sender.strip().lower()[:200]
    if not sender or "@" not in sender:
        raise ValidationFailed({"from": _("the mail has no sender address")})
    message_id = (ids[0] if ids else "<sha256:" + hashlib.sha256(raw).hexdigest() + ">")[:200]
    if skipped:
        text += "\n\n" + _("(%(count)s attached files that are not images were left out.)") % {"count": skipped}
        text = text.strip()
    limit = conversations.max_message_chars()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if not text and not images:
        raise ValidationFailed({"body": _("the mail has no text and no image")})
    return ParsedMail(
        sender=sender,
        name=name.replace("\x00", "").strip()[:100],
        message_id=message_id,
        subject=subject[:200],
        references=references,
        text=text,
        images=images,
    )


def _conversation(shop: Shop, mail: ParsedMail, *, at: datetime) -> Conversation:
    found = _answered(shop, mail.references)
    if found is not None:
        return found
    found = (
        Conversation.objects.filter(
            shop=shop, channel=ConversationChannel.EMAIL, contact=mail.sender, status__in=list(ACTIVE_STATUSES)
        )
        .order_by("-last_message_at", "-pk")
        .first()
    )
    if found is not None:
        return found
    preference = (
        BuyerPreference.objects.filter(email__iexact=mail.sender, customer__shop=shop)
        .select_related("customer")
        .first()
    )
    return conversations.open_conversation(
        shop=shop,
        channel=ConversationChannel.EMAIL,
        customer=preference.customer if preference is not None else None,
        contact=mail.sender,
        contact_name=mail.name or mail.sender,
        subject=mail.subject,
        external_thread=mail.message_id,
        at=at,
    )


def receive_email(*, raw: bytes, recipients: Iterable[str], at: datetime | None = None) -> Received | None:
    """Store a mail delivered to an inbound address among `recipients`; None when none of
    them is one (the SMTP server refuses such recipients before the data). ValidationFailed
    for a mail that cannot be read, without a sender address or with nothing in it."""
    at = at or timezone.now()
    mailbox = mailbox_for(recipients)
    if mailbox is None:
        return None
    if len(raw) > MAX_MAIL_BYTES:
        raise ValidationFailed({"mail": _("at most %(count)s bytes") % {"count": MAX_MAIL_BYTES}})
    mail = parse_mail(raw)
    known = Message.objects.filter(channel=ConversationChannel.EMAIL, external_id=mail.message_id).first()
    if known is not None:
        return Received(known, True)
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=mailbox.shop_id).first()
        known = Message.objects.filter(channel=ConversationChannel.EMAIL, external_id=mail.message_id).first()
        if known is not None:
            return Received(known, True)
        conversation = _conversation(mailbox.shop, mail, at=at)
        message = conversations.receive_buyer_message(
            conversation=conversation, body=mail.text, external_id=mail.message_id, attachments=mail.images, at=at
        )
    return Received(message, False)


# --- the mailboxes ----------------------------------------------------------------------------


def add_mailbox(*, shop_code: str, address: str, actor: User | None) -> Mailbox:
    """Receive email for `address` in the shop (service.configure). 422 for a bad address
    or shop, 409 when another mailbox has the address."""
    require(actor, "service.configure")
    address = (address or "").strip().lower()
    bad: dict[str, str] = {}
    try:
        validate_email(address)
    except DjangoValidationError:
        bad["address"] = _("is not an email address")
    shop = Shop.objects.filter(code=shop_code).first()
    if shop is None:
        bad["shop"] = _("no shop has the code %(code)s") % {"code": shop_code}
    if bad or shop is None:
        raise ValidationFailed(bad)
    try:
        with transaction.atomic():
            return Mailbox.objects.create(shop=shop, address=address)
    except IntegrityError:
        raise Conflict(
            "mailbox_taken", _("The address %(address)s is already an inbound mailbox.") % {"address": address}
        ) from None


def remove_mailbox(*, mailbox_id: int, actor: User | None) -> None:
    """Stop receiving for the mailbox (its conversations stay). 404 when there is none."""
    require(actor, "service.configure")
    deleted = 0
    if 1 <= mailbox_id <= MAX_ID:
        deleted, _rows = Mailbox.objects.filter(pk=mailbox_id).delete()
    if not deleted:
        raise NotFound(_("No such mailbox."), details={"mailbox": mailbox_id})
