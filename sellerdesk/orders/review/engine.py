"""Running the review rules over a batch of orders: load once, judge each order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.review.rules import RULES, Finding, ReviewContext
from sellerdesk.shops.models import review_settings_for


@dataclass(frozen=True)
class Verdict:
    passed: list[str]  # codes of the rules that ran and found nothing
    findings: list[Finding]

    @property
    def is_clean(self) -> bool:
        return not self.findings

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(finding.code for finding in self.findings))


def build_context(orders: Sequence[Order], *, now: datetime) -> ReviewContext:
    """Everything the rules read for these orders, in a number of queries that does not
    grow with the number of orders."""
    settings = review_settings_for(sorted({order.shop_id for order in orders}))
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=[order.pk for order in orders]).order_by("order_id", "position"):
        lines[line.order_id].append(line)
    context = ReviewContext(now=now, settings=settings, lines=dict(lines))
    enabled = {code for setting in settings.values() for code in RULES if setting.is_enabled(code)}
    for code, rule in RULES.items():
        if rule.prepare is not None and code in enabled:
            context.data[code] = rule.prepare(orders, context)
    return context


def evaluate(order: Order, context: ReviewContext) -> Verdict:
    settings = context.settings_of(order)
    passed: list[str] = []
    findings: list[Finding] = []
    for code, rule in RULES.items():
        if not settings.is_enabled(code):
            continue
        found = rule.check(order, context)
        if found:
            findings.extend(found)
        else:
            passed.append(code)
    return Verdict(passed, findings)


def recognised_wishes(order: Order) -> dict[str, Any]:
    """The buyer's wishes the recogniser understood, for the approval event."""
    data = order.buyer_instructions.as_dict()
    data.pop("unrecognised", None)
    return {key: value for key, value in data.items() if value}
