"""Daily figures of the desk (owner H4): ServiceDailyFigure rows added to as things happen.

One row per Shanghai day, shop and agent (no agent: the conversations nobody had yet),
incremented with F() in the caller's transaction, so the dashboards read a few rows
instead of counting messages. Times are business seconds (service.sla.business_seconds
on the conversation's policy calendar). `report` reads them back per day, shop and agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum

from sellerdesk.service.calendars import SHANGHAI
from sellerdesk.service.models import Conversation, ServiceDailyFigure

COUNTERS = (
    "conversations",
    "first_responses",
    "first_response_seconds",
    "resolutions",
    "resolution_seconds",
    "sla_met",
    "sla_breached",
    "csat_count",
    "csat_sum",
    "forbidden_hits",
)


def day_of(at: datetime) -> date:
    """The Shanghai date of a moment: the figures' day."""
    return at.astimezone(SHANGHAI).date()


def add(*, day: date, shop_id: int, agent_id: int | None, **increments: int) -> None:
    """Add to the counters of one (day, shop, agent) row, creating it when missing; two
    transactions adding at once both count (an UPDATE with F(), or the INSERT's unique
    constraint sending the loser back to the UPDATE)."""
    unknown = set(increments) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown figure counters: {sorted(unknown)}")
    increments = {name: value for name, value in increments.items() if value}
    if not increments:
        return
    rows = ServiceDailyFigure.objects.filter(day=day, shop_id=shop_id, agent_id=agent_id)
    if agent_id is None:
        rows = ServiceDailyFigure.objects.filter(day=day, shop_id=shop_id, agent__isnull=True)
    updates = {name: F(name) + value for name, value in increments.items()}
    if rows.update(**updates):
        return
    try:
        with transaction.atomic():
            ServiceDailyFigure.objects.create(day=day, shop_id=shop_id, agent_id=agent_id, **increments)
    except IntegrityError:
        rows.update(**updates)


def _agent_of(conversation: Conversation, agent_id: int | None) -> int | None:
    return agent_id if agent_id is not None else conversation.assignee_id


def conversation_opened(conversation: Conversation, *, at: datetime) -> None:
    """One more conversation on the day of `at`."""
    add(day=day_of(at), shop_id=conversation.shop_id, agent_id=conversation.assignee_id, conversations=1)


def first_response(
    conversation: Conversation, *, business_seconds: int, at: datetime, agent_id: int | None = None
) -> None:
    """The first agent reply, `business_seconds` after the buyer's first message
    (counted for `agent_id`, the conversation's agent by default)."""
    add(
        day=day_of(at),
        shop_id=conversation.shop_id,
        agent_id=_agent_of(conversation, agent_id),
        first_responses=1,
        first_response_seconds=max(0, business_seconds),
    )


def resolved(conversation: Conversation, *, business_seconds: int, at: datetime, agent_id: int | None = None) -> None:
    """The conversation was resolved, `business_seconds` after it opened."""
    add(
        day=day_of(at),
        shop_id=conversation.shop_id,
        agent_id=_agent_of(conversation, agent_id),
        resolutions=1,
        resolution_seconds=max(0, business_seconds),
    )


def sla_outcome(conversation: Conversation, *, met: bool, at: datetime) -> None:
    """One clock ended: met in time, or breached."""
    add(
        day=day_of(at),
        shop_id=conversation.shop_id,
        agent_id=conversation.assignee_id,
        **({"sla_met": 1} if met else {"sla_breached": 1}),
    )


def csat(conversation: Conversation, *, score: int, at: datetime) -> None:
    """The buyer answered the survey."""
    add(
        day=day_of(at),
        shop_id=conversation.shop_id,
        agent_id=conversation.assignee_id or conversation.last_assignee_id,
        csat_count=1,
        csat_sum=score,
    )


def forbidden_hit(conversation: Conversation | None, *, agent_id: int, shop_id: int, at: datetime) -> None:
    """An agent's draft was caught."""
    add(day=day_of(at), shop_id=shop_id, agent_id=agent_id, forbidden_hits=1)


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """The figures of one group (a day, a shop, an agent, or the whole range)."""

    key: dict[str, Any]
    conversations: int
    first_responses: int
    first_response_avg_seconds: float | None
    resolutions: int
    resolution_avg_seconds: float | None
    sla_met: int
    sla_breached: int
    sla_met_percent: float | None
    csat_count: int
    csat_avg: float | None
    forbidden_hits: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.key, **{name: getattr(self, name) for name in FIGURE_FIELDS}}


FIGURE_FIELDS = (
    "conversations",
    "first_responses",
    "first_response_avg_seconds",
    "resolutions",
    "resolution_avg_seconds",
    "sla_met",
    "sla_breached",
    "sla_met_percent",
    "csat_count",
    "csat_avg",
    "forbidden_hits",
)
GROUPINGS = {
    "day": ("day",),
    "shop": ("shop_id", "shop__name"),
    "agent": ("agent_id", "agent__username", "agent__display_name"),
}


def _ratio(numerator: int, denominator: int, scale: float = 1.0) -> float | None:
    return round(numerator * scale / denominator, 2) if denominator else None


def _row(key: dict[str, Any], sums: dict[str, Any]) -> FigureRow:
    total = {name: int(sums.get(name) or 0) for name in COUNTERS}
    return FigureRow(
        key=key,
        conversations=total["conversations"],
        first_responses=total["first_responses"],
        first_response_avg_seconds=_ratio(total["first_response_seconds"], total["first_responses"]),
        resolutions=total["resolutions"],
        resolution_avg_seconds=_ratio(total["resolution_seconds"], total["resolutions"]),
        sla_met=total["sla_met"],
        sla_breached=total["sla_breached"],
        sla_met_percent=_ratio(total["sla_met"], total["sla_met"] + total["sla_breached"], 100.0),
        csat_count=total["csat_count"],
        csat_avg=_ratio(total["csat_sum"], total["csat_count"]),
        forbidden_hits=total["forbidden_hits"],
    )


def report(
    *,
    start: date,
    end: date,
    by: tuple[str, ...] = ("day", "shop", "agent"),
    shop_ids: set[int] | None = None,
    agent_id: int | None = None,
) -> list[FigureRow]:
    """The figures from `start` to `end` (Shanghai days, both included), grouped by any
    of day / shop / agent (none: one row for the range), limited to `shop_ids` (None:
    every shop) and to one agent. Averages are business seconds; SLA met % is of the
    clocks that ended."""
    rows = ServiceDailyFigure.objects.filter(day__gte=start, day__lte=end)
    if shop_ids is not None:
        rows = rows.filter(shop_id__in=shop_ids)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    columns: list[str] = []
    for grouping in by:
        columns.extend(GROUPINGS[grouping])
    sums = {name: Sum(name) for name in COUNTERS}
    if not columns:
        return [_row({}, rows.aggregate(**sums))]
    grouped = rows.values(*columns).annotate(**sums).order_by(*columns)
    result = []
    for values in grouped:
        key: dict[str, Any] = {}
        if "day" in values:
            key["day"] = values["day"]
        if "shop_id" in values:
            key["shop_id"] = values["shop_id"]
            key["shop"] = values["shop__name"]
        if "agent_id" in values:
            key["agent_id"] = values["agent_id"]
            key["agent"] = values["agent__display_name"] or values["agent__username"] or ""
        result.append(_row(key, values))
    return result


def totals_where(**filters: Any) -> dict[str, int]:
    """Sums of the counters over the rows matching `filters` (tests, the demo's checks)."""
    sums = ServiceDailyFigure.objects.filter(Q(**filters)).aggregate(**{name: Sum(name) for name in COUNTERS})
    return {name: int(sums[name] or 0) for name in COUNTERS}
