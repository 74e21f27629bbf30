"""The buyer's messages in the portal: their in-site and chat messages once sent, newest
first, with read state; and the buyer's preferences (an email address, a language, no
reminders). What the portal's pages and its API read and write, for the signed-in buyer
only: another buyer's message is a NotFound like one that does not exist."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.customers.models import Customer
from sellerdesk.notifications.models import BuyerPreference, Channel, MessageStatus, OutgoingMessage
from sellerdesk.notifications.templates import LANGUAGES

# The channels whose messages the portal shows (chat until the service desk has its own).
INBOX_CHANNELS = (Channel.IN_SITE, Channel.IM)


def inbox_of(customer: Customer) -> QuerySet[OutgoingMessage]:
    """The buyer's messages the portal shows: in-site and chat, once sent, newest first."""
    return (
        OutgoingMessage.objects.filter(customer=customer, channel__in=INBOX_CHANNELS, status=MessageStatus.SENT)
        .select_related("order")
        .order_by("-created_at", "-pk")
    )


def unread_count(customer: Customer) -> int:
    return inbox_of(customer).filter(read_at__isnull=True).count()


def open_message(*, customer: Customer, pk: int, at: datetime | None = None) -> OutgoingMessage:
    """The buyer's message `pk`, marked read the first time it is opened (read_at kept after)."""
    message = inbox_of(customer).filter(pk=pk).first()
    if message is None:
        raise NotFound(_("No such message."), details={"message": pk})
    if message.read_at is None:
        at = at or timezone.now()
        # Conditional: two tabs opening it at once keep the first moment.
        OutgoingMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=at)
        message.refresh_from_db(fields=["read_at"])
    return message


def preference_of(customer: Customer) -> BuyerPreference:
    """The buyer's preferences, or the defaults (unsaved) when they chose none."""
    return BuyerPreference.objects.filter(customer=customer).first() or BuyerPreference(customer=customer)


@transaction.atomic
def save_preferences(
    *, customer: Customer, email: str, language: str, opt_out: bool, at: datetime | None = None
) -> BuyerPreference:
    """Save what the buyer chose: an email address for messages (empty: none), their
    language (empty: the shop's), and whether they want no reminders. A bad email or an
    unknown language is refused (ValidationFailed naming it), nothing written."""
    email = email.strip()
    language = language.strip().lower()
    bad = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad["email"] = _("Enter a valid email address.")
    if language and language not in LANGUAGES:
        bad["language"] = _("one of %(values)s") % {"values": ", ".join(LANGUAGES)}
    if bad:
        raise ValidationFailed(bad)
    row, _created = BuyerPreference.objects.select_for_update().get_or_create(customer=customer)
    row.email, row.language, row.opt_out, row.updated_at = email, language, opt_out, at or timezone.now()
    row.save(update_fields=["email", "language", "opt_out", "updated_at"])
    return row
