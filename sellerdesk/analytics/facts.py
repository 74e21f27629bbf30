"""Rebuilding the daily fact rows (analytics.models) from the source tables, set-based.

`rebuild(first_day=…, last_day=…)` reads each kind of fact with one grouped query per
kind (GROUP BY Shanghai day, shop, agent in SQL, on SQLite and PostgreSQL alike: no loop
over orders in Python), then deletes and rewrites the DailyFact and DailyReasonFact rows
of those days in one transaction and records a FactRefresh. docs/analytics.md says what
every column counts; in short:

- Two kinds of order are counted. A *buyer order* is one a buyer (or an agent for them)
  placed: not a merge result (an order with a "merged" event), not a split part
  (`split_from` set), not an after-sales replacement (a case's `replacement_order`).
  Placed, paid and lost count buyer orders, so a merge or a split never adds an order.
  The orders that ship are the other kind: shipped, completed and cancelled count the
  orders that went (or would have gone) to the warehouse, whatever they came from, and
  leave out the orders a merge, a split or an unmerge closed (their goods went on in
  another order), so a split order that ships as two parcels completes twice, and its
  original is never cancelled.
- Money is the payments ledger: a payment or a refund row counts once, on the day it
  was received or paid back, on the order it was recorded against.
- Order facts go to the order's shop and to the agent in charge of its buyer
  (Customer.agent, as it is at the rebuild); reminders to the agent who reminded (none:
  the sweep); the service desk's figures are copied from service.ServiceDailyFigure
  with their own agent (none: a conversation nobody had yet).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from sellerdesk.aftersales.models import Case as AfterSalesCase
from sellerdesk.aftersales.models import Reason
from sellerdesk.analytics.models import AMOUNTS, COUNTERS, DailyFact, DailyReasonFact, FactRefresh
from sellerdesk.logistics.models import ExceptionKind, LogisticsException, Shipment, ShipmentDirection
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, PaymentMethod
from sellerdesk.orders.states import OrderStatus
from sellerdesk.orders.texts import CLOSED_SPLIT_BACK
from sellerdesk.payments.models import Payment, PaymentKind
from sellerdesk.reminders.models import PaymentReminder, ReminderStatus
from sellerdesk.service.models import ServiceDailyFigure

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The reason of a reminder whose buyer gave only their own words (as reminders.report).
NOTE_ONLY = "note_only"
# Copied as they are from service.ServiceDailyFigure.
SERVICE_COLUMNS = (
    "conversations",
    "first_responses",
    "first_response_seconds",
    "resolutions",
    "csat_count",
    "csat_sum",
)

Key = tuple[date, int, int | None]  # (day, shop id, agent id or None)


@dataclass(frozen=True)
class Rebuilt:
    """What one rebuild did: rows written, rows that differ from what was there before
    (added, removed or changed), reason rows written."""

    rows: int
    changed: int
    reason_rows: int


def _moment(day: date) -> datetime:
    return datetime.combine(day, time_of_day.min, tzinfo=SHANGHAI)


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=SHANGHAI)


def _in_range(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- which orders ---------------------------------------------------------------------


def buyer_orders() -> QuerySet[Order]:
    """Orders a buyer placed: not a merge result, not a split part, not a replacement an
    after-sales case sent."""
    merged = OrderEvent.objects.filter(order_id=OuterRef("pk"), type=OrderEventType.MERGED)
    replacement = AfterSalesCase.objects.filter(replacement_order_id=OuterRef("pk"))
    return Order.objects.filter(split_from__isnull=True).filter(~Exists(merged), ~Exists(replacement))


def _lost() -> Q:
    """A buyer order closed and never paid: not cash on delivery (paid only when it is
    delivered, a COD order closed is a cancelled one), and its money never came in any
    other order — a merge it went into was closed unpaid too, no split part of it was paid
    and none is still open. (One level deep: a merge result split again is not followed.)"""
    live_or_paid_part = Order.objects.filter(split_from_id=OuterRef("pk")).filter(
        Q(paid_at__isnull=False) | ~Q(status=OrderStatus.CLOSED)
    )
    return (
        Q(status=OrderStatus.CLOSED, paid_at__isnull=True)
        & ~Q(payment_method=PaymentMethod.COD)
        & (Q(merged_into__isnull=True) | Q(merged_into__status=OrderStatus.CLOSED, merged_into__paid_at__isnull=True))
        & ~Q(Exists(live_or_paid_part))
    )


def _closed_by_reshaping() -> Q:
    """Closed by a merge (its goods went on in the merged order), a split (in the parts)
    or an unmerge (in the originals): not a cancellation."""
    parts = Order.objects.filter(split_from_id=OuterRef("pk"))
    return Q(merged_into__isnull=False) | Q(Exists(parts)) | Q(close_code=CLOSED_SPLIT_BACK)


# --- the grouped reads ------------------------------------------------------------------


def _grouped(rows: QuerySet[Any], day: str, shop: str, agent: str, **aggregates: Any) -> list[tuple[Any, ...]]:
    """(day, shop id, agent id, *aggregates) per group: a GROUP BY in the database."""
    return list(
        rows.annotate(fact_day=_day(day))
        .values("fact_day", shop, agent)
        .annotate(**aggregates)
        .values_list("fact_day", shop, agent, *aggregates)
        .order_by()
    )


def _order_facts(start: datetime, end: datetime) -> Iterable[tuple[Key, dict[str, int | Decimal]]]:
    shop, agent = "shop_id", "customer__agent_id"

    placed = buyer_orders().filter(_in_range("created_at", start, end))
    for day, shop_id, agent_id, count, lost in _grouped(
        placed, "created_at", shop, agent, placed=Count("pk"), lost=Count("pk", filter=_lost())
    ):
        yield (day, shop_id, agent_id), {"orders_placed": count, "orders_lost": lost}

    # Paid: a buyer order on the day its money came in full — its own, or (paid unpaid
    # into a merge or a split) the day the merged order or its first part was paid.
    paid = buyer_orders().filter(_in_range("paid_at", start, end))
    for day, shop_id, agent_id, count in _grouped(paid, "paid_at", shop, agent, paid=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_paid": count}
    paid_in_merge = buyer_orders().filter(paid_at__isnull=True).filter(_in_range("merged_into__paid_at", start, end))
    for day, shop_id, agent_id, count in _grouped(paid_in_merge, "merged_into__paid_at", shop, agent, paid=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_paid": count}
    first_part_paid = Subquery(
        Order.objects.filter(split_from_id=OuterRef("pk"), paid_at__isnull=False)
        .order_by()
        .values("split_from_id")
        .annotate(first=Min("paid_at"))
        .values("first")[:1],
        output_field=DateTimeField(),
    )
    split_unpaid = (
        buyer_orders()
        .filter(paid_at__isnull=True, merged_into__isnull=True)
        .filter(pk__in=Order.objects.filter(_in_range("paid_at", start, end)).values("split_from_id"))
        .annotate(first_part_paid=first_part_paid)
        .filter(_in_range("first_part_paid", start, end))
    )
    for day, shop_id, agent_id, count in _grouped(split_unpaid, "first_part_paid", shop, agent, paid=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_paid": count}

    # Shipped: the time from the money (or, cash on delivery, the approval) to the parcel.
    ready_at = Coalesce(
        Case(When(payment_method=PaymentMethod.COD, then=F("approved_at")), default=F("paid_at")),
        F("approved_at"),
        F("created_at"),
    )
    waited = ExpressionWrapper(F("shipped_at") - ready_at, output_field=DurationField())
    shipped = Order.objects.filter(_in_range("shipped_at", start, end))
    for day, shop_id, agent_id, count, seconds in _grouped(
        shipped, "shipped_at", shop, agent, shipped=Count("pk"), seconds=Sum(waited)
    ):
        yield (day, shop_id, agent_id), {"orders_shipped": count, "ship_seconds": _seconds(seconds)}

    completed = Order.objects.filter(_in_range("completed_at", start, end))
    for day, shop_id, agent_id, count in _grouped(completed, "completed_at", shop, agent, completed=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_completed": count}

    # Cancelled: a valid order (paid, or cash on delivery) that ended without completing —
    # closed, or its COD parcel refused (拒收: the parcel returns, the order ends as refused).
    cancelled = (
        # An order ended as refused (its parcel refused or back undelivered) is cancelled on
        # the day it ended, never completed. The refusals below are those from before that
        # status (left shipped, never closed): the two never count one order twice.
        Order.objects.filter(_in_range("closed_at", start, end), status__in=[OrderStatus.CLOSED, OrderStatus.REFUSED])
        .filter(Q(paid_at__isnull=False) | Q(payment_method=PaymentMethod.COD))
        # A typed reason has no code: '' rather than NULL, or NOT (… OR NULL) drops the row.
        .annotate(close_code=Coalesce(KT("close_reason_data__code"), Value(""), output_field=CharField()))
        .exclude(_closed_by_reshaping())
    )
    for day, shop_id, agent_id, count in _grouped(cancelled, "closed_at", shop, agent, cancelled=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_cancelled": count}
    refusals = LogisticsException.objects.filter(
        order_id=OuterRef("pk"), kind=ExceptionKind.REFUSED, shipment__direction=ShipmentDirection.OUTBOUND
    )
    refused = (
        Order.objects.filter(payment_method=PaymentMethod.COD, completed_at__isnull=True, closed_at__isnull=True)
        .filter(pk__in=_refused_in(start, end))
        .annotate(refused_at=Subquery(_first(refusals, "detected_at"), output_field=DateTimeField()))
        .filter(_in_range("refused_at", start, end))
    )
    for day, shop_id, agent_id, count in _grouped(refused, "refused_at", shop, agent, cancelled=Count("pk")):
        yield (day, shop_id, agent_id), {"orders_cancelled": count}


def _refused_in(start: datetime, end: datetime) -> QuerySet[Any]:
    return LogisticsException.objects.filter(
        _in_range("detected_at", start, end), kind=ExceptionKind.REFUSED, shipment__direction=ShipmentDirection.OUTBOUND
    ).values("order_id")


def _first(rows: QuerySet[Any], field: str) -> QuerySet[Any]:
    """The earliest `field` of `rows` (correlated to an outer order), as a subquery."""
    return rows.order_by().values("order_id").annotate(first=Min(field)).values("first")[:1]


def _seconds(total: timedelta | int | None) -> int:
    if total is None:
        return 0
    if isinstance(total, timedelta):
        return max(0, round(total.total_seconds()))
    return max(0, round(total / 1_000_000))  # a backend answering microseconds


def _parcel_facts(start: datetime, end: datetime) -> Iterable[tuple[Key, dict[str, int | Decimal]]]:
    shop, agent = "order__shop_id", "order__customer__agent_id"
    delivered = Shipment.objects.filter(_in_range("delivered_at", start, end), direction=ShipmentDirection.OUTBOUND)
    for day, shop_id, agent_id, count in _grouped(delivered, "delivered_at", shop, agent, delivered=Count("pk")):
        yield (day, shop_id, agent_id), {"parcels_delivered": count}

    # Damaged: one per order, on the day its damage was first reported — by the carrier's
    # scan (an exception of kind damaged on a parcel to the buyer) or by the buyer (an
    # after-sales case for a damaged item), whichever came first (at the same moment, the
    # buyer's). Read from the reports of the range, each kept only if it is its order's
    # first: the orders table is never scanned for the few damaged ones.
    by_carrier = LogisticsException.objects.filter(
        kind=ExceptionKind.DAMAGED, shipment__direction=ShipmentDirection.OUTBOUND
    )
    by_buyer = AfterSalesCase.objects.filter(reason=Reason.DAMAGED)
    first_by_carrier = by_carrier.filter(_in_range("detected_at", start, end)).filter(
        ~Exists(
            by_carrier.filter(order_id=OuterRef("order_id")).filter(
                Q(detected_at__lt=OuterRef("detected_at"))
                | Q(detected_at=OuterRef("detected_at"), pk__lt=OuterRef("pk"))
            )
        ),
        ~Exists(by_buyer.filter(order_id=OuterRef("order_id"), created_at__lte=OuterRef("detected_at"))),
    )
    first_by_buyer = by_buyer.filter(_in_range("created_at", start, end)).filter(
        ~Exists(
            by_buyer.filter(order_id=OuterRef("order_id")).filter(
                Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
            )
        ),
        ~Exists(by_carrier.filter(order_id=OuterRef("order_id"), detected_at__lt=OuterRef("created_at"))),
    )
    for reports, moment in ((first_by_carrier, "detected_at"), (first_by_buyer, "created_at")):
        for day, shop_id, agent_id, count in _grouped(reports, moment, shop, agent, n=Count("pk")):
            yield (day, shop_id, agent_id), {"parcels_damaged": count}

    opened = AfterSalesCase.objects.filter(_in_range("created_at", start, end))
    for day, shop_id, agent_id, count in _grouped(opened, "created_at", shop, agent, opened=Count("pk")):
        yield (day, shop_id, agent_id), {"aftersales_opened": count}


def _service_facts(first_day: date, last_day: date) -> Iterable[tuple[Key, dict[str, int | Decimal]]]:
    rows = ServiceDailyFigure.objects.filter(day__gte=first_day, day__lte=last_day).order_by()
    for row in rows.values("day", "shop_id", "agent_id", *SERVICE_COLUMNS):
        yield (row["day"], row["shop_id"], row["agent_id"]), {name: row[name] for name in SERVICE_COLUMNS}


def _reminders(start: datetime, end: datetime) -> QuerySet[PaymentReminder]:
    return PaymentReminder.objects.filter(_in_range("reminded_at", start, end), status=ReminderStatus.DONE)


def _reminder_facts(start: datetime, end: datetime) -> Iterable[tuple[Key, dict[str, int | Decimal]]]:
    # Paid after the reminder: the reminder saw the payment, or the order went unpaid into
    # a merge whose order was paid (the payment reached the merged order, not this one).
    paid = Q(paid_at__isnull=False) | Q(order__merged_into__paid_at__gte=F("reminded_at"))
    for day, shop_id, agent_id, count, paid_count in _grouped(
        _reminders(start, end), "reminded_at", "shop_id", "agent_id", n=Count("pk"), paid=Count("pk", filter=paid)
    ):
        yield (day, shop_id, agent_id), {"reminded": count, "reminder_paid": paid_count}


def _money_facts(start: datetime, end: datetime) -> Iterable[tuple[Key, dict[str, int | Decimal]]]:
    ledger = Payment.objects.filter(_in_range("received_at", start, end))
    for day, shop_id, agent_id, kind, amount in (
        ledger.annotate(fact_day=_day("received_at"))
        .values("fact_day", "order__shop_id", "order__customer__agent_id", "kind")
        .annotate(amount=Sum("amount"))
        .values_list("fact_day", "order__shop_id", "order__customer__agent_id", "kind", "amount")
        .order_by()
    ):
        column = "sales_amount" if kind == PaymentKind.PAYMENT else "refunded_amount"
        yield (day, shop_id, agent_id), {column: amount or Decimal("0.00")}


def _reason_rows(start: datetime, end: datetime) -> list[DailyReasonFact]:
    reason = Case(
        When(reason__isnull=False, then=F("reason__code")),
        When(~Q(reason_note=""), then=Value(NOTE_ONLY)),
        default=Value(""),
        output_field=CharField(),
    )
    grouped = (
        _reminders(start, end)
        .annotate(fact_day=_day("reminded_at"), fact_reason=reason)
        .exclude(fact_reason="")
        .values("fact_day", "shop_id", "agent_id", "fact_reason")
        .annotate(n=Count("pk"))
        .values_list("fact_day", "shop_id", "agent_id", "fact_reason", "n")
        .order_by()
    )
    return [
        DailyReasonFact(day=day, shop_id=shop_id, agent_id=agent_id, reason=code, count=count)
        for day, shop_id, agent_id, code, count in grouped
    ]


# --- writing --------------------------------------------------------------------------


def collect(*, first_day: date, last_day: date) -> dict[Key, dict[str, int | Decimal]]:
    """The fact columns of every (day, shop, agent) with anything to count, from the
    source tables (read only; a few grouped queries)."""
    start, end = _moment(first_day), _moment(last_day + timedelta(days=1))
    facts: dict[Key, dict[str, int | Decimal]] = defaultdict(dict)
    sources = (
        _order_facts(start, end),
        _parcel_facts(start, end),
        _service_facts(first_day, last_day),
        _reminder_facts(start, end),
        _money_facts(start, end),
    )
    for source in sources:
        for key, values in source:
            row = facts[key]
            for name, value in values.items():
                row[name] = row.get(name, 0) + value
    return {key: values for key, values in facts.items() if any(values.values())}


def _row_of(fact: DailyFact) -> tuple[Any, ...]:
    return tuple(getattr(fact, name) for name in (*COUNTERS, *AMOUNTS))


def _snapshot(rows: Iterable[DailyFact]) -> dict[Key, tuple[Any, ...]]:
    return {(fact.day, fact.shop_id, fact.agent_id): _row_of(fact) for fact in rows}


def _check_range(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValueError(f"last_day {last_day} is before first_day {first_day}")


def rebuild_days(*, first_day: date, last_day: date, now: datetime | None = None) -> Rebuilt:
    """`rebuild`, saying also how many rows differ from the rows it replaced."""
    _check_range(first_day, last_day)
    started_at = now or timezone.now()
    clock = time.monotonic()
    start, end = _moment(first_day), _moment(last_day + timedelta(days=1))
    # Read before the write transaction: on SQLite the writer lock is held only to write.
    facts = collect(first_day=first_day, last_day=last_day)
    reasons = _reason_rows(start, end)
    rows = [
        DailyFact(day=day, shop_id=shop_id, agent_id=agent_id, **values)
        for (day, shop_id, agent_id), values in sorted(facts.items(), key=lambda item: _sort_key(item[0]))
    ]
    new = _snapshot(rows)
    try:
        with transaction.atomic():
            days = DailyFact.objects.filter(day__gte=first_day, day__lte=last_day)
            old = _snapshot(days)
            days.delete()
            DailyReasonFact.objects.filter(day__gte=first_day, day__lte=last_day).delete()
            DailyFact.objects.bulk_create(rows)
            DailyReasonFact.objects.bulk_create(reasons)
            FactRefresh.objects.create(
                first_day=first_day,
                last_day=last_day,
                started_at=started_at,
                finished_at=started_at + timedelta(seconds=time.monotonic() - clock),
                rows=len(rows),
            )
    except IntegrityError:
        # Another process rebuilt the same days at the same moment (the unique day/shop/
        # agent constraint stopped the second writer): its rows are these rows.
        return Rebuilt(rows=0, changed=0, reason_rows=0)
    changed = sum(1 for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    return Rebuilt(rows=len(rows), changed=changed, reason_rows=len(reasons))


def _sort_key(key: Key) -> tuple[date, int, int]:
    day, shop_id, agent_id = key
    return day, shop_id, agent_id or 0


def rebuild(*, first_day: date, last_day: date) -> int:
    """Delete and rewrite the DailyFact and DailyReasonFact rows of the Shanghai days
    `first_day` to `last_day` (both included) from the source tables, in one
    transaction, and record a FactRefresh; returns the number of DailyFact rows written.
    Days outside the range are not touched; rebuilding twice writes the same rows."""
    return rebuild_days(first_day=first_day, last_day=last_day).rows


def sums(rows: Iterable[Mapping[str, Any]]) -> dict[str, int | Decimal]:
    """Column sums of fact rows given as mappings (what `Metric.value` takes)."""
    total: dict[str, int | Decimal] = {name: 0 for name in COUNTERS}
    total.update({name: Decimal("0.00") for name in AMOUNTS})
    for row in rows:
        for name in total:
            total[name] += row.get(name) or 0
    return total
