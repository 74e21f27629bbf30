from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.orders.models import Order


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class Payment(models.Model):
    """Money in (payment) or out (refund) for an order; amounts are always positive.

    A reference (bank slip number, gateway transaction id) is unique per method, which
    is what makes a replayed gateway notification or a re-entered remittance harmless.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    method = models.CharField(_("method"), max_length=20)
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["kind", "method", "reference"],
                condition=~models.Q(reference=""),
                name="payment_reference_unique",
            ),
        ]
        # The dashboards' daily sales and refunds (analytics.facts) by the day received.
        indexes = [models.Index(fields=["received_at"], name="payment_received_at_idx")]
