"""`make bench`, allocation: N approved orders allocated across 5 warehouses on
PostgreSQL, beside a set-based SQL ceiling making the same choice on the same data.

stdout carries one JSON object per line, one per figure, and nothing else (the
ceiling's first, then the allocator's with its ratio to the ceiling); progress goes to
stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings,
migrate; create 5 warehouses (main serves everywhere at priority 100; north, east,
south and west serve their provinces at 10-40), SKUs with ample stock in every
warehouse, and ONE approved template order through the real actions; then clone the
template's order and line rows with INSERT … SELECT generate_series, the addresses
cycling over 8 provinces (6 served by a regional warehouse, 2 only by main), and add
the clones' reservations at main, where intake put them.

The ceiling runs first, in a transaction rolled back (sql beside this file,
`allocation_ceiling.sql`): per order the first warehouse in (serves the province,
priority, id) order with every line available counting the order's own reservation,
then the reservations moved, the lines and orders updated and one event and the
ledger rows written, all set-based. Then `allocate_approved_orders(now)` allocates the
orders as the sweep does: `allocate_batch`, one transaction per batch of
ALLOCATION_BATCH orders (claimed with SKIP LOCKED; the stock rows of the orders that
move locked at once in (sku_id, warehouse_id) order). It stops after --max-seconds
(default 300; 100,000 orders take well under a minute). The figure says how many it
did, whether it finished, whether its per-warehouse counts and its ledger rows are the
ceiling's, and whether every stock row's `reserved` is what the order lines hold.
--profile prints the allocator's top functions (cProfile) to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log  # noqa: E402

SKUS = 50
STOCK = 1_000_000
PRICE = Decimal("59.00")
WAREHOUSES = [
    # code, name, priority, provinces served (empty: everywhere)
    ("north", "北京仓", 10, ["北京市", "天津市", "河北省"]),
    ("east", "杭州仓", 20, ["浙江省", "上海市", "江苏省"]),
    ("south", "广州仓", 30, ["广东省", "福建省"]),
    ("west", "成都仓", 40, ["四川省", "重庆市"]),
]
PROVINCES = ["北京市", "浙江省", "广东省", "四川省", "湖南省", "上海市", "河南省", "江苏省"]
CEILING_SQL = (Path(__file__).parent / "allocation_ceiling.sql").read_text(encoding="utf-8")


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="approved orders to allocate (template included)")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop the allocator after this long")
    parser.add_argument("--profile", action="store_true", help="cProfile the allocator; top functions to stderr")
    return parser.parse_args()


def setup(count: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import default_warehouse, set_on_hand
    from sellerdesk.inventory.models import Warehouse
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import Order, OrderLine
    from sellerdesk.orders.states import OrderStatus
    from sellerdesk.payments.actions import record_payment

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
    warehouses = [default_warehouse()]
    for code, name, priority, regions in WAREHOUSES:
        warehouses.append(Warehouse.objects.create(code=code, name=name, priority=priority, regions=regions))
    for number in range(1, SKUS + 1):
        sku = create_sku(actor=owner, code=f"ALC-{number:03d}", name=f"基础款T恤 {number}", price=PRICE, attributes={})
        for warehouse in warehouses:
            set_on_hand(sku=sku, on_hand=STOCK, actor=owner, warehouse=warehouse)
    at = timezone.now()
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张三", "13800138000", "bench-template"),
            address=order_actions.Address("湖南省", "长沙市", "岳麓区", "麓山路 1 号"),
            lines=[order_actions.LineDraft("ALC-001", 1)],
            payment_method="online",
            placed_at=at,
        ),
        actor=owner,
    )
    record_payment(order=template, amount=template.total, method="online", reference="T-0", actor=owner, at=at)
    order_actions.approve_order(order=template, actor=owner, at=at)
    template.refresh_from_db()
    assert template.status == OrderStatus.APPROVED, template.status
    line = OrderLine.objects.get(order=template)
    provinces = "(ARRAY[" + ", ".join(f"'{province}'" for province in PROVINCES) + "])"
    with transaction.atomic(), connection.cursor() as cursor:
        clone(
            cursor,
            "orders_order",
            template.pk,
            count,
            {
                "number": "'A' || lpad(g::text, 12, '0')",
                "external_id": "'bench-' || g",
                "province": f"{provinces}[1 + mod(g, {len(PROVINCES)})]",
            },
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_order AS SELECT substr(number, 2)::int AS k, id FROM orders_order "
            "WHERE number LIKE 'A%%'"
        )
        cursor.execute("CREATE INDEX ON bench_order (k)")
        clone(
            cursor,
            "orders_orderline",
            line.pk,
            count,
            {
                "order_id": "o.id",
                "sku_id": "s.id",
                "sku_code": "s.code",
                "name": "s.name",
                "quantity": "1 + mod(g, 3)",
                "reserved_quantity": "1 + mod(g, 3)",
            },
            extra=f"JOIN bench_order o ON o.k = g "
            f"JOIN catalog_sku s ON s.code = 'ALC-' || lpad((1 + mod(g, {SKUS}))::text, 3, '0')",
        )
        cursor.execute(
            "UPDATE inventory_stocklevel l SET reserved = l.reserved + n.q FROM ("
            " SELECT sku_id, warehouse_id, sum(reserved_quantity) AS q FROM orders_orderline"
            " WHERE order_id IN (SELECT id FROM bench_order) GROUP BY sku_id, warehouse_id) n"
            " WHERE l.sku_id = n.sku_id AND l.warehouse_id = n.warehouse_id"
        )
    connection.cursor().execute("ANALYZE")
    waiting = Order.objects.filter(status=OrderStatus.APPROVED).count()
    seconds = time.monotonic() - started
    log(f"setup: {waiting} approved orders in {seconds:.1f} s")
    return {"setup_seconds": round(seconds, 1), "waiting": waiting}


def ceiling(now: Any) -> dict[str, Any]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        for statement in CEILING_SQL.split(";\n"):
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if body:
                cursor.execute(body, {"now": now})
        cursor.execute("SELECT count(*) FROM orders_order WHERE status = 'allocated' AND allocated_at = %s", [now])
        (allocated,) = cursor.fetchone()
        seconds = time.monotonic() - started
        cursor.execute(
            "SELECT w.code, count(*) FROM orders_order o JOIN inventory_warehouse w ON w.id = o.warehouse_id "
            "WHERE o.allocated_at = %s GROUP BY w.code",
            [now],
        )
        by_warehouse = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM inventory_stockmovement WHERE at = %s", [now])
        (ledger_rows,) = cursor.fetchone()
        transaction.set_rollback(True)
    return {
        "bench": "ceiling_allocation_pg",
        "orders": allocated,
        "orders_per_s": round(allocated / seconds, 1),
        "seconds": round(seconds, 2),
        "by_warehouse": dict(sorted(by_warehouse.items())),
        "ledger_rows": ledger_rows,
    }


STOCK_MISMATCHES_SQL = """
SELECT count(*) FROM inventory_stocklevel s FULL JOIN (
    SELECT l.sku_id, l.warehouse_id, sum(l.reserved_quantity) AS held FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    WHERE NOT l.presale_pending AND l.reserved_quantity > 0 AND o.status <> 'closed'
    GROUP BY l.sku_id, l.warehouse_id
) h ON h.sku_id = s.sku_id AND h.warehouse_id = s.warehouse_id
WHERE coalesce(s.reserved, 0) <> coalesce(h.held, 0) OR s.on_hand < s.reserved
"""


def allocate(now: Any, max_seconds: float, profile: bool) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from sellerdesk.allocation.actions import allocate_approved_orders
    from sellerdesk.orders.models import Order
    from sellerdesk.orders.states import OrderStatus

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    done = 0
    profiler = cProfile.Profile() if profile else None
    started = time.monotonic()
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        while time.monotonic() - started < max_seconds:
            changed = allocate_approved_orders(now=now, limit=10_000)
            done += changed
            if not changed:
                break
            log(f"allocated {done} in {time.monotonic() - started:.0f} s")
        if profiler:
            profiler.disable()
    seconds = time.monotonic() - started
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inventory_stockmovement WHERE at = %s", [now])
        (ledger_rows,) = cursor.fetchone()
        cursor.execute(STOCK_MISMATCHES_SQL)
        (mismatches,) = cursor.fetchone()
    left = Order.objects.filter(status=OrderStatus.APPROVED).count()
    by_warehouse = dict(
        Order.objects.filter(status=OrderStatus.ALLOCATED)
        .values_list("warehouse__code")
        .annotate(n=Count("pk"))
        .values_list("warehouse__code", "n")
    )
    return {
        "bench": "allocation_pg",
        "orders": done,
        "orders_per_s": round(done / seconds, 1),
        "seconds": round(seconds, 2),
        "finished": left == 0,
        "queries_per_order": round(statements / max(done, 1), 2),
        "by_warehouse": dict(sorted(by_warehouse.items())),
        "ledger_rows": ledger_rows,
        "stock_matches_lines": mismatches == 0,
    }


def main() -> None:
    options_ = options()
    with django_on_throwaway_postgres("allocation"):
        from django.utils import timezone

        facts = setup(options_.orders - 1)
        now = timezone.now()
        top = ceiling(now)
        emit(top)
        log("allocation: running allocate_approved_orders")
        result = allocate(now, options_.max_seconds, options_.profile)
        result["setup_seconds"] = facts["setup_seconds"]
        result["ratio_to_ceiling_allocation_pg"] = round(result["orders_per_s"] / top["orders_per_s"], 4)
        result["same_choices_as_ceiling"] = (
            result["finished"]
            and result["by_warehouse"] == top["by_warehouse"]
            and result["ledger_rows"] == top["ledger_rows"]
        )
        emit(result)


if __name__ == "__main__":
    main()
