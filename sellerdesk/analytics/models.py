"""Daily fact rows: what the dashboards read instead of the orders (issue 15).

One row per Shanghai day, shop and agent (empty: no agent) with additive counters, so a
metric over any period, shop or agent is a ratio of two sums over a few hundred rows,
whatever the number of orders. analytics.facts rebuilds the rows of a range of days
from the source tables, set-based; the periodic job keeps the recent days current.
Every metric is a formula over these columns (analytics.metrics).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from sellerdesk.shops.models import Shop

# The additive columns of DailyFact, in the order the docs list them (docs/analytics.md
# says what each counts). analytics.facts fills them; analytics.metrics divides them.
COUNTERS: tuple[str, ...] = (
    # orders, attributed to the agent in charge of the buyer (Customer.agent)
    "orders_placed",
    "orders_paid",
    "orders_lost",
    "orders_shipped",
    "ship_seconds",
    "orders_completed",
    "orders_cancelled",
    "parcels_delivered",
    "parcels_damaged",
    "aftersales_opened",
    # the service desk (copied from service.ServiceDailyFigure)
    "conversations",
    "first_responses",
    "first_response_seconds",
    "resolutions",
    "csat_count",
    "csat_sum",
    # payment reminders, attributed to the agent who reminded
    "reminded",
    "reminder_paid",
)
AMOUNTS: tuple[str, ...] = ("sales_amount", "refunded_amount")


class DailyFact(models.Model):
    day = models.DateField()
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    orders_placed = models.PositiveIntegerField(default=0)
    orders_paid = models.PositiveIntegerField(default=0)
    orders_lost = models.PositiveIntegerField(default=0)
    orders_shipped = models.PositiveIntegerField(default=0)
    ship_seconds = models.PositiveBigIntegerField(default=0)
    orders_completed = models.PositiveIntegerField(default=0)
    orders_cancelled = models.PositiveIntegerField(default=0)
    parcels_delivered = models.PositiveIntegerField(default=0)
    parcels_damaged = models.PositiveIntegerField(default=0)
    aftersales_opened = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    first_response_seconds = models.PositiveBigIntegerField(default=0)
    resolutions = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    reminded = models.PositiveIntegerField(default=0)
    reminder_paid = models.PositiveIntegerField(default=0)
    sales_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "shop", "agent"], name="analytics_fact_day_unique"),
            models.UniqueConstraint(
                fields=["day", "shop"], condition=models.Q(agent__isnull=True), name="analytics_fact_day_noagent_unique"
            ),
        ]
        indexes = [models.Index(fields=["day", "shop"], name="analytics_fact_day_shop_idx")]


class DailyReasonFact(models.Model):
    """Why buyers did not pay (reminders.UnpaidReason codes, or "note_only"), per day of
    the reminder, shop and reminding agent."""

    day = models.DateField()
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "reason"]
        indexes = [models.Index(fields=["day", "shop"], name="analytics_reason_day_shop_idx")]


class FactRefresh(models.Model):
    """One rebuild of the facts: which days, when, how long (the page shows "as of")."""

    first_day = models.DateField()
    last_day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-pk"]
