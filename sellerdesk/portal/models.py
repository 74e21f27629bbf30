"""The buyer portal's own tables: the one-time sign-in codes and the buyer API tokens.

A buyer is not a user of the staff side: the portal knows a buyer as a customer
(customers.Customer) proven by an order number, the phone on that order and a code sent
to that phone. Neither codes nor tokens are stored in the clear, only their hashes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order


class SignInCode(models.Model):
    """One request for a sign-in code, for one (order number, phone) pair.

    `subject` is the hash of the pair as typed (normalised), so that requests for a pair
    that matches no order are counted and refused exactly like the others (nobody learns
    from the answers which order numbers and phones exist). Such a row has no order and
    no code: nothing was sent."""

    subject = models.CharField(max_length=64)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # sha256 of the subject and the code: a code is only good for its own pair.
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    wrong_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # The minute of created_at (seconds since the epoch // 60): two requests racing past
    # the one-a-minute check on PostgreSQL meet at this unique constraint.
    minute = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subject", "created_at"], name="portal_code_subject_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(wrong_attempts__lte=100), name="portal_code_attempts_bounded"),
            models.UniqueConstraint(fields=["subject", "minute"], name="portal_code_one_per_minute"),
        ]


class BuyerToken(models.Model):
    """A bearer token of the buyer API, scoped to one customer's orders. Only its hash is
    stored; the raw value is given once, when the buyer signs in through the API."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    # The order the buyer signed in with (what the code was sent for).
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("buyer token")
        verbose_name_plural = _("buyer tokens")
        indexes = [models.Index(fields=["customer", "created_at"], name="portal_token_customer_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.customer_id})"


class BuyerIdempotencyRecord(models.Model):
    """The first answer to a buyer API POST with an Idempotency-Key, replayed for repeats
    (the staff API's core.IdempotencyRecord belongs to staff users; a buyer is a customer)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "key"], name="portal_idempotency_customer_key_unique")
        ]
