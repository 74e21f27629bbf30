"""`make bench`, after-sales: the staff's after-sales queue and the case page with N cases
on PostgreSQL, each beside a raw-SQL ceiling of the same query measured in the same run.

stdout carries one JSON object per line, one per figure, and nothing else (each ceiling
just before the figure it bounds, which carries its ratio to it); progress goes to stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings, migrate;
SKUS SKUs with stock; ONE order placed, paid, approved, shipped and delivered through the
real actions, and ONE return case opened on it (`aftersales.actions.open_case`). Then its
customer, order, order line and parcel rows are cloned N-1 times with INSERT … SELECT
generate_series (so every column matches the models), and the case, its line and its
first timeline row likewise: one case per order, EVENTS_PER_CASE timeline rows per case.
The clones spread over a year, over the case types and statuses in the shares of
STATUS_SHARES (most cases long closed, about a quarter open), open cases due from a day
ago to a week ahead (a tenth of them overdue), ANALYZE last.

Figures (each the p50/p95/max of at most --requests calls within --max-seconds, after
WARM_UP calls; the ceiling likewise, with the same bounds):
- aftersales_queue_pg: `aftersales.queries.case_queue(actor=owner)`, the first page with
  its default order (overdue first), as the queue screen asks for it;
- aftersales_queue_filtered_pg: the same with status=awaiting_return, type=return_refund;
- aftersales_case_page_pg: `aftersales.queries.case_detail(number=…)` of cases drawn at
  random (seeded), everything the case page shows;
- ceiling_*: one hand-written SQL statement returning the same rows (the queue: the same
  page in the same order, with the count of all matches; the case page: the case, its
  order and buyer, lines, timeline, evidence, refunds, dispute and parcels as JSON),
  through the same connection. `same_rows_as_ceiling` says whether the queue's page
  listed the same cases in the same order.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, columns, django_on_throwaway_postgres, emit, log, timed  # noqa: E402

SKUS = 20
STOCK = 1_000_000
PRICE = Decimal("89.00")
EVENTS_PER_CASE = 4
WARM_UP = 5
SEED = 20261206

# status → share (per 1,000 cases) and the types a case in that status can have.
STATUS_SHARES: dict[str, tuple[int, tuple[str, ...]]] = {
    "closed": (560, ("return_refund", "refund_only", "exchange", "complaint", "reissue", "repair")),
    "refunded": (100, ("return_refund", "refund_only", "refund_before_shipping")),
    "canceled": (40, ("return_refund", "refund_only", "exchange")),
    "rejected": (30, ("return_refund", "refund_only")),
    "requested": (80, ("return_refund", "refund_only", "refund_before_shipping", "exchange", "complaint")),
    "approved": (30, ("refund_only", "refund_before_shipping", "reissue", "complaint")),
    "awaiting_return": (70, ("return_refund", "exchange", "repair")),
    "received": (25, ("return_refund", "exchange", "repair")),
    "inspected": (15, ("return_refund", "exchange", "repair")),
    "repairing": (5, ("repair",)),
    "refunding": (15, ("return_refund", "refund_only", "refund_before_shipping")),
    "replacement_shipped": (20, ("exchange", "reissue", "repair")),
    "disputed": (10, ("return_refund", "refund_only")),
}
FINISHED = ("closed", "refunded", "canceled", "rejected")
# The clones' numbers (the template's, from the actions, are left out).
CLONED_CASE = "number ~ '^RA[0-9]{10}$'"
CLONED_ORDER = "number ~ '^A[0-9]{12}$'"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="after-sales cases (the template included)")
    # --orders: what bench/run.py passes to every script; here it means the cases (one per order).
    parser.add_argument("--orders", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=300, help="calls measured per figure, at most")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time measured per figure, at most")
    arguments = parser.parse_args()
    if arguments.orders is not None:
        arguments.cases = arguments.orders
    return arguments


# --- the data -------------------------------------------------------------------------------


def _array(values: list[str]) -> str:
    """A SQL text array literal of known, quote-free values."""
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def _status_and_type_sql() -> tuple[str, str]:
    """SQL expressions of `g` for a clone's status and type, in STATUS_SHARES' shares
    (the status from a permutation of g mod 1000, the type from g among its status's)."""
    statuses: list[str] = []
    for status, (share, _types) in STATUS_SHARES.items():
        statuses += [status] * share
    assert len(statuses) == 1000
    slot = "(1 + mod(g * 389, 1000))"  # 389 is prime to 1000: every slot, well mixed
    status_sql = f"({_array(statuses)})[{slot}]"
    type_cases = " ".join(
        f"WHEN '{status}' THEN ({_array(list(types))})[1 + mod(g / 7, {len(types)})]"
        for status, (_share, types) in STATUS_SHARES.items()
    )
    return status_sql, f"CASE {status_sql} {type_cases} END"


def setup(count: int, now: datetime) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from sellerdesk.aftersales.actions import LineRequest, open_case
    from sellerdesk.aftersales.models import Case
    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import set_on_hand
    from sellerdesk.logistics.models import Shipment
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import OrderLine
    from sellerdesk.payments.actions import record_payment

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
    for number in range(1, SKUS + 1):
        sku = create_sku(
            actor=owner, code=f"AS-{number:03d}", name=f"羊毛开衫 {number}", price=PRICE, attributes={"尺码": "M"}
        )
        set_on_hand(sku=sku, on_hand=STOCK, actor=owner)
    placed_at = now - timedelta(days=3)
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张三", "13800138000", "bench-template"),
            address=order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
            lines=[order_actions.LineDraft("AS-001", 1)],
            payment_method="online",
            placed_at=placed_at,
        ),
        actor=owner,
    )
    record_payment(
        order=template,
        amount=template.total,
        method="online",
        reference="AS-T-0",
        actor=owner,
        at=placed_at + timedelta(minutes=5),
    )
    template = order_actions.approve_order(order=template, actor=owner, at=placed_at + timedelta(hours=1))
    template = order_actions.ship_order(
        order=template,
        actor=owner,
        carrier="SF",
        tracking_number="SF0000000000001",
        at=placed_at + timedelta(hours=20),
    )
    template = order_actions.deliver_order(order=template, actor=owner, at=now - timedelta(days=1))
    line = OrderLine.objects.get(order=template)
    case = open_case(
        order=template,
        type="return_refund",
        reason="wrong_size",
        lines=[LineRequest(order_line_id=line.pk, quantity=1, reason="wrong_size")],
        description="尺码偏小，想退货",
        actor=owner,
        at=now - timedelta(hours=6),
    )
    status_sql, type_sql = _status_and_type_sql()
    shipment = Shipment.objects.filter(order=template).order_by("pk").first()
    with transaction.atomic(), connection.cursor() as cursor:
        clone(
            cursor,
            "customers_customer",
            template.customer_id,
            count,
            {
                "nickname": "'bench-' || g",
                "identity": "'bench-' || g",
                "phone": "'139' || lpad(g::text, 8, '0')",
            },
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_customer AS SELECT row_number() OVER (ORDER BY id) AS k, id "
            "FROM customers_customer WHERE nickname LIKE 'bench-%%' AND id <> %s",
            [template.customer_id],
        )
        cursor.execute("CREATE INDEX ON bench_customer (k)")
        clone(
            cursor,
            "orders_order",
            template.pk,
            count,
            {
                "number": "'A' || lpad(g::text, 12, '0')",
                "external_id": "'bench-' || g",
                "customer_id": "c.id",
            },
            extra="JOIN bench_customer c ON c.k = g",
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_order AS SELECT substr(number, 2)::int AS k, id, customer_id FROM orders_order "
            f"WHERE {CLONED_ORDER}"
        )
        cursor.execute("CREATE INDEX ON bench_order (k)")
        clone(
            cursor,
            "orders_orderline",
            line.pk,
            count,
            {"order_id": "o.id", "sku_id": "s.id", "sku_code": "s.code", "name": "s.name"},
            extra=f"JOIN bench_order o ON o.k = g "
            f"JOIN catalog_sku s ON s.code = 'AS-' || lpad((1 + mod(g, {SKUS}))::text, 3, '0')",
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_line AS SELECT o.k, l.id, l.sku_id FROM orders_orderline l "
            "JOIN bench_order o ON o.id = l.order_id"
        )
        cursor.execute("CREATE INDEX ON bench_line (k)")
        if shipment is not None:
            names = columns(cursor, "logistics_shipment")
            overrides = {
                "order_id": "o.id",
                "idempotency_key": "'bench-' || o.id::text",
                "tracking_number": "'SF' || lpad(o.id::text, 13, '0')",
            }
            values = ", ".join(overrides.get(name, f"t.{name}") for name in names)
            cursor.execute(
                f"INSERT INTO logistics_shipment ({', '.join(names)}) SELECT {values} "
                "FROM logistics_shipment t CROSS JOIN bench_order o WHERE t.id = %s",
                [shipment.pk],
            )
        finished = ", ".join(f"'{status}'" for status in FINISHED)
        clone(
            cursor,
            "aftersales_case",
            case.pk,
            count,
            {
                "number": "'RA' || lpad(g::text, 10, '0')",
                "order_id": "o.id",
                "customer_id": "o.customer_id",
                "status": status_sql,
                "type": type_sql,
            },
            extra="JOIN bench_order o ON o.k = g",
        )
        # Times in a second pass: `clone` takes no parameters but its own.
        cursor.execute(
            f"""
            UPDATE aftersales_case c SET
                created_at = %(now)s::timestamptz - (({count} - k) * interval '365 days' / {count}),
                due_at = CASE WHEN c.status IN ({finished}) THEN NULL
                         ELSE %(now)s::timestamptz + (mod(k * 7919, 192) - 24) * interval '1 hour' END,
                closed_at = CASE WHEN c.status IN ({finished})
                            THEN %(now)s::timestamptz - (({count} - k) * interval '365 days' / {count})
                                 + interval '3 days' END
            FROM (SELECT id, substr(number, 3)::int AS k FROM aftersales_case WHERE {CLONED_CASE}) n
            WHERE c.id = n.id
            """,
            {"now": now},
        )
        # Open cases are recent: opened in the fortnight before they are due.
        cursor.execute(
            f"UPDATE aftersales_case SET created_at = due_at - interval '14 days' + mod(id, 13) * interval '1 day' "
            f"WHERE {CLONED_CASE} AND status NOT IN ({finished}) AND created_at < due_at - interval '14 days'"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_case AS SELECT substr(number, 3)::int AS k, id, created_at FROM aftersales_case "
            f"WHERE {CLONED_CASE}"
        )
        cursor.execute("CREATE INDEX ON bench_case (k)")
        template_line = case.lines.order_by("pk").first()
        assert template_line is not None
        clone(
            cursor,
            "aftersales_caseline",
            template_line.pk,
            count,
            {"case_id": "c.id", "order_line_id": "l.id", "sku_id": "l.sku_id"},
            extra="JOIN bench_case c ON c.k = g JOIN bench_line l ON l.k = g",
        )
        first_event = case.events.order_by("pk").first()
        assert first_event is not None
        clone(
            cursor,
            "aftersales_caseevent",
            first_event.pk,
            count * EVENTS_PER_CASE,
            {"case_id": "c.id", "at": f"c.created_at + mod(g, {EVENTS_PER_CASE}) * interval '5 hours'"},
            extra=f"JOIN bench_case c ON c.k = 1 + (g - 1) / {EVENTS_PER_CASE}",
        )
    connection.cursor().execute("ANALYZE")
    cases = Case.objects.count()
    open_cases = Case.objects.exclude(status__in=FINISHED).count()
    overdue = Case.objects.exclude(status__in=FINISHED).filter(due_at__lt=now).count()
    seconds = time.monotonic() - started
    log(f"setup: {cases} cases ({open_cases} open, {overdue} overdue) in {seconds:.1f} s")
    return {
        "setup_seconds": round(seconds, 1),
        "cases": cases,
        "open_cases": open_cases,
        "overdue_cases": overdue,
        "owner": owner,
    }


# --- measuring ------------------------------------------------------------------------------


def with_ratio(figure: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, Any]:
    """The figure with its p50 and p95 as multiples of the ceiling's (1.0: as fast as raw SQL)."""
    figure[f"p50_ratio_to_{ceiling['bench']}"] = round(figure["p50_ms"] / max(ceiling["p50_ms"], 0.001), 2)
    figure[f"p95_ratio_to_{ceiling['bench']}"] = round(figure["p95_ms"] / max(ceiling["p95_ms"], 0.001), 2)
    return figure


def raw(sql: str, parameters: dict[str, Any]) -> Callable[[int], list[tuple[Any, ...]]]:
    from django.db import connection

    def call(_index: int) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()

    return call


OPEN_SQL = "c.status = ANY(%(open)s)"
QUEUE_SQL = """
SELECT c.*, o.*, s.*, u.*
FROM aftersales_case c
JOIN orders_order o ON o.id = c.order_id
JOIN shops_shop s ON s.id = c.shop_id
LEFT JOIN core_user u ON u.id = c.assignee_id
WHERE {where}
ORDER BY {order}
LIMIT %(limit)s
"""
COUNT_SQL = "SELECT count(*) FROM aftersales_case c WHERE {where}"
# The queue's orders (aftersales.queries.case_queue): open cases by deadline (an overdue
# one has the earliest), then the finished ones newest first — each part from its own
# partial index, read one after the other, as a page of the queue reads them.
OPEN_ONLY_ORDER = "c.due_at ASC NULLS LAST, c.created_at DESC, c.id DESC"
FINISHED_ORDER = "c.created_at DESC, c.id DESC"
FINISHED_SQL = "c.status = ANY(%(finished)s)"


def queue_ceiling(where: str, order: str, parameters: dict[str, Any]) -> Callable[[int], list[int]]:
    """The queue's page in two statements, as a paginated page needs: the count of the
    matches and the first page's cases with their order, shop and assignee."""
    from django.db import connection

    page_sql = QUEUE_SQL.format(where=where, order=order)
    count_sql = COUNT_SQL.format(where=where)

    def call(_index: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, parameters)
            cursor.fetchone()
            cursor.execute(page_sql, parameters)
            return [row[0] for row in cursor.fetchall()]

    return call


def every_status_ceiling(parameters: dict[str, Any]) -> Callable[[int], list[int]]:
    """The queue of every case: the two counts, then the open cases' first page, topped
    up from the finished ones when there are fewer open cases than a page."""
    from django.db import connection

    statements = [
        (COUNT_SQL.format(where=OPEN_SQL), QUEUE_SQL.format(where=OPEN_SQL, order=OPEN_ONLY_ORDER)),
        (COUNT_SQL.format(where=FINISHED_SQL), QUEUE_SQL.format(where=FINISHED_SQL, order=FINISHED_ORDER)),
    ]

    def call(_index: int) -> list[int]:
        rows: list[int] = []
        with connection.cursor() as cursor:
            for count_sql, _page in statements:
                cursor.execute(count_sql, parameters)
                cursor.fetchone()
            for _count, page_sql in statements:
                wanted = parameters["limit"] - len(rows)
                if wanted <= 0:
                    break
                cursor.execute(page_sql, {**parameters, "limit": wanted})
                rows.extend(row[0] for row in cursor.fetchall())
        return rows

    return call


def queue_figures(owner: Any, now: datetime, bounds: dict[str, Any], common: dict[str, Any]) -> list[dict[str, Any]]:
    from sellerdesk.aftersales import queries
    from sellerdesk.aftersales.models import CaseStatus
    from sellerdesk.aftersales.states import OPEN_STATUSES

    open_statuses = sorted(str(status) for status in OPEN_STATUSES)
    finished = sorted(set(CaseStatus.values) - set(open_statuses))
    parameters = {"open": open_statuses, "finished": finished, "now": now, "limit": queries.CASES_PER_PAGE}
    variants = [
        ("aftersales_queue_pg", {}, "", ""),
        ("aftersales_queue_open_pg", {"status": "open"}, OPEN_SQL, OPEN_ONLY_ORDER),
        (
            "aftersales_queue_filtered_pg",
            {"status": "awaiting_return", "type": "return_refund"},
            "c.status = 'awaiting_return' AND c.type = 'return_refund'",
            OPEN_ONLY_ORDER,
        ),
    ]
    figures = []
    for name, filters, where, order in variants:
        reader = every_status_ceiling(parameters) if not where else queue_ceiling(where, order, parameters)
        ceiling, ceiling_rows = timed(f"ceiling_{name}", reader, **bounds, **common, **filters)
        figures.append(ceiling)

        def call(_index: int, filters: dict[str, Any] = filters) -> list[int]:
            page = queries.case_queue(actor=owner, now=now, **filters)
            return [case.pk for case in page]

        figure, rows = timed(name, call, **bounds, **common, **filters)
        figure["rows"] = len(rows)
        figure["same_rows_as_ceiling"] = rows == ceiling_rows
        if rows != ceiling_rows:
            log(f"{name}: the page lists {rows[:8]}…, the ceiling {ceiling_rows[:8]}…")
        figures.append(with_ratio(figure, ceiling))
    return figures


CASE_PAGE_SQL = """
SELECT row_to_json(c), row_to_json(o), row_to_json(cu),
  (SELECT json_agg(json_build_object('line', l, 'order_line', ol, 'sku', k, 'replacement', r) ORDER BY l.id)
     FROM aftersales_caseline l JOIN orders_orderline ol ON ol.id = l.order_line_id
     JOIN catalog_sku k ON k.id = l.sku_id LEFT JOIN catalog_sku r ON r.id = l.replacement_sku_id
     WHERE l.case_id = c.id),
  (SELECT json_agg(json_build_object('event', e, 'actor', u.username) ORDER BY e.at, e.id)
     FROM aftersales_caseevent e LEFT JOIN core_user u ON u.id = e.actor_id WHERE e.case_id = c.id),
  (SELECT json_agg(m ORDER BY m.at, m.id) FROM aftersales_casemessage m WHERE m.case_id = c.id),
  (SELECT json_agg(v ORDER BY v.at, v.id) FROM aftersales_evidence v WHERE v.case_id = c.id),
  (SELECT json_agg(json_build_object('refund', f, 'lines',
       (SELECT json_agg(rl) FROM aftersales_refundline rl WHERE rl.refund_id = f.id)) ORDER BY f.requested_at, f.id)
     FROM aftersales_refund f WHERE f.case_id = c.id),
  (SELECT row_to_json(d) FROM aftersales_dispute d WHERE d.case_id = c.id),
  (SELECT json_agg(fu ORDER BY fu.due_at, fu.id) FROM aftersales_followup fu WHERE fu.case_id = c.id),
  (SELECT json_agg(ol ORDER BY ol.id) FROM orders_orderline ol WHERE ol.order_id = o.id),
  (SELECT json_agg(json_build_object('shipment', sh, 'carrier', ca.code, 'scans',
       (SELECT json_agg(t ORDER BY t.at DESC, t.id DESC) FROM logistics_trackingevent t WHERE t.shipment_id = sh.id))
       ORDER BY sh.created_at, sh.id)
     FROM logistics_shipment sh LEFT JOIN logistics_carrier ca ON ca.id = sh.carrier_id
     WHERE sh.order_id = o.id OR sh.id = c.return_shipment_id),
  (SELECT json_agg(x ORDER BY x.created_at, x.id) FROM aftersales_case x WHERE x.order_id = o.id AND x.id <> c.id)
FROM aftersales_case c
JOIN orders_order o ON o.id = c.order_id
JOIN customers_customer cu ON cu.id = c.customer_id
WHERE c.number = %(number)s
"""


def case_page_figures(
    owner: Any, bounds: dict[str, Any], common: dict[str, Any], *, count: int
) -> list[dict[str, Any]]:
    from django.db import connection

    from sellerdesk.aftersales import queries

    # The same cases, in the same order, for the function and its ceiling.
    draw = random.Random(SEED)
    numbers = [f"RA{draw.randint(1, count - 1):010d}" for _ in range(bounds["requests"] + WARM_UP)]

    def ceiling_call(index: int) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(CASE_PAGE_SQL, {"number": numbers[index % len(numbers)]})
            return cursor.fetchone()

    def call(index: int) -> Any:
        return queries.case_detail(number=numbers[index % len(numbers)], actor=owner)

    ceiling, found = timed("ceiling_aftersales_case_page_pg", ceiling_call, **bounds, **common)
    figure, view = timed("aftersales_case_page_pg", call, **bounds, **common)
    figure["timeline_rows"] = len(view.events)
    figure["same_case_as_ceiling"] = found is not None and found[0]["number"] == view.case.number
    return [ceiling, with_ratio(figure, ceiling)]


def main() -> None:
    arguments = options()
    with django_on_throwaway_postgres("aftersales"):
        from django.utils import timezone

        now = timezone.now()
        facts = setup(arguments.cases - 1, now)
        bounds = {"requests": arguments.requests, "max_seconds": arguments.max_seconds}
        common = {"cases": facts["cases"], "open_cases": facts["open_cases"], "setup_seconds": facts["setup_seconds"]}
        for figure in queue_figures(facts["owner"], now, bounds, common):
            emit(figure)
        for figure in case_page_figures(facts["owner"], bounds, common, count=facts["cases"]):
            emit(figure)


if __name__ == "__main__":
    main()
