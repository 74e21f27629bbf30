"""Messages to buyers, suppliers and other systems (C13), sent through an outbox.

Every message is an OutgoingMessage row written in the same transaction as the event that
causes it; the worker sends it after the commit through its channel's adapter
(notifications.channels), once per idempotency key, retrying with backoff until it is sent
or dead (dead letters are listed for staff to resend). Each attempt is a DeliveryAttempt.
Rows from before sending existed keep the status "recorded" and are never sent."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop


class Channel(models.TextChoices):
    # The service desk's chat (the buyer's conversation); until the desk exists, the
    # buyer portal's in-site messages carry it.
    IM = "im", _("Instant message")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IN_SITE = "in_site", _("In-site message")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    # Written before sending existed: kept as it was, never sent.
    RECORDED = "recorded", _("Recorded, not sent")
    QUEUED = "queued", _("Queued")
    # A worker holds it (lease_until) and is calling the channel.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # An attempt failed; the next one is due at next_attempt_at.
    RETRYING = "retrying", _("Failed, will retry")
    # Every attempt failed: staff see it and may resend it.
    DEAD = "dead", _("Failed for good")
    # Not sent by a rule: the buyer opted out, the daily cap, the shop's switch.
    SUPPRESSED = "suppressed", _("Not sent (a rule)")


# Statuses the worker still has to act on.
PENDING_STATUSES = ("queued", "retrying", "sending")


class MessageKind(models.TextChoices):
    """The event a message tells of (the template's key with the channel and language)."""

    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
    PAID = "paid", _("Payment received")
    PARCEL_SHIPPED = "parcel_shipped", _("Parcel shipped")
    IN_TRANSIT = "in_transit", _("Parcel in transit")
    DELIVERED = "delivered", _("Parcel delivered")
    PARCEL_PROBLEM = "parcel_problem", _("Parcel problem")
    AFTERSALES = "aftersales", _("After-sales progress")
    REFUND_DONE = "refund_done", _("Refund done")
    PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
    ONE_TIME_CODE = "one_time_code", _("Sign-in code")
    PURCHASE_ORDER = "purchase_order", _("Purchase order to a supplier")
    WEBHOOK_EVENT = "webhook_event", _("Event for another system")
    # A message of the service desk to the buyer (an agent's reply by email, the survey).
    SERVICE_MESSAGE = "service_message", _("Customer-service message")


# Kinds a buyer may opt out of (all others are transactional: about an order they placed).
NON_TRANSACTIONAL_KINDS = frozenset({MessageKind.PAYMENT_REMINDER})


class OutgoingMessage(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="outgoing_messages")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_messages"
    )
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    kind = models.CharField(_("kind"), max_length=40, choices=MessageKind.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    # The template's parameters, kept so that a resend or a preview renders the same.
    params = models.JSONField(default=dict, blank=True)
    # Files sent with an email: [{"name": …, "content_type": …, "document": "PO…"}] (made when sent).
    attachments = models.JSONField(default=list, blank=True)
    transactional = models.BooleanField(default=True)
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    # One message per key, ever: the event's own key ("paid:SO123:sms"), so a retried
    # event never writes (and never sends) a message twice.
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before: quiet hours (queued to the morning) or the backoff after a failure.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # In-site messages: when the buyer read it in the portal.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    webhook = models.ForeignKey(
        "WebhookEndpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(fields=["order", "kind"], name="outgoing_order_kind"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=PENDING_STATUSES),
                name="outgoing_pending_idx",
            ),
            models.Index(fields=["customer", "created_at"], name="outgoing_customer_created_idx"),
            models.Index(fields=["status", "created_at"], name="outgoing_status_created_idx"),
        ]
        constraints = [
            # One confirmation per order and channel (the shop may send it on several);
            # the idempotency key says the same for new rows, this also guards the old ones.
            models.UniqueConstraint(
                fields=["order", "channel"],
                condition=models.Q(kind="order_confirmation"),
                name="one_confirmation_per_order_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class DeliveryAttempt(models.Model):
    """One try at sending a message: how it went, for staff and for the backoff."""

    message = models.ForeignKey(OutgoingMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="delivery_attempt_number_unique")]


class MessageTemplate(models.Model):
    """The words of one kind of message on one channel in one language; a shop's own
    template overrides the shipped default (shop empty). Placeholders are checked when
    saved (notifications.templates)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=40, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "channel", "language"],
                condition=models.Q(shop__isnull=False),
                name="template_shop_kind_channel_language_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "channel", "language"],
                condition=models.Q(shop__isnull=True),
                name="template_default_kind_channel_language_unique",
            ),
        ]


class NotificationSettings(models.Model):
    """A shop's sending rules: its switch per kind and channel, quiet hours (no SMS at
    night: queued to the morning), the most messages a buyer gets a day."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="notification_settings")
    enabled = models.BooleanField(_("send messages"), default=True)
    # {kind: [channel, …]}: the channels each kind goes out on; a kind missing uses the default.
    channels = models.JSONField(_("channels per kind"), default=dict, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=time(21, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    # On public holidays (the Chinese calendar) the morning starts later.
    holiday_quiet_end = models.TimeField(_("quiet hours end on holidays"), default=time(10, 0))
    daily_cap = models.PositiveSmallIntegerField(_("most messages to a buyer a day"), default=5)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")


class BuyerPreference(models.Model):
    """What a buyer chose in the portal: an email address, a language, and whether they
    want messages that are not about an order they placed (payment reminders)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="message_preference")
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    opt_out = models.BooleanField(_("no reminders or other non-order messages"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)


class WebhookEndpoint(models.Model):
    """Another system that hears of events: each is POSTed as JSON, signed with HMAC-SHA256
    over the timestamp and the body (docs/notifications.md has a receiver)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url
