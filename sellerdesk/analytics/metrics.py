"""Every dashboard metric, defined once: its name, its formula over the daily fact
columns (analytics.models.COUNTERS / AMOUNTS), its unit and who it can be split by.

The chart, the XLSX export, the API and docs/analytics.md all read this table; a
metric's value over a period is `Metric.value(sums)`, where `sums` are the column sums
of the fact rows of that period (and shop / agent). Nothing else computes a metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    PERCENT = "percent"  # numerator / denominator × 100, one decimal
    HOURS = "hours"  # seconds / count / 3600, one decimal
    MINUTES = "minutes"  # seconds / count / 60, one decimal
    SCORE = "score"  # sum / count, two decimals (the 1–5 satisfaction score)
    COUNT = "count"  # a plain sum
    MONEY = "money"  # a plain sum of an amount column, two decimals


# (multiplier, divisor, places): value = numerator × multiplier ÷ (denominator × divisor),
# one division, so that an exact half (18.875 h) rounds up and never drifts below it.
_SCALE = {
    Unit.PERCENT: (Decimal(100), Decimal(1), Decimal("0.1")),
    Unit.HOURS: (Decimal(1), Decimal(3600), Decimal("0.1")),
    Unit.MINUTES: (Decimal(1), Decimal(60), Decimal("0.1")),
    Unit.SCORE: (Decimal(1), Decimal(1), Decimal("0.01")),
}


@dataclass(frozen=True)
class Metric:
    code: str
    label: str | Promise
    # The formula as the docs and the page's "how is this computed" show it.
    formula: str | Promise
    unit: Unit
    # Column sums added up for the numerator and the denominator (no denominator: a plain sum).
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    # Whether a lower value is the better one (the trend arrow's colour).
    lower_is_better: bool = False
    # False: the metric has no per-agent figure (the agent filter shows it as "—").
    by_agent: bool = True
    # Column sums taken off the numerator (sales less refunds).
    minus: tuple[str, ...] = ()

    def value(self, sums: Mapping[str, int | Decimal]) -> Decimal | None:
        """The metric over rows whose column sums are `sums`; None when there is nothing
        to divide by (the chart leaves a gap, the export an empty cell)."""
        top = sum((Decimal(sums.get(name) or 0) for name in self.numerator), Decimal(0)) - sum(
            (Decimal(sums.get(name) or 0) for name in self.minus), Decimal(0)
        )
        if not self.denominator:
            return top.quantize(Decimal("0.01") if self.unit is Unit.MONEY else Decimal(1))
        bottom = sum((Decimal(sums.get(name) or 0) for name in self.denominator), Decimal(0))
        if not bottom:
            return None
        multiplier, divisor, places = _SCALE[self.unit]
        return (top * multiplier / (bottom * divisor)).quantize(places, rounding=ROUND_HALF_UP)


METRICS: dict[str, Metric] = {
    metric.code: metric
    for metric in (
        Metric(
            "completion_rate",
            _("Order completion rate"),
            _("orders completed ÷ (orders completed + valid orders cancelled), by the day they ended"),
            Unit.PERCENT,
            ("orders_completed",),
            ("orders_completed", "orders_cancelled"),
        ),
        Metric(
            "time_to_ship",
            _("Average time to ship"),
            _("Σ (shipped at − paid at, or approved at for cash on delivery) ÷ orders shipped, by the day shipped"),
            Unit.HOURS,
            ("ship_seconds",),
            ("orders_shipped",),
            lower_is_better=True,
        ),
        Metric(
            "damage_rate",
            _("Logistics damage rate"),
            _("parcels reported damaged ÷ parcels delivered, by day"),
            Unit.PERCENT,
            ("parcels_damaged",),
            ("parcels_delivered",),
            lower_is_better=True,
        ),
        Metric(
            "aftersales_rate",
            _("After-sales rate"),
            _("after-sales cases opened ÷ orders shipped, by day"),
            Unit.PERCENT,
            ("aftersales_opened",),
            ("orders_shipped",),
            lower_is_better=True,
        ),
        Metric(
            "first_response",
            _("Average first response"),
            _("Σ business seconds to the first agent reply ÷ first replies, by the day of the reply"),
            Unit.MINUTES,
            ("first_response_seconds",),
            ("first_responses",),
            lower_is_better=True,
        ),
        Metric(
            "resolution_rate",
            _("Resolution rate"),
            _("conversations resolved ÷ conversations opened, by day"),
            Unit.PERCENT,
            ("resolutions",),
            ("conversations",),
            # A conversation is counted opened under whoever had it then (mostly nobody:
            # service.figures) and resolved under who resolved it: no ratio per agent.
            by_agent=False,
        ),
        Metric(
            "satisfaction",
            _("Satisfaction"),
            _("Σ survey scores ÷ survey answers (1 to 5), by the day answered"),
            Unit.SCORE,
            ("csat_sum",),
            ("csat_count",),
        ),
        Metric(
            "lost_rate",
            _("Lost-order rate"),
            _("orders closed without ever being paid ÷ orders placed, by the day placed"),
            Unit.PERCENT,
            ("orders_lost",),
            ("orders_placed",),
            lower_is_better=True,
        ),
        Metric(
            "reminder_recovery",
            _("Payment-reminder recovery"),
            _("reminded orders paid after the reminder ÷ orders reminded, by the day reminded"),
            Unit.PERCENT,
            ("reminder_paid",),
            ("reminded",),
        ),
        Metric(
            "orders_placed", _("Orders placed"), _("orders placed by buyers, by day"), Unit.COUNT, ("orders_placed",)
        ),
        Metric(
            "sales",
            _("Sales"),
            _("amounts paid less amounts refunded, by the day of the payment or refund"),
            Unit.MONEY,
            ("sales_amount",),
            minus=("refunded_amount",),
        ),
    )
}
