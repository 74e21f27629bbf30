"""Email through Django's email backends (settings.EMAIL_BACKEND: a file per mail under
VAR_DIR/mail by default, SMTP or any other backend in production).

A message's subject and text are the mail's; its attachments are described, not stored,
in message.attachments: [{"kind": "purchase_order", "document": "PO…", "name": "PO….pdf",
"content_type": "application/pdf"}], and made when the mail is sent by the maker
registered for the kind (`register_attachment_maker`), so the mail carries the document
as it is then and the outbox row stays small. "purchase_order" is built in: purchasing is
a layer below notifications, so this module calls purchasing.documents itself (an app
above notifications registers its own kinds from its AppConfig.ready()). A description
without "kind" but with "document" is a purchase order (the models' first format).
A description may also carry the bytes itself, base64 in "content_base64".

The provider's message id is the mail's Message-ID, made from the idempotency key: the
same message sent twice has the same Message-ID, which mail clients take for one mail.

An address that is not an email address, a recipient the server refuses, or an
attachment that cannot be made (unknown kind, the document gone) fail for good; a server
that cannot be reached or answers 4xx is tried again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import smtplib
from collections.abc import Callable, Mapping
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from sellerdesk.notifications.channels.base import SendResult, clip
from sellerdesk.purchasing.documents import purchase_order_pdf
from sellerdesk.purchasing.models import PurchaseOrder

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage

AttachmentMaker = Callable[[Mapping[str, Any]], bytes]
_MAKERS: dict[str, AttachmentMaker] = {}


class AttachmentUnavailable(Exception):
    """An attachment's description names nothing that can be made: not worth retrying."""


def register_attachment_maker(kind: str, maker: AttachmentMaker) -> None:
    """`maker(description)` makes the bytes of attachments of `kind` when a mail is sent;
    it raises ObjectDoesNotExist (or AttachmentUnavailable) when the document is gone."""
    _MAKERS[kind] = maker


def _purchase_order_pdf(description: Mapping[str, Any]) -> bytes:
    return purchase_order_pdf(PurchaseOrder.objects.get(number=str(description.get("document", ""))))


register_attachment_maker("purchase_order", _purchase_order_pdf)


def make_attachment(description: Mapping[str, Any]) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of one attachment description."""
    name = str(description.get("name") or "attachment")
    content_type = str(description.get("content_type") or "application/octet-stream")
    if "content_base64" in description:
        try:
            return name, base64.b64decode(str(description["content_base64"]), validate=True), content_type
        except (binascii.Error, ValueError):
            raise AttachmentUnavailable(_("The attachment %(name)s is not valid base64.") % {"name": name}) from None
    kind = str(description.get("kind") or ("purchase_order" if description.get("document") else ""))
    maker = _MAKERS.get(kind)
    if maker is None:
        raise AttachmentUnavailable(_("No maker for attachments of kind %(kind)s.") % {"kind": kind or "—"})
    try:
        return name, maker(description), content_type
    except ObjectDoesNotExist:
        raise AttachmentUnavailable(
            _("The document %(document)s of attachment %(name)s no longer exists.")
            % {"document": description.get("document", "—"), "name": name}
        ) from None


def message_id_for(key: str) -> str:
    """The Message-ID of the mail sent for idempotency key `key`."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "sellerdesk.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class EmailAdapter:
    channel = "email"

    def send(self, message: OutgoingMessage) -> SendResult:
        address = message.recipient.strip()
        try:
            validate_email(address)
        except ValidationError:
            return SendResult(
                ok=False,
                retryable=False,
                error=_("%(recipient)s is not an email address.") % {"recipient": address or "—"},
            )
        message_id = message_id_for(message.idempotency_key or f"message:{message.pk}")
        try:
            files = [make_attachment(description) for description in message.attachments or []]
        except AttachmentUnavailable as error:
            return SendResult(ok=False, retryable=False, error=clip(str(error), 500))
        mail = EmailMessage(
            subject=message.subject.replace("\n", " ").replace("\r", " "),
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Message-ID": message_id},
            attachments=files,
            connection=get_connection(fail_silently=False),
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(ok=False, retryable=False, error=clip(_("Refused: %(error)s") % {"error": error}, 500))
        except smtplib.SMTPResponseException as error:
            # 4xx: the server is busy or greylists (try later); 5xx: it will not take this mail.
            return SendResult(
                ok=False,
                status_code=error.smtp_code,
                retryable=error.smtp_code < 500,
                error=clip(f"{error.smtp_code} {error.smtp_error!r}", 500),
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            return SendResult(
                ok=False, error=clip(_("The mail server did not take the mail: %(error)s") % {"error": error}, 500)
            )
        return SendResult(ok=True, provider_message_id=message_id)
