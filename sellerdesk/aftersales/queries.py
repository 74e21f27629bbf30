"""Reads of after-sales cases shared by the staff screens and the API: the queue, the
case page's data, the lists of work to do (follow-ups, bank transfers) and the figures
the dashboards read. Every read checks `aftersales.view`, and reads only the cases of the
shops the actor may see (shops.access): another shop's case is not found."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Min, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.aftersales.models import (
    FINISHED_QUEUE_STATUSES,
    OPEN_QUEUE_STATUSES,
    Case,
    CaseEvent,
    CaseLine,
    CaseMessage,
    CaseStatus,
    CaseType,
    Dispute,
    Evidence,
    FollowUp,
    Reason,
    Refund,
    RefundStatus,
)
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.states import OPEN_STATUSES
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.logistics.models import Shipment, TrackingEvent
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.shops.access import limit_to_visible_shops, visible_shop_ids

CASES_PER_PAGE = 50
# The queue's tab of every case that may still move (see states.OPEN_STATUSES).
OPEN = "open"
_OPEN_VALUES = OPEN_QUEUE_STATUSES


def _statuses(status: str | None) -> list[str] | None:
    """The statuses a queue filter means: None for every case."""
    if not status or status == "all":
        return None
    if status == OPEN:
        return _OPEN_VALUES
    if status not in CaseStatus.values:
        raise ValidationFailed({"status": _("Unknown case status %(value)s.") % {"value": status}})
    return [status]


def _search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Exact case number, order number, return tracking number, buyer phone or name; the
    phone's last four digits or more and the name's beginning (two characters or more)."""
    text = text.strip()
    if not text:
        return cases
    match = (
        Q(number=text)
        | Q(order__number=text)
        | Q(return_tracking_number=text)
        | Q(order__buyer_phone=text)
        | Q(order__buyer_name=text)
    )
    if len(text) >= 2:
        match |= Q(order__buyer_name__startswith=text)
    if len(text) >= 4 and text.isdigit():
        match |= Q(order__buyer_phone__endswith=text)
    return cases.filter(match)


def queue_filter(
    *,
    status: str | None = None,
    type: str | None = None,
    shop_id: int | None = None,
    overdue_only: bool = False,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The cases a queue's filters select, unordered (shared by the queue and its tab counts)."""
    now = now or timezone.now()
    cases = Case.objects.all()
    statuses = _statuses(status)
    if statuses is not None:
        cases = cases.filter(status__in=statuses)
    if type:
        if type not in CaseType.values:
            raise ValidationFailed({"type": _("Unknown case type %(value)s.") % {"value": type}})
        cases = cases.filter(type=type)
    if shop_id:
        cases = cases.filter(shop_id=shop_id)
    if overdue_only:
        cases = cases.filter(status__in=_OPEN_VALUES, due_at__lt=now)
    return _search(cases, search)


def case_queue(
    *,
    actor: User | None,
    status: str | None = None,
    type: str | None = None,
    shop_id: int | None = None,
    overdue_only: bool = False,
    search: str = "",
    page: int = 1,
    now: datetime | None = None,
    page_size: int = CASES_PER_PAGE,
) -> Page[Case]:
    """The after-sales queue: the overdue open cases first (the longest overdue on top),
    then the other open cases by their next deadline (cases without one last), then the
    finished ones; newest first among equals.

    `status` is a CaseStatus value, "open" (every status a case may still leave) or
    empty/"all"; `search` matches a case number, an order number, the buyer's phone or
    name, or a return tracking number. Each case carries `is_overdue`, with its order,
    shop and assignee read in the same query.
    """
    require(actor, "aftersales.view")
    now = now or timezone.now()
    cases = limit_to_visible_shops(
        queue_filter(status=status, type=type, shop_id=shop_id, overdue_only=overdue_only, search=search, now=now),
        actor,
    ).annotate(
        is_overdue=When_(
            When(status__in=_OPEN_VALUES, due_at__lt=now, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    cases = cases.select_related("order", "shop", "assignee")
    # Among open cases an earlier deadline is an overdue one first, so the deadline alone
    # orders them (the open cases' partial index, models.Case); finished cases, whose
    # deadline no longer runs, come after them, newest first (their own partial index).
    by_deadline: list[Any] = [F("due_at").asc(nulls_last=True), "-created_at", "-pk"]
    statuses = _statuses(status)
    if overdue_only or (statuses is not None and set(statuses) <= set(_OPEN_VALUES)):
        return cast("Page[Case]", Paginator(cases.order_by(*by_deadline), page_size).get_page(page))
    rows = _OneAfterTheOther(
        cases.filter(status__in=_OPEN_VALUES).order_by(*by_deadline),
        cases.filter(status__in=FINISHED_QUEUE_STATUSES).order_by("-created_at", "-pk"),
    )
    return cast("Page[Case]", Paginator(cast(Any, rows), page_size).get_page(page))


class _OneAfterTheOther:
    """Two ordered querysets read as one list for the paginator: a page is sliced from
    the first, the second or both, each with its own index, instead of one sort of every
    row by a computed key."""

    def __init__(self, first: QuerySet[Case], second: QuerySet[Case]) -> None:
        self.first, self.second = first, second
        self._first_count: int | None = None

    def _count_first(self) -> int:
        if self._first_count is None:
            self._first_count = self.first.count()
        return self._first_count

    def count(self) -> int:
        return self._count_first() + self.second.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Case]:
        start, stop = window.start or 0, window.stop
        split = self._count_first()
        rows: list[Case] = []
        if start < split:
            rows.extend(self.first[start : min(stop, split)])
        if stop > split:
            rows.extend(self.second[max(start - split, 0) : stop - split])
        return rows


def queue_counts(
    *, actor: User | None, type: str | None = None, shop_id: int | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Cases per status under the queue's other filters (one GROUP BY), with "open",
    "overdue" and "all" totals, for the queue's tabs."""
    require(actor, "aftersales.view")
    now = now or timezone.now()
    rows = (
        limit_to_visible_shops(queue_filter(type=type, shop_id=shop_id, now=now), actor)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    counts: dict[str, int] = {status: 0 for status in CaseStatus.values}
    counts.update({OPEN: 0, "overdue": 0, "all": 0})
    for row in rows:
        counts[row["status"]] = row["count"]
        counts["all"] += row["count"]
        if row["status"] in OPEN_STATUSES:
            counts[OPEN] += row["count"]
            counts["overdue"] += row["overdue"]
    return counts


# --- the case page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Parcel:
    """A parcel of the case's order (outbound) or of its return, with its scans newest first."""

    shipment: Shipment
    is_return: bool
    scans: list[TrackingEvent]


@dataclass(frozen=True)
class CaseView:
    """Everything the case page shows, read in a fixed number of queries."""

    case: Case
    order: Order
    lines: list[CaseLine]
    order_lines: list[OrderLine]
    events: list[CaseEvent]
    messages: list[CaseMessage]
    evidence: list[Evidence]
    refunds: list[Refund]
    dispute: Dispute | None
    parcels: list[Parcel]
    other_cases: list[Case]
    follow_ups: list[FollowUp]

    @property
    def notes(self) -> list[CaseEvent]:
        return [event for event in self.events if event.code == "case_note"]

    @property
    def photos(self) -> list[Evidence]:
        return [item for item in self.evidence if item.file]


def get_case(*, number: str, actor: User | None) -> Case:
    """The case by its number (NotFound otherwise), with its order and shop."""
    require(actor, "aftersales.view")
    case = None
    if number and "\x00" not in number:
        case = limit_to_visible_shops(Case.objects.select_related("order", "shop"), actor).filter(number=number).first()
    if case is None:
        raise NotFound(_("No after-sales case %(number)s.") % {"number": number}, details={"number": number})
    return case


def case_detail(*, number: str, actor: User | None) -> CaseView:
    """The case, its lines, timeline, messages, evidence, refunds, dispute and follow-ups,
    its order with the order's lines, the order's and the return's parcels with their
    scans, and the order's other cases. NotFound if there is no such case."""
    require(actor, "aftersales.view")
    case = None
    if number and "\x00" not in number:
        case = (
            limit_to_visible_shops(Case.objects.all(), actor)
            .select_related(
                "order",
                "order__shop",
                "shop",
                "customer",
                "assignee",
                "approved_by",
                "created_by",
                "reviewed_by",
                "return_shipment",
                "return_warehouse",
                "replacement_order",
            )
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=CaseLine.objects.select_related("order_line", "sku", "replacement_sku").order_by("pk"),
                ),
                Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "pk")),
                Prefetch("messages", queryset=CaseMessage.objects.select_related("author").order_by("at", "pk")),
                Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("at", "pk")),
                Prefetch(
                    "refunds",
                    queryset=Refund.objects.select_related("requested_by")
                    .prefetch_related("lines")
                    .order_by("requested_at", "pk"),
                ),
                Prefetch("follow_ups", queryset=FollowUp.objects.select_related("done_by").order_by("due_at", "pk")),
            )
            .filter(number=number)
            .first()
        )
    if case is None:
        raise NotFound(_("No after-sales case %(number)s.") % {"number": number}, details={"number": number})
    dispute = Dispute.objects.select_related("opened_by", "ruled_by").filter(case=case).first()
    order = case.order
    shipments = (
        Shipment.objects.filter(Q(order=order) | Q(pk=case.return_shipment_id))
        .select_related("carrier")
        .prefetch_related("tracking_events")
        .order_by("created_at", "pk")
    )
    parcels = [
        Parcel(
            shipment=shipment,
            is_return=getattr(shipment, "direction", "outbound") == "return" or shipment.pk == case.return_shipment_id,
            scans=sorted(shipment.tracking_events.all(), key=lambda e: (e.at, e.pk), reverse=True),
        )
        for shipment in shipments
    ]
    return CaseView(
        case=case,
        order=order,
        lines=list(case.lines.all()),
        order_lines=list(OrderLine.objects.filter(order=order).order_by("pk")),
        events=list(case.events.all()),
        messages=list(case.messages.all()),
        evidence=list(case.evidence.all()),
        refunds=list(case.refunds.all()),
        dispute=dispute,
        parcels=parcels,
        other_cases=list(Case.objects.filter(order=order).exclude(pk=case.pk).order_by("created_at", "pk")),
        follow_ups=list(case.follow_ups.all()),
    )


def cases_of_order(*, order: Order, actor: User | None) -> list[Case]:
    """The order's cases, oldest first (the order page's after-sales section)."""
    require(actor, "aftersales.view")
    return list(Case.objects.filter(order=order).order_by("created_at", "pk"))


# --- lists of work ----------------------------------------------------------------------------


def follow_ups_due(*, actor: User | None, now: datetime | None = None, limit: int = 200) -> list[FollowUp]:
    """Follow-up calls (回访) not done yet, the earliest due first (due or not)."""
    require(actor, "aftersales.view")
    return list(
        limit_to_visible_shops(FollowUp.objects.filter(done_at__isnull=True), actor, shop_field="case__shop_id")
        .select_related("case", "case__order", "assignee")
        .order_by("due_at", "pk")[:limit]
    )


def transfers_to_make(*, actor: User | None, limit: int = 200) -> list[Refund]:
    """Refunds that wait for a bank transfer by staff (COD, remittance), oldest first."""
    require(actor, "aftersales.view")
    return list(
        limit_to_visible_shops(
            Refund.objects.filter(status=RefundStatus.AWAITING_TRANSFER), actor, shop_field="case__shop_id"
        )
        .select_related("case", "order", "requested_by")
        .order_by("requested_at", "pk")[:limit]
    )


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class PeriodFigures:
    """After-sales figures of one period [start, end).

    rate = cases opened ÷ orders shipped in the period (None when nothing shipped);
    refund_amount = refunds that succeeded (completed) in the period; the resolution
    figures are over the cases closed in the period: hours from opening to closing
    (average and median) and the share that kept their deadlines (answered within the
    shop's response hours, a replacement sent by its due time)."""

    start: datetime
    end: datetime
    cases_opened: int
    orders_shipped: int
    rate: Decimal | None
    refund_amount: Decimal
    refunds: int
    by_reason: list[Tally]
    by_type: list[Tally]
    resolved: int
    average_hours_to_resolve: Decimal | None
    median_hours_to_resolve: Decimal | None
    resolved_in_time: int
    share_resolved_in_time: Decimal | None

    @property
    def last_day(self) -> date:
        """The period's last day, local time (`end` itself is excluded)."""
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else (self.rate * 100).quantize(Decimal("0.01"))

    @property
    def share_in_time_percent(self) -> Decimal | None:
        if self.share_resolved_in_time is None:
            return None
        return (self.share_resolved_in_time * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class AfterSalesFigures:
    current: PeriodFigures
    previous: PeriodFigures
    shop_id: int | None = None


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def _hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def _tallies(rows: QuerySet[Case], field_name: str, labels: dict[str, str]) -> list[Tally]:
    counted = rows.order_by().values(field_name).annotate(count=Count("pk"))
    tallies = [Tally(row[field_name], labels.get(row[field_name], row[field_name]), row["count"]) for row in counted]
    return sorted(tallies, key=lambda tally: (-tally.count, tally.code))


def _met_its_deadlines(
    response_hours: int,
    created_at: datetime,
    closed_at: datetime,
    answered_at: datetime | None,
    replacement_due_at: datetime | None,
    replaced_at: datetime | None,
) -> bool:
    """Whether a resolved case kept the shop's deadlines: the request answered within the
    policy's response hours, and a replacement (exchange) sent by its due time. (The
    case's running `due_at` is cleared when it closes, so the deadlines are read back
    from its timeline.)"""
    answer_by = created_at + timedelta(hours=response_hours)
    if answered_at is None or answered_at > answer_by:
        return False
    return replacement_due_at is None or (replaced_at or closed_at) <= replacement_due_at


def _period(start: datetime, end: datetime, shop_id: int | None, visible: frozenset[int] | None) -> PeriodFigures:
    cases = Case.objects.all()
    orders = Order.objects.all()
    refunds = Refund.objects.filter(status=RefundStatus.SUCCEEDED, completed_at__gte=start, completed_at__lt=end)
    if visible is not None:
        cases = cases.filter(shop_id__in=visible)
        orders = orders.filter(shop_id__in=visible)
        refunds = refunds.filter(case__shop_id__in=visible)
    if shop_id:
        cases = cases.filter(shop_id=shop_id)
        orders = orders.filter(shop_id=shop_id)
        refunds = refunds.filter(case__shop_id=shop_id)
    opened = cases.filter(created_at__gte=start, created_at__lt=end)
    cases_opened = opened.count()
    orders_shipped = orders.filter(shipped_at__gte=start, shipped_at__lt=end).count()
    refunded = refunds.aggregate(total=Sum("amount"), count=Count("pk"))
    closed = list(
        cases.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(
            # The first move out of "requested" (approved, rejected, canceled, disputed).
            answered_at=Min("events__at", filter=Q(events__status_before=CaseStatus.REQUESTED)),
            replaced_at=Min("events__at", filter=Q(events__status_after=CaseStatus.REPLACEMENT_SHIPPED)),
        )
        .values_list("shop_id", "created_at", "closed_at", "answered_at", "replacement_due_at", "replaced_at")
    )
    hours = {shop: policy_for(shop).response_hours for shop in {row[0] for row in closed}}
    durations: list[float] = []
    in_time = 0
    for shop, created_at, closed_at, answered_at, replacement_due_at, replaced_at in closed:
        assert closed_at is not None  # filtered on it
        durations.append((closed_at - created_at).total_seconds() / 3600)
        if _met_its_deadlines(hours[shop], created_at, closed_at, answered_at, replacement_due_at, replaced_at):
            in_time += 1
    return PeriodFigures(
        start=start,
        end=end,
        cases_opened=cases_opened,
        orders_shipped=orders_shipped,
        rate=_ratio(cases_opened, orders_shipped),
        refund_amount=to_money(refunded["total"]) if refunded["total"] is not None else ZERO,
        refunds=refunded["count"],
        by_reason=_tallies(opened, "reason", {str(k): str(v) for k, v in Reason.choices}),
        by_type=_tallies(opened, "type", {str(k): str(v) for k, v in CaseType.choices}),
        resolved=len(closed),
        average_hours_to_resolve=_hours(statistics.fmean(durations)) if durations else None,
        median_hours_to_resolve=_hours(statistics.median(durations)) if durations else None,
        resolved_in_time=in_time,
        share_resolved_in_time=_ratio(in_time, len(closed)),
    )


def figures(*, actor: User | None, start: datetime, end: datetime, shop_id: int | None = None) -> AfterSalesFigures:
    """After-sales figures of [start, end) and of the period of the same length just
    before it (for comparison), over one shop or all of them (all the actor may see)."""
    require(actor, "aftersales.view")
    if end <= start:
        raise ValidationFailed({"end": _("The end must be after the start.")})
    length = end - start
    visible = visible_shop_ids(actor)
    return AfterSalesFigures(
        current=_period(start, end, shop_id, visible),
        previous=_period(start - length, start, shop_id, visible),
        shop_id=shop_id,
    )


def default_period(now: datetime | None = None, days: int = 30) -> tuple[datetime, datetime]:
    """The last `days` days up to the end of today (local time)."""
    now = timezone.localtime(now or timezone.now())
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return end - timedelta(days=days), end


__all__ = [
    "CASES_PER_PAGE",
    "AfterSalesFigures",
    "CaseView",
    "Parcel",
    "PeriodFigures",
    "Tally",
    "case_detail",
    "case_queue",
    "cases_of_order",
    "default_period",
    "figures",
    "follow_ups_due",
    "get_case",
    "queue_counts",
    "transfers_to_make",
]
