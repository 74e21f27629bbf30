"""The owner's and supervisor's morning dashboard (issue 15, C14): every metric of
analytics.metrics over a range of days, weeks or months, for all shops or one shop and
all agents or one agent, with the previous period of the same length beside it; the
same figures per shop and per agent; the buyers' reasons for not paying.

It reads only the daily fact rows (DailyFact, DailyReasonFact): three grouped queries
whatever the number of orders, and every value is `METRICS[code].value(sums)`, so the
page, the API and the XLSX export show the same numbers. `parse_query` is the one place
the input is checked; a bad range or an unknown shop or agent is a ValidationFailed
naming the field.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Case, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.analytics.metrics import METRICS, Metric
from sellerdesk.analytics.models import AMOUNTS, COUNTERS, DailyFact, DailyReasonFact, FactRefresh
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.periods import period_start, shift
from sellerdesk.core.permissions import require
from sellerdesk.core.spreadsheets import sheet_title
from sellerdesk.reminders.models import UnpaidReason
from sellerdesk.reminders.queries import reason_name
from sellerdesk.reminders.report import NOTE_ONLY
from sellerdesk.shops.access import visible_shop_ids, visible_shops
from sellerdesk.shops.models import Shop

PERIODS: tuple[str, ...] = ("day", "week", "month")
# How many buckets the page shows when no start is given: two weeks of days, eight
# weeks, six months.
DEFAULT_BUCKETS = {"day": 14, "week": 8, "month": 6}
# The longest range asked for (start to end, both included): two years of days. The
# fact rows make a longer one cheap, but nobody reads a chart of more, and a typo
# (2062 for 2026) should be an error, not a slow page.
MAX_RANGE_DAYS = 731
# Dates outside these are typos (and would overflow date arithmetic near year 1 / 9999).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
COLUMNS: tuple[str, ...] = COUNTERS + AMOUNTS


def bucket_label(start: date, period: str) -> str:
    """A bucket's name on the chart's axis and in the export: 2026-03-05 for a day, the
    Monday for a week, 2026-03 for a month (the same in both languages)."""
    return start.strftime("%Y-%m") if period == "month" else start.isoformat()


@dataclass(frozen=True)
class DashboardQuery:
    """A checked query. `starts` are the buckets' first days; the range runs from
    `starts[0]` to `end` (exclusive); the previous period is the same number of buckets
    just before it, bucket for bucket."""

    period: str
    starts: tuple[date, ...]
    end: date
    shop: Shop | None
    agent: User | None

    @property
    def start(self) -> date:
        return self.starts[0]

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def previous_starts(self) -> tuple[date, ...]:
        return tuple(shift(start, self.period, -len(self.starts)) for start in self.starts)

    @property
    def previous_start(self) -> date:
        return self.previous_starts[0]

    def as_params(self) -> dict[str, str]:
        """The query as the page's and the API's parameters (links to the export)."""
        params = {"period": self.period, "start": self.start.isoformat(), "end": self.last_day.isoformat()}
        if self.shop is not None:
            params["shop"] = self.shop.code
        if self.agent is not None:
            params["agent"] = self.agent.username
        return params


def _parse_day(value: str | date | None, field: str, errors: dict[str, str]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            errors[field] = _("not a date: write it as YYYY-MM-DD")
            return None
    if not EARLIEST <= day <= LATEST:
        errors[field] = _("must be between %(earliest)s and %(latest)s") % {"earliest": EARLIEST, "latest": LATEST}
        return None
    return day


def parse_query(
    *,
    period: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    shop: str | None = None,
    agent: str | None = None,
    today: date | None = None,
    actor: User | None = None,
) -> DashboardQuery:
    """Check the dashboard's input (as the page and the API receive it) and make the
    buckets. `end` defaults to today, `start` to the default number of buckets before
    it; the range is widened to whole weeks or months. Raises ValidationFailed naming
    each bad field: an unknown period, a date that does not parse, an end before the
    start, a range over MAX_RANGE_DAYS, a shop code or agent username that does not
    exist (an agent must be staff), or a shop `actor` may not see (shops.access)."""
    errors: dict[str, str] = {}
    period = period or "day"
    if period not in PERIODS:
        errors["period"] = _("must be one of: %(choices)s") % {"choices": ", ".join(PERIODS)}
        period = "day"
    first = _parse_day(start, "start", errors)
    last = _parse_day(end, "end", errors)
    found_shop: Shop | None = None
    if shop:
        found_shop = Shop.objects.filter(code=shop).first()
        limit = visible_shop_ids(actor)
        if found_shop is not None and limit is not None and found_shop.pk not in limit:
            found_shop = None  # as unknown as a code no shop has
        if found_shop is None:
            errors["shop"] = _("no shop has the code %(code)s") % {"code": shop}
    found_agent: User | None = None
    if agent:
        found_agent = User.objects.filter(username=agent, is_active=True).first()
        if found_agent is None:
            errors["agent"] = _("no staff member has the user name %(name)s") % {"name": agent}
    if "start" not in errors and "end" not in errors:
        last = last or (today or timezone.localdate())
        if first is None:
            first = shift(period_start(last, period), period, -(DEFAULT_BUCKETS[period] - 1))
        if last < first:
            errors["end"] = _("is before the start (%(start)s)") % {"start": first}
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            errors["end"] = _("the range may span at most %(days)s days (2 years); this one spans %(asked)s") % {
                "days": MAX_RANGE_DAYS,
                "asked": (last - first).days + 1,
            }
    if errors:
        raise ValidationFailed(errors)
    assert first is not None and last is not None
    starts = []
    bucket = period_start(first, period)
    while bucket <= last:
        starts.append(bucket)
        bucket = shift(bucket, period, 1)
    return DashboardQuery(period=period, starts=tuple(starts), end=bucket, shop=found_shop, agent=found_agent)


# --- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One bucket of a chart and the same bucket of the previous period."""

    label: str
    value: Decimal | None
    previous_label: str
    previous: Decimal | None


@dataclass(frozen=True)
class Series:
    metric: Metric
    points: list[Point]
    total: Decimal | None
    previous_total: Decimal | None


@dataclass(frozen=True)
class Line:
    """One shop or agent: each metric's (this period, previous period)."""

    key: str
    name: str
    values: dict[str, tuple[Decimal | None, Decimal | None]]


@dataclass(frozen=True)
class ReasonLine:
    code: str
    name: str
    count: int
    previous: int


@dataclass(frozen=True)
class Dashboard:
    query: DashboardQuery
    series: list[Series]
    by_shop: list[Line]
    by_agent: list[Line]
    reasons: list[ReasonLine]
    # When the fact rows were last rebuilt (the page's "as of"); None: never.
    as_of: datetime | None


def _facts(query: DashboardQuery, visible: frozenset[int] | None) -> QuerySet[DailyFact]:
    facts = DailyFact.objects.filter(day__gte=query.previous_start, day__lt=query.end)
    if visible is not None:
        # A list of ids, not a subquery: the facts may be read from the reports replica.
        facts = facts.filter(shop_id__in=sorted(visible))
    if query.shop is not None:
        facts = facts.filter(shop=query.shop)
    if query.agent is not None:
        facts = facts.filter(agent=query.agent)
    return facts


def _value(
    metric: Metric, sums: Mapping[str, Any], query: DashboardQuery, *, per_agent: bool = False
) -> Decimal | None:
    # A metric without a per-agent figure (the team's, not one agent's) has none for
    # one agent either: "—", never a misleading part of it.
    if not metric.by_agent and (per_agent or query.agent is not None):
        return None
    return metric.value(sums)


def _by_shop_and_agent(
    query: DashboardQuery, visible: frozenset[int] | None
) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """Column sums per (shop, agent) of this period and of the previous one, from ONE
    statement grouped by shop, agent and which period a row falls in (a few dozen rows
    back; both tables below are added up from them)."""
    zero: dict[str, Any] = dict.fromkeys(COLUMNS, 0)
    found: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    rows = (
        _facts(query, visible)
        .annotate(is_current=Case(When(day__gte=query.start, then=Value(1)), default=Value(0)))
        .values("shop", "agent", "is_current")
        .annotate(**{column: Sum(column) for column in COLUMNS})
        .order_by()
    )
    # (The stubs type these rows by the grouped names only; the sums are there too.)
    for row in cast("Iterable[Mapping[str, Any]]", rows):
        key = (str(row["shop"]), str(row["agent"] or ""))
        now, before = found.setdefault(key, (dict(zero), dict(zero)))
        target = now if row["is_current"] else before
        for column in COLUMNS:
            target[column] += row[column] or 0
    return found


def _lines(
    grouped: Mapping[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]],
    index: int,
    names: Mapping[str, str],
    query: DashboardQuery,
    *,
    per_agent: bool,
) -> list[Line]:
    """One line per shop (index 0) or agent (index 1) of the (shop, agent) sums."""
    totals: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for key, (now, before) in grouped.items():
        line_now, line_before = totals.setdefault(key[index], (dict.fromkeys(COLUMNS, 0), dict.fromkeys(COLUMNS, 0)))
        for column in COLUMNS:
            line_now[column] += now[column]
            line_before[column] += before[column]
    return [
        Line(
            key=value,
            name=names.get(value, value),
            values={
                code: (
                    _value(metric, now, query, per_agent=per_agent),
                    _value(metric, before, query, per_agent=per_agent),
                )
                for code, metric in METRICS.items()
            },
        )
        for value, (now, before) in totals.items()
    ]


def build_dashboard(*, actor: User | None, query: DashboardQuery) -> Dashboard:
    """Every metric over `query`'s buckets beside the previous period's, per shop and per
    agent, and the reasons for not paying. Needs `dashboard.view`. Reads only the fact
    rows (three grouped queries) and the names of the shops and agents they mention.
    Only the shops the actor may see are counted (shops.access)."""
    require(actor, "dashboard.view")
    # The shops' names and the actor's shop limit in one query.
    shops, visible = visible_shops(actor)

    per_bucket: dict[date, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    per_day = (
        _facts(query, visible).values("day").annotate(**{column: Sum(column) for column in COLUMNS}).order_by("day")
    )
    for row in cast("Iterable[Mapping[str, Any]]", per_day):
        target = per_bucket[period_start(row["day"], query.period)]
        for column in COLUMNS:
            target[column] += row[column] or 0

    def total(starts: Sequence[date]) -> dict[str, Any]:
        sums: dict[str, Any] = dict.fromkeys(COLUMNS, 0)
        for start in starts:
            for column in COLUMNS:
                sums[column] += per_bucket[start][column] if start in per_bucket else 0
        return sums

    empty = dict.fromkeys(COLUMNS, 0)
    now_total, before_total = total(query.starts), total(query.previous_starts)
    series = [
        Series(
            metric=metric,
            points=[
                Point(
                    label=bucket_label(start, query.period),
                    value=_value(metric, per_bucket.get(start, empty), query),
                    previous_label=bucket_label(previous, query.period),
                    previous=_value(metric, per_bucket.get(previous, empty), query),
                )
                for start, previous in zip(query.starts, query.previous_starts, strict=True)
            ],
            total=_value(metric, now_total, query),
            previous_total=_value(metric, before_total, query),
        )
        for metric in METRICS.values()
    ]

    grouped = _by_shop_and_agent(query, visible)
    shop_names = {str(shop.pk): shop.name for shop in shops}
    by_shop = sorted(_lines(grouped, 0, shop_names, query, per_agent=False), key=lambda line: line.name)
    agent_ids = sorted({int(agent) for _shop, agent in grouped if agent})
    # Rows without an agent: the system's reminders, conversations nobody took, buyers
    # nobody is in charge of.
    agents = {str(user.pk): user.signature for user in User.objects.filter(pk__in=agent_ids)} | {"": _("No agent")}
    by_agent = _lines(grouped, 1, agents, query, per_agent=True)
    by_agent.sort(key=lambda line: (line.key == "", line.name))

    reasons = DailyReasonFact.objects.filter(day__gte=query.previous_start, day__lt=query.end)
    if visible is not None:
        reasons = reasons.filter(shop_id__in=sorted(visible))
    if query.shop is not None:
        reasons = reasons.filter(shop=query.shop)
    if query.agent is not None:
        reasons = reasons.filter(agent=query.agent)
    counted = {
        row["reason"]: (row["now"] or 0, row["before"] or 0)
        for row in reasons.values("reason").annotate(
            now=Sum("count", filter=Q(day__gte=query.start)), before=Sum("count", filter=Q(day__lt=query.start))
        )
    }
    names = [(reason.code, reason_name(reason)) for reason in UnpaidReason.objects.order_by("pk")]
    names.append((NOTE_ONLY, _("Buyer's own words only")))
    known = {code for code, _name in names}
    # A reason retired since (no longer in the list) still counts, under its code.
    names += [(code, code) for code in sorted(counted) if code not in known]
    reason_lines = [
        ReasonLine(code=code, name=name, count=counted.get(code, (0, 0))[0], previous=counted.get(code, (0, 0))[1])
        for code, name in names
    ]

    refresh = FactRefresh.objects.order_by("-finished_at", "-pk").first()
    return Dashboard(
        query=query,
        series=series,
        by_shop=by_shop,
        by_agent=by_agent,
        reasons=reason_lines,
        as_of=refresh.finished_at if refresh is not None else None,
    )


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _exact(value: Decimal | None) -> Decimal | None:
    return value


def chart_data(dashboard: Dashboard, *, exact: bool = False) -> dict[str, Any]:
    """What the page's charts draw (and the API returns): per metric its labels, values,
    the previous period's, and the totals; gaps as None. Numbers are floats for the
    page's charts, or with `exact` the Decimals themselves (the API: money and rates
    are never floats there)."""
    number = _exact if exact else _number
    return {
        "period": dashboard.query.period,
        "start": dashboard.query.start.isoformat(),
        "end": dashboard.query.last_day.isoformat(),
        "previous_start": dashboard.query.previous_start.isoformat(),
        "metrics": [
            {
                "code": series.metric.code,
                "label": str(series.metric.label),
                "unit": series.metric.unit.value,
                "lower_is_better": series.metric.lower_is_better,
                "labels": [point.label for point in series.points],
                "values": [number(point.value) for point in series.points],
                "previous_labels": [point.previous_label for point in series.points],
                "previous": [number(point.previous) for point in series.points],
                "total": number(series.total),
                "previous_total": number(series.previous_total),
            }
            for series in dashboard.series
        ],
        # The reasons' chart: each reason's count this period and the previous one.
        "reason_counts": {
            "labels": [reason.name for reason in dashboard.reasons],
            "codes": [reason.code for reason in dashboard.reasons],
            "values": [reason.count for reason in dashboard.reasons],
            "previous": [reason.previous for reason in dashboard.reasons],
        },
    }


# --- the export ----------------------------------------------------------------------------


# The export's `metric` for the reasons' chart alone.
REASONS_CHART = "reasons"


def dashboard_xlsx(dashboard: Dashboard, *, metric: str | None = None) -> bytes:
    """The dashboard as an Excel workbook with exactly the chart's numbers: one sheet per
    metric (or only `metric`'s) — each bucket's value and the previous period's, then the
    totals — and sheets per shop, per agent and of the reasons for not paying
    (`metric="reasons"`: that sheet alone). An unknown `metric` is a ValidationFailed
    naming it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if metric is not None and metric not in METRICS and metric != REASONS_CHART:
        raise ValidationFailed({"metric": _("no metric has the code %(code)s") % {"code": metric}})
    chosen = [series for series in dashboard.series if metric is None or series.metric.code == metric]
    query = dashboard.query
    book = Workbook()
    bold = Font(bold=True)
    book.remove(book.active)

    metric_sheets = set()
    for series in chosen:
        sheet = book.create_sheet(sheet_title(str(series.metric.label)))
        metric_sheets.add(sheet.title)
        sheet.append([str(series.metric.label), series.metric.unit.value, str(series.metric.formula)])
        sheet.append([_("Period"), _("This period"), _("Previous period"), _("Previous period")])
        for point in series.points:
            sheet.append([point.label, point.value, point.previous_label, point.previous])
        sheet.append(
            [_("Total"), series.total, bucket_label(query.previous_start, query.period), series.previous_total]
        )

    codes = [series.metric.code for series in chosen]
    tables = ((_("By shop"), dashboard.by_shop), (_("By agent"), dashboard.by_agent)) if chosen else ()
    for title, lines in tables:
        sheet = book.create_sheet(sheet_title(title))
        header: list[str] = [_("Name")]
        for series in chosen:
            header += [str(series.metric.label), f"{series.metric.label} ({_('previous period')})"]
        sheet.append(header)
        for line in lines:
            row: list[Any] = [line.name]
            for code in codes:
                row += list(line.values[code])
            sheet.append(row)

    if metric is None or metric == REASONS_CHART:
        sheet = book.create_sheet(sheet_title(_("Reasons for not paying")))
        sheet.append([_("Reason"), _("This period"), _("Previous period")])
        for reason in dashboard.reasons:
            sheet.append([reason.name, reason.count, reason.previous])

    for sheet in book.worksheets:
        # A metric's sheet has its name and formula above the header row.
        header_row = 2 if sheet.title in metric_sheets else 1
        for cell in sheet[header_row]:
            cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
