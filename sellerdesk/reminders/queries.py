"""Reads of the reminders app: the order list's badges, an order's reminder, the agents'
queue of calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.hooks import ReminderBadge
from sellerdesk.orders.states import OrderStatus, PaymentStatus
from sellerdesk.reminders.events import channel_short_label, reminded_sentence
from sellerdesk.reminders.models import PaymentReminder, ReminderChannel, ReminderStatus, UnpaidReason
from sellerdesk.shops.access import limit_to_visible_shops


def badge_of(reminder: PaymentReminder) -> ReminderBadge:
    """The reminder as a badge: the note once reminded, else the call waiting."""
    if reminder.status == ReminderStatus.DONE and reminder.reminded_at:
        return ReminderBadge(
            reminded_sentence(at=reminder.reminded_at, agent=reminder.agent, channel=reminder.channel),
            title=reason_text(reminder),
        )
    if reminder.status == ReminderStatus.PENDING:
        who = reminder.assignee.signature if reminder.assignee else ""
        return ReminderBadge(
            _("Call to remind waiting (%(agent)s)") % {"agent": who} if who else _("Call to remind waiting")
        )
    return ReminderBadge(_("Reminder not sent (%(channel)s)") % {"channel": channel_short_label(reminder.channel)})


def reminder_badges(order_ids: Sequence[int]) -> Mapping[int, ReminderBadge]:
    """The badges of the reminded orders among `order_ids` (one query; orders.hooks port)."""
    reminders = PaymentReminder.objects.filter(order_id__in=list(order_ids)).select_related(
        "agent", "assignee", "reason"
    )
    return {reminder.order_id: badge_of(reminder) for reminder in reminders}


def reason_text(reminder: PaymentReminder) -> str:
    """The buyer's reason in the reader's language, with their words."""
    parts = []
    if reminder.reason is not None:
        parts.append(reason_name(reminder.reason))
    if reminder.reason_note:
        parts.append(reminder.reason_note)
    return " · ".join(parts)


def reason_name(reason: UnpaidReason) -> str:
    from django.utils.translation import get_language

    return reason.name_zh if (get_language() or "").startswith("zh") else reason.name_en


def reminder_of_order(order_id: int) -> PaymentReminder | None:
    return PaymentReminder.objects.select_related("agent", "assignee", "reason").filter(order_id=order_id).first()


def phone_queue(*, actor: User, mine: bool = True) -> QuerySet[PaymentReminder]:
    """The calls waiting (orders still unpaid), oldest first: the actor's, or everyone's
    (of the shops the actor may see)."""
    require(actor, "reminders.remind")
    tasks = (
        limit_to_visible_shops(PaymentReminder.objects.all(), actor)
        .filter(
            channel=ReminderChannel.PHONE,
            status=ReminderStatus.PENDING,
            order__status=OrderStatus.UNPAID,
            order__payment_status=PaymentStatus.UNPAID,
        )
        .select_related("order", "order__shop", "assignee")
        .prefetch_related("order__lines")
        .order_by("created_at", "pk")
    )
    return tasks.filter(assignee=actor) if mine else tasks


def recent_reminders(*, actor: User, limit: int = 50) -> QuerySet[PaymentReminder]:
    """The latest reminders with their reasons (the queue's second half: record a reason)."""
    require(actor, "reminders.remind")
    return (
        limit_to_visible_shops(PaymentReminder.objects.filter(status=ReminderStatus.DONE), actor)
        .select_related("order", "order__shop", "agent", "reason")
        .order_by("-reminded_at", "-pk")[:limit]
    )


def active_reasons() -> list[UnpaidReason]:
    return list(UnpaidReason.objects.filter(active=True))
