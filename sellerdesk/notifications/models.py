"""Messages to buyers. No channel adapter exists yet (C13), so a message is only
recorded: its status stays "recorded" until an adapter sends it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order


class Channel(models.TextChoices):
    IM = "im", _("Instant message")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IN_SITE = "in_site", _("In-site message")


class MessageStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded, not sent")


class MessageKind(models.TextChoices):
    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
    PARCEL_SHIPPED = "parcel_shipped", _("Parcel shipped")
    PARCEL_PROBLEM = "parcel_problem", _("Parcel problem")
    AFTERSALES = "aftersales", _("After-sales progress")
    ONE_TIME_CODE = "one_time_code", _("Sign-in code")


class OutgoingMessage(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="outgoing_messages")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=MessageKind.choices)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.RECORDED)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["order", "kind"], name="outgoing_order_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="order_confirmation"),
                name="one_confirmation_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"
