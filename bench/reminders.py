"""`make bench`, payment reminders (催付): the reminder sweep over N unpaid orders on
PostgreSQL, beside a raw-SQL ceiling of the same selection and insert on the same data.

stdout carries one JSON object per line, one per figure, and nothing else (the ceiling's
first, then the sweep's with its ratio to the ceiling); progress goes to stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings, migrate;
create a SKU and ONE unpaid template order through the real actions, placed two hours
before 11:03 (inside the default 11–12 window); then clone its customer, order and line
rows with INSERT … SELECT generate_series. Every 50th buyer is on the do-not-remind list,
every 70th has opted out of reminders.

The ceiling runs first, in a transaction rolled back: one INSERT … SELECT of every due
order's reminder (the same conditions the sweep reads: unpaid, old enough, not past its
pay-by time, not reminded, buyer not on the list and not opted out) and one INSERT …
SELECT of their order notes. It writes no outbox message: the sweep's messages (one per
order, with its words rendered from the template and the shop's sending rules checked)
are the difference the ratio shows.

Then `sellerdesk.reminders.actions.sweep_reminders(now=11:03)` reminds them as the
periodic job does, in rounds of at most --round orders, until none is left or
--max-seconds have passed (then `complete` is false and the figure is for the orders
reminded so far).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log  # noqa: E402

PRICE = Decimal("59.00")
DO_NOT_REMIND_EVERY = 50
OPTED_OUT_EVERY = 70


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="unpaid orders (the template included)")
    parser.add_argument("--round", type=int, default=5_000, help="orders one sweep call reminds at most")
    parser.add_argument("--max-seconds", type=int, default=600, help="the sweep stops after this long")
    return parser.parse_args()


def eleven() -> datetime:
    from django.utils import timezone

    return timezone.localtime().replace(hour=11, minute=3, second=0, microsecond=0)


def setup(count: int, now: datetime) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import set_on_hand
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import OrderLine

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
    sku = create_sku(actor=owner, code="REM-001", name="吊带裙", price=PRICE, attributes={"颜色": "玫红", "尺码": "XS"})
    set_on_hand(sku=sku, on_hand=10 * count + 10, actor=owner)
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张小姐", "13800138000", "bench-template"),
            address=order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
            lines=[order_actions.LineDraft("REM-001", 1)],
            payment_method="online",
            placed_at=now - timedelta(hours=2),
        ),
        actor=owner,
    )
    line = OrderLine.objects.get(order=template)
    with transaction.atomic(), connection.cursor() as cursor:
        clone(
            cursor,
            "customers_customer",
            template.customer_id,
            count,
            {"nickname": "'bench-' || g", "identity": "'bench-' || g", "phone": "'139' || lpad(g::text, 8, '0')"},
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
                "number": "'R' || lpad(g::text, 12, '0')",
                "external_id": "'bench-' || g",
                "customer_id": "c.id",
                "buyer_phone": "'139' || lpad(g::text, 8, '0')",
                "buyer_nickname": "'bench-' || g",
            },
            extra="JOIN bench_customer c ON c.k = g",
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_order AS SELECT substr(number, 2)::int AS k, id FROM orders_order "
            "WHERE number LIKE 'R%%'"
        )
        clone(cursor, "orders_orderline", line.pk, count, {"order_id": "o.id"}, extra="JOIN bench_order o ON o.k = g")
        cursor.execute(
            "INSERT INTO reminders_donotremind (customer_id, reason, added_at) "
            "SELECT id, 'bench', %s FROM bench_customer WHERE mod(k, %s) = 0",
            [now, DO_NOT_REMIND_EVERY],
        )
        cursor.execute(
            "INSERT INTO notifications_buyerpreference (customer_id, email, language, opt_out, updated_at) "
            "SELECT id, '', '', true, %s FROM bench_customer WHERE mod(k, %s) = 0",
            [now, OPTED_OUT_EVERY],
        )
    connection.cursor().execute("ANALYZE")
    seconds = time.monotonic() - started
    log(f"setup: {count + 1} unpaid orders in {seconds:.1f} s")
    return {"setup_seconds": round(seconds, 1)}


CEILING_SQL = """
WITH due AS (
    INSERT INTO reminders_paymentreminder (order_id, shop_id, channel, status, created_at, reminded_at, reason_note)
    SELECT o.id, o.shop_id, 'sms', 'done', %(now)s, %(now)s, ''
    FROM orders_order o
    WHERE o.status = 'unpaid' AND o.payment_status = 'unpaid' AND o.created_at <= %(cutoff)s
      AND (o.pay_deadline IS NULL OR o.pay_deadline > %(now)s)
      AND NOT EXISTS (SELECT 1 FROM reminders_paymentreminder r WHERE r.order_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM reminders_donotremind d WHERE d.customer_id = o.customer_id)
      AND NOT EXISTS (
          SELECT 1 FROM notifications_buyerpreference p WHERE p.customer_id = o.customer_id AND p.opt_out)
    ORDER BY o.created_at, o.id
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id
)
INSERT INTO orders_orderevent (order_id, type, at, data)
SELECT order_id, 'payment_reminded', %(now)s,
       jsonb_build_object('agent', '', 'channel', 'sms', 'on', %(on)s::text)
FROM due
"""


def ceiling(now: datetime) -> dict[str, Any]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(CEILING_SQL, {"now": now, "cutoff": now - timedelta(minutes=30), "on": now.isoformat()})
        reminded = cursor.rowcount
        seconds = time.monotonic() - started
        transaction.set_rollback(True)
    return {
        "bench": "ceiling_reminders_pg",
        "orders": reminded,
        "orders_per_s": round(reminded / seconds, 1),
        "seconds": round(seconds, 2),
    }


def sweep(now: datetime, round_size: int, max_seconds: int) -> dict[str, Any]:
    from django.db import connection

    from sellerdesk.notifications.models import OutgoingMessage
    from sellerdesk.reminders.actions import sweep_reminders
    from sellerdesk.reminders.models import PaymentReminder

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    reminded = 0
    complete = False
    started = time.monotonic()
    with connection.execute_wrapper(count):
        while time.monotonic() - started < max_seconds:
            done = sweep_reminders(now=now, limit_per_shop=round_size)
            reminded += done
            log(f"sweep: {reminded} reminded after {time.monotonic() - started:.1f} s")
            if done == 0:
                complete = True
                break
    seconds = time.monotonic() - started
    return {
        "bench": "reminders_sweep_pg",
        "orders": reminded,
        "orders_per_s": round(reminded / seconds, 1),
        "seconds": round(seconds, 2),
        "complete": complete,
        "messages": OutgoingMessage.objects.filter(kind="payment_reminder").count(),
        "twice": PaymentReminder.objects.count() - PaymentReminder.objects.values("order").distinct().count(),
        "queries_per_order": round(statements / max(reminded, 1), 2),
    }


def main() -> None:
    options_ = options()
    with django_on_throwaway_postgres("reminders"):
        now = eleven()
        facts = setup(options_.orders - 1, now)
        top = ceiling(now)
        emit(top)
        log("sweep: running sweep_reminders")
        result = sweep(now, options_.round, options_.max_seconds)
        result["setup_seconds"] = facts["setup_seconds"]
        result["ratio_to_ceiling_reminders_pg"] = round(result["orders_per_s"] / max(top["orders_per_s"], 0.1), 4)
        result["same_orders_as_ceiling"] = result["complete"] and result["orders"] == top["orders"]
        emit(result)


if __name__ == "__main__":
    main()
