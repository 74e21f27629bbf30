"""The reminders' daily report (seed 002: "客服每天要登记不能当天付款的原因,做个汇总报表"):
for a day, week or month, per shop and per agent, how many orders were reminded, how many
were paid after the reminder (the recovery rate), the buyers' reasons summed, and the
lost-order rate (placed, then closed without ever being paid; the seed's 20 %) over time,
each with the previous period beside it. The XLSX export carries the same numbers.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.models import User
from sellerdesk.core.periods import period_start, shift
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus
from sellerdesk.reminders.models import PaymentReminder, ReminderStatus, UnpaidReason
from sellerdesk.reminders.queries import reason_name
from sellerdesk.shops.access import visible_shop_ids
from sellerdesk.shops.models import Shop

Period = Literal["day", "week", "month"]
PERIODS: tuple[str, ...] = ("day", "week", "month")
TREND_PERIODS = 8
# The reason column of a reminder whose buyer gave only their own words.
NOTE_ONLY = "note_only"


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (None when nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    reminded: int = 0
    paid_after: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def recovery_rate(self) -> Decimal | None:
        return rate(self.paid_after, self.reminded)


@dataclass(frozen=True)
class Line:
    """One shop or agent: this period's figures and the previous period's."""

    key: str
    name: str
    current: Figures
    previous: Figures


@dataclass(frozen=True)
class LostPoint:
    start: date
    placed: int
    lost: int

    @property
    def lost_rate(self) -> Decimal | None:
        return rate(self.lost, self.placed)


@dataclass(frozen=True)
class Report:
    period: str
    start: date
    end: date  # exclusive
    previous_start: date
    total: Figures
    previous: Figures
    by_shop: list[Line]
    by_agent: list[Line]
    reasons: list[tuple[str, str]]  # (code, name in the reader's language), the list's order
    lost: list[LostPoint]  # oldest first; the last is this period

    @property
    def lost_now(self) -> LostPoint:
        return self.lost[-1]

    @property
    def lost_before(self) -> LostPoint:
        return self.lost[-2]


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _figures(reminders: list[PaymentReminder], key: str | None) -> dict[str, Figures]:
    grouped: dict[str, Figures] = defaultdict(Figures)
    for reminder in reminders:
        target = grouped[str(getattr(reminder, key) or "") if key else ""]
        target.reminded += 1
        target.paid_after += reminder.paid_at is not None
        if reminder.reason is not None:
            target.reasons[reminder.reason.code] += 1
        elif reminder.reason_note:
            target.reasons[NOTE_ONLY] += 1
    return grouped


def _reminders(start: date, end: date, shop: Shop | None, visible: frozenset[int] | None) -> list[PaymentReminder]:
    found = PaymentReminder.objects.filter(
        status=ReminderStatus.DONE, reminded_at__gte=_moment(start), reminded_at__lt=_moment(end)
    ).select_related("reason")
    if visible is not None:
        found = found.filter(shop_id__in=visible)
    if shop is not None:
        found = found.filter(shop=shop)
    return list(found)


def _lost_points(
    first: date, end: date, period: str, shop: Shop | None, visible: frozenset[int] | None
) -> list[LostPoint]:
    """Placed and lost (closed, never paid) per period, from one grouped query."""
    orders = Order.objects.filter(created_at__gte=_moment(first), created_at__lt=_moment(end))
    if visible is not None:
        orders = orders.filter(shop_id__in=visible)
    if shop is not None:
        orders = orders.filter(shop=shop)
    per_day = (
        orders.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(placed=Count("pk"), lost=Count("pk", filter=Q(status=OrderStatus.CLOSED, paid_at__isnull=True)))
        .order_by("day")
    )
    placed: Counter[date] = Counter()
    lost: Counter[date] = Counter()
    for row in per_day:
        start = period_start(row["day"], period)
        placed[start] += row["placed"]
        lost[start] += row["lost"]
    points = []
    start = first
    while start < end:
        points.append(LostPoint(start, placed[start], lost[start]))
        start = shift(start, period, 1)
    return points


def build_report(*, actor: User, day: date, period: str = "day", shop: Shop | None = None) -> Report:
    """The report of the day/week/month that holds `day` (local time), the previous one
    beside it, and the lost-order rate of the last eight periods, over the shops the actor
    may see (shops.access)."""
    require(actor, "reminders.report")
    if period not in PERIODS:
        period = "day"
    start = period_start(day, period)
    end = shift(start, period, 1)
    previous_start = shift(start, period, -1)
    visible = visible_shop_ids(actor)
    current = _reminders(start, end, shop, visible)
    before = _reminders(previous_start, start, shop, visible)

    shops = dict(Shop.objects.values_list("pk", "name"))
    agent_ids = {reminder.agent_id for reminder in current + before if reminder.agent_id}
    agents = {user.pk: user.signature for user in User.objects.filter(pk__in=agent_ids)}

    def lines(key: str, names: dict[int, str], nobody: str) -> list[Line]:
        now_figures, before_figures = _figures(current, key), _figures(before, key)
        keys = sorted(set(now_figures) | set(before_figures), key=lambda value: (value == "", value))
        return [
            Line(
                value,
                names.get(int(value), value) if value else nobody,
                now_figures.get(value, Figures()),
                before_figures.get(value, Figures()),
            )
            for value in keys
        ]

    reasons = [(reason.code, reason_name(reason)) for reason in UnpaidReason.objects.all()]
    reasons.append((NOTE_ONLY, _("Buyer's own words only")))
    return Report(
        period=period,
        start=start,
        end=end,
        previous_start=previous_start,
        total=_figures(current, None).get("", Figures()),
        previous=_figures(before, None).get("", Figures()),
        by_shop=lines("shop_id", shops, ""),
        # The sweep's SMS and chat reminders have no agent: they are "the system's".
        by_agent=lines("agent_id", agents, _("System")),
        reasons=reasons,
        lost=_lost_points(shift(start, period, -(TREND_PERIODS - 1)), end, period, shop, visible),
    )


# --- the export ----------------------------------------------------------------------------


def _percent(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def report_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: summary, per shop, per agent, reasons, lost orders
    (the same numbers as the page)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)

    summary = book.active
    summary.title = _("Summary")[:31]
    summary.append([_("Period"), report.period, str(report.start), str(report.end - timedelta(days=1))])
    summary.append([_("Figure"), _("This period"), _("Previous period")])
    summary.append([_("Reminded"), report.total.reminded, report.previous.reminded])
    summary.append([_("Paid after the reminder"), report.total.paid_after, report.previous.paid_after])
    summary.append(
        [
            _("Recovery rate (%)"),
            _percent(report.total.recovery_rate),
            _percent(report.previous.recovery_rate),
        ]
    )
    summary.append([_("Orders placed"), report.lost_now.placed, report.lost_before.placed])
    summary.append([_("Lost (closed unpaid)"), report.lost_now.lost, report.lost_before.lost])
    summary.append(
        [_("Lost-order rate (%)"), _percent(report.lost_now.lost_rate), _percent(report.lost_before.lost_rate)]
    )

    headers = [
        _("Name"),
        _("Reminded"),
        _("Paid after the reminder"),
        _("Recovery rate (%)"),
        _("Reminded (previous)"),
        _("Paid (previous)"),
        _("Recovery rate (previous, %)"),
    ]
    for title, lines in ((_("By shop"), report.by_shop), (_("By agent"), report.by_agent)):
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for line in lines:
            sheet.append(
                [
                    line.name,
                    line.current.reminded,
                    line.current.paid_after,
                    _percent(line.current.recovery_rate),
                    line.previous.reminded,
                    line.previous.paid_after,
                    _percent(line.previous.recovery_rate),
                ]
            )

    reasons = book.create_sheet(_("Reasons")[:31])
    reasons.append([_("Reason"), _("This period"), _("Previous period")])
    for code, name in report.reasons:
        reasons.append([name, report.total.reasons.get(code, 0), report.previous.reasons.get(code, 0)])

    lost = book.create_sheet(_("Lost orders")[:31])
    lost.append([_("Period from"), _("Orders placed"), _("Lost (closed unpaid)"), _("Lost-order rate (%)")])
    for point in report.lost:
        lost.append([str(point.start), point.placed, point.lost, _percent(point.lost_rate)])

    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
