"""The CRM's own tables: stored segments and the audit of customer merges.

The customer, its tags, notes, addresses and buyer groups are reference data
(sellerdesk.customers); the CRM sits above orders, after-sales and the service desk
because a customer's page, a merge and a segment's "only asked" group read all of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.customers.models import Customer
from sellerdesk.shops.models import Shop


class Segment(models.Model):
    """A stored rule over customers (recency, frequency, spend, tags, shop, group), e.g.
    "bought over ¥500, not in 90 days". `rules` is validated and compiled to a query by
    crm.segments (one schema, SegmentRules); its members are counted live, never stored."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Empty: every shop. A rule's own `shops` narrows further.
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("shop")
    )
    rules = models.JSONField(_("rules"), default=dict)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CustomerMerge(models.Model):
    """The audit of one merge: which duplicate went into which customer, by whom, why, and
    how many rows of each kind moved (`moved`: {"orders": 3, "aftersales_cases": 1, …})."""

    kept = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_away")
    reason = models.CharField(_("reason"), max_length=300)
    moved = models.JSONField(default=dict)
    at = models.DateTimeField()
    # Empty: the system merged (an importer, a job).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at", "-pk"]
