"""Payment reminders (催付, seed 002): an unpaid order is reminded once, at good hours, by
SMS, chat or a phone call an agent makes; the buyer's reason for not paying is recorded
from a list kept as data; the daily report sums who was reminded, who paid after it and why
the others did not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.customers.models import Customer
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop


def default_windows() -> list[list[str]]:
    """Seed 002: remind between 11 and 12 and between 16 and 17."""
    return [["11:00", "12:00"], ["16:00", "17:00"]]


class ReminderSettings(models.Model):
    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="reminder_settings")
    enabled = models.BooleanField(_("remind unpaid orders"), default=True)
    # [["HH:MM", "HH:MM"], …] local time: when reminders go out.
    windows = models.JSONField(_("reminding hours"), default=default_windows)
    # How a reminder goes out when no agent chooses: "sms", "im" (chat) or "phone" (a task).
    channel = models.CharField(_("default channel"), max_length=10, default="sms")
    # An order is reminded once it has been unpaid this long (none right after it is placed).
    min_unpaid_minutes = models.PositiveIntegerField(_("unpaid for at least (minutes)"), default=30)
    # Seed 002: cash-on-delivery buyers with no reputation are reminded at most this many times a day.
    cod_zero_reputation_daily_cap = models.PositiveSmallIntegerField(
        _("reminders a day to COD buyers without reputation"), default=1
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")


class UnpaidReason(models.Model):
    """Why a buyer did not pay (seed 002's list, kept as data: price, shipping cost, still
    comparing, payment trouble, forgot, changed mind …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("reason for not paying")
        verbose_name_plural = _("reasons for not paying")

    def __str__(self) -> str:
        return self.code


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    CHAT = "im", _("Chat")
    PHONE = "phone", _("Phone call (a task for an agent)")


class ReminderStatus(models.TextChoices):
    # An SMS or chat message in the outbox, or a call waiting in an agent's queue.
    PENDING = "pending", _("Waiting to go out")
    DONE = "done", _("Reminded")
    FAILED = "failed", _("Could not be sent")


class PaymentReminder(models.Model):
    """The one reminder of an order (the database refuses a second)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment_reminder")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=ReminderChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=ReminderStatus.choices)
    # Who reminded ("阿华"); empty when the sweep sent it.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A phone reminder is a task in this agent's queue.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(OutgoingMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    reason = models.ForeignKey(UnpaidReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason_note = models.CharField(_("what the buyer said"), max_length=300, blank=True)
    reason_recorded_at = models.DateTimeField(null=True, blank=True)
    # Set when the order is paid after the reminder (the recovery rate).
    paid_at = models.DateTimeField(_("paid after the reminder at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        indexes = [
            models.Index(fields=["shop", "created_at"], name="reminder_shop_created_idx"),
            models.Index(fields=["assignee", "status"], name="reminder_assignee_status_idx"),
        ]


class DoNotRemind(models.Model):
    """A buyer who is never reminded (asked not to be, or known to pay late on purpose)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="do_not_remind")
    reason = models.CharField(_("why"), max_length=300, blank=True)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("buyer not to remind")
        verbose_name_plural = _("buyers not to remind")
