"""`make bench`, order review: the automatic review (审单) of N paid orders on PostgreSQL,
beside a set-based SQL ceiling for the same checks on the same data.

stdout carries one JSON object per line, one per figure, and nothing else (the ceiling's
first, then the review's with its ratio to the ceiling); progress goes to stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings, migrate;
create SKUs with stock and ONE paid template order through the real actions; then clone
the template's customer, order and line rows with INSERT … SELECT generate_series (so
every column matches the models), and add the clones' reservations to the stock levels.
A few % of the orders have problems: an unrecognised buyer message, a total above the
shop's limit, a repeat buyer (another open order of the same customer).

Then `sellerdesk.orders.tasks.review_paid_orders(now)` reviews them all, as the sweep
does (batches of SWEEP_BATCH_SIZE, one context and one transaction per batch:
`sellerdesk.orders.review.actions.review_batch`).
The ceiling runs first, in a transaction rolled back: one UPDATE … SET status = CASE …
deciding every order from the same checks the rules make for this data (stock reserved,
message understood, total and quantity under the limits, no other open order).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log  # noqa: E402

SKUS = 50
STOCK = 1_000_000
PRICE = Decimal("59.00")
MESSAGE_EVERY = 37  # an unrecognised buyer message
LARGE_EVERY = 53  # a total above the shop's limit
REPEAT_EVERY = 29  # the buyer of the previous order again (both become merge candidates)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # The size: 100,000 paid orders (about 1.5 minutes with batch review).
    parser.add_argument("--orders", type=int, default=100_000, help="orders awaiting review (the template included)")
    return parser.parse_args()


def setup(count: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import set_on_hand
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import Order, OrderLine
    from sellerdesk.orders.states import OrderStatus
    from sellerdesk.payments.actions import record_payment
    from sellerdesk.shops.models import default_shop, review_settings_for

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
    for number in range(1, SKUS + 1):
        sku = create_sku(actor=owner, code=f"REV-{number:03d}", name=f"基础款T恤 {number}", price=PRICE, attributes={})
        set_on_hand(sku=sku, on_hand=STOCK, actor=owner)
    paid_at = timezone.now() - timedelta(hours=2)
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张三", "13800138000", "bench-template"),
            address=order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
            lines=[order_actions.LineDraft("REV-001", 1)],
            payment_method="online",
            placed_at=paid_at,
        ),
        actor=owner,
    )
    record_payment(order=template, amount=template.total, method="online", reference="T-0", actor=owner, at=paid_at)
    template.refresh_from_db()
    assert template.status == OrderStatus.PENDING_REVIEW, template.status
    line = OrderLine.objects.get(order=template)
    settings = review_settings_for([default_shop().pk])[template.shop_id]
    large_total = f"{settings.max_order_total + 1000}"
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
        # customer of copy g: the g-th clone; a repeat buyer takes the previous copy's
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
                "number": "'B' || lpad(g::text, 12, '0')",
                "external_id": "'bench-' || g",
                "customer_id": "c.id",
                "buyer_message": f"CASE WHEN mod(g, {MESSAGE_EVERY}) = 0 THEN '帮我换成蓝色的吧' ELSE '' END",
                "instructions": f"CASE WHEN mod(g, {MESSAGE_EVERY}) = 0 "
                "THEN jsonb_build_object('unrecognised', '帮我换成蓝色的吧') ELSE t.instructions END",
                "total": f"CASE WHEN mod(g, {LARGE_EVERY}) = 0 THEN {large_total} ELSE t.total END",
                "paid_amount": f"CASE WHEN mod(g, {LARGE_EVERY}) = 0 THEN {large_total} ELSE t.paid_amount END",
            },
            extra=f"JOIN bench_customer c ON c.k = CASE WHEN mod(g, {REPEAT_EVERY}) = 0 THEN g - 1 ELSE g END",
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_order AS SELECT substr(number, 2)::int AS k, id FROM orders_order "
            "WHERE number LIKE 'B%%'"
        )
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
            },
            extra=f"JOIN bench_order o ON o.k = g "
            f"JOIN catalog_sku s ON s.code = 'REV-' || lpad((1 + mod(g, {SKUS}))::text, 3, '0')",
        )
        cursor.execute(
            "UPDATE inventory_stocklevel l SET reserved = l.reserved + n.q FROM ("
            " SELECT sku_id, warehouse_id, sum(reserved_quantity) AS q FROM orders_orderline"
            " WHERE order_id IN (SELECT id FROM bench_order) GROUP BY sku_id, warehouse_id) n"
            " WHERE l.sku_id = n.sku_id AND l.warehouse_id = n.warehouse_id"
        )
    cursor = connection.cursor()
    cursor.execute("ANALYZE")
    waiting = Order.objects.filter(status=OrderStatus.PENDING_REVIEW, reviewed_at__isnull=True).count()
    seconds = time.monotonic() - started
    log(f"setup: {waiting} orders pending review in {seconds:.1f} s")
    return {"setup_seconds": round(seconds, 1), "waiting": waiting, "max_order_total": settings.max_order_total}


CEILING_SQL = """
UPDATE orders_order o
SET status = CASE WHEN v.ok THEN 'approved' ELSE 'on_hold' END,
    reviewed_at = %(now)s,
    approved_at = CASE WHEN v.ok THEN %(now)s ELSE o.approved_at END
FROM (
    SELECT o.id,
        NOT EXISTS (SELECT 1 FROM orders_orderline l WHERE l.order_id = o.id AND l.reserved_quantity < l.quantity)
        AND coalesce(o.instructions ->> 'unrecognised', '') = ''
        AND o.total <= s.max_order_total
        AND (SELECT sum(l.quantity) FROM orders_orderline l WHERE l.order_id = o.id) <= s.max_total_quantity
        AND NOT EXISTS (
            SELECT 1 FROM orders_order x
            WHERE x.customer_id = o.customer_id AND x.shop_id = o.shop_id AND x.id <> o.id
              AND x.status IN ('unpaid', 'pending_review', 'on_hold', 'approved'))
        AS ok
    FROM orders_order o JOIN shops_reviewsettings s ON s.shop_id = o.shop_id
    WHERE o.status = 'pending_review' AND o.reviewed_at IS NULL AND o.paid_at <= %(due)s
) v
WHERE o.id = v.id
"""


def ceiling(now: Any) -> dict[str, Any]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(CEILING_SQL, {"now": now, "due": now - timedelta(minutes=30)})
        decided = cursor.rowcount
        cursor.execute("SELECT status, count(*) FROM orders_order WHERE reviewed_at = %s GROUP BY status", [now])
        counts = dict(cursor.fetchall())
        seconds = time.monotonic() - started
        transaction.set_rollback(True)
    return {
        "bench": "ceiling_review_pg",
        "orders": decided,
        "orders_per_s": round(decided / seconds, 1),
        "held": counts.get("on_hold", 0),
        "approved": counts.get("approved", 0),
        "seconds": round(seconds, 2),
    }


def review(now: Any) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from sellerdesk.orders.models import Order
    from sellerdesk.orders.states import OrderStatus
    from sellerdesk.orders.tasks import review_paid_orders

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    started = time.monotonic()
    with connection.execute_wrapper(count):
        reviewed = review_paid_orders(now)
    seconds = time.monotonic() - started
    batch = settings.SELLERDESK["SWEEP_BATCH_SIZE"]
    batches = -(-reviewed // batch)
    return {
        "bench": "review_pg",
        "orders": reviewed,
        "orders_per_s": round(reviewed / seconds, 1),
        "held": Order.objects.filter(status=OrderStatus.ON_HOLD).count(),
        "approved": Order.objects.filter(status=OrderStatus.APPROVED).count(),
        "seconds": round(seconds, 2),
        "batch_size": batch,
        "queries_per_batch": round(statements / max(batches, 1), 1),
        "queries_per_order": round(statements / max(reviewed, 1), 2),
    }


def main() -> None:
    options_ = options()
    with django_on_throwaway_postgres("review"):
        from django.utils import timezone

        facts = setup(options_.orders - 1)
        now = timezone.now()
        top = ceiling(now)
        emit(top)
        log("review: running review_paid_orders")
        result = review(now)
        result["setup_seconds"] = facts["setup_seconds"]
        result["ratio_to_ceiling_review_pg"] = round(result["orders_per_s"] / top["orders_per_s"], 4)
        result["same_verdicts_as_ceiling"] = (result["held"], result["approved"]) == (top["held"], top["approved"])
        emit(result)


if __name__ == "__main__":
    main()
