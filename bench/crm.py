"""The CRM at scale on PostgreSQL: the XLSX export of 100,000 customers and the live
count of a segment, each beside what PostgreSQL itself does with the same rows.

On a throwaway PostgreSQL: --customers customers made in SQL (INSERT … SELECT
generate_series; a spread of spend, order counts and last orders over two years, a
tag on one in seven), then

- `crm_export_xlsx_pg`: crm.excel.write_customers_xlsx of every customer (rows/s, the
  process's peak memory growth while it runs: streamed, it stays flat), beside
  `ceiling_crm_export_copy_pg`: `COPY (SELECT the same columns) TO STDOUT` as CSV into a
  file — the least a database can do to hand the rows out;
- `crm_segment_count_pg`: the live count of "bought over ¥500, not in 90 days" (the
  demo's saved segment) through crm.segments, every call timed, beside
  `ceiling_crm_segment_count_pg`: the bare COUNT(*) with the same conditions.

    python bench/crm.py --customers 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import django_on_throwaway_postgres, emit, log, timed  # noqa: E402

RULES = {"spent": {"min": "500"}, "recency": {"not_within_days": 90}}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # bench/run.py passes --orders N; here it is the number of customers.
    parser.add_argument("--customers", "--orders", dest="customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="timed segment counts (at most)")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time limit of the segment counts")
    return parser.parse_args()


def make_customers(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sellerdesk.customers.models import Customer, CustomerTag
    from sellerdesk.shops.models import default_shop

    call_command("migrate", verbosity=0, interactive=False)
    shop = default_shop()
    tag = CustomerTag.objects.create(name="VIP")
    now = timezone.now()
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (shop_id, identity, nickname, name, phone, order_count, total_spent, "
            "created_at, last_order_at) SELECT %s, 'buyer' || g, 'buyer' || g, '买家' || g, "
            "'138' || lpad((g %% 100000000)::text, 8, '0'), 1 + g %% 9, (g * 37 %% 2000)::numeric, "
            "%s - make_interval(days => g %% 730), %s - make_interval(days => g %% 365) "
            "FROM generate_series(1, %s) g",
            [shop.pk, now, now, count],
        )
        cursor.execute(
            f"INSERT INTO {table}_tags (customer_id, customertag_id) SELECT id, %s FROM {table} WHERE id %% 7 = 0",
            [tag.pk],
        )
        cursor.execute(f"ANALYZE {table}")


def export(count: int) -> None:
    from django.db import connection

    from sellerdesk.crm import excel
    from sellerdesk.customers.models import Customer

    with tempfile.TemporaryFile() as target:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        rows = excel.write_customers_xlsx(Customer.objects.order_by("pk"), target, title="bench")
        seconds = time.perf_counter() - started
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        size_mb = target.seek(0, 2) / 1e6
    with tempfile.TemporaryFile() as target, connection.cursor() as cursor:
        started = time.perf_counter()
        statement = (
            "COPY (SELECT c.id, c.number, c.nickname, c.name, c.phone, c.order_count, c.total_spent, "
            "c.last_order_at, c.created_at, s.code FROM customers_customer c JOIN shops_shop s ON s.id = c.shop_id "
            "ORDER BY c.id) TO STDOUT WITH CSV"
        )
        with cursor.cursor.copy(statement) as copy:  # psycopg 3
            for data in copy:
                target.write(data)
        ceiling = time.perf_counter() - started
    emit({"bench": "ceiling_crm_export_copy_pg", "rows": count, "seconds": round(ceiling, 2)})
    emit(
        {
            "bench": "crm_export_xlsx_pg",
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "peak_memory_growth_mb": round(grown_mb, 1),
            "file_mb": round(size_mb, 1),
            "ratio_to_ceiling": round(seconds / max(ceiling, 0.001), 1),
        }
    )


def segment_count(options_: argparse.Namespace) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from sellerdesk.crm import segments

    rules = segments.parse_rules(RULES)
    now = timezone.now()

    def ours(_: int) -> int:
        return segments.customers_of(rules, actor=None, now=now).count()

    def bare(_: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM customers_customer WHERE merged_into_id IS NULL AND total_spent >= 500 "
                "AND (last_order_at IS NULL OR last_order_at < %s)",
                [now - timedelta(days=90)],
            )
            return int(cursor.fetchone()[0])

    ceiling, expected = timed(
        "ceiling_crm_segment_count_pg", bare, requests=options_.requests, max_seconds=options_.max_seconds
    )
    figure, counted = timed("crm_segment_count_pg", ours, requests=options_.requests, max_seconds=options_.max_seconds)
    figure["customers"] = ceiling["customers"] = options_.customers
    figure["members"] = counted
    figure["same_count_as_ceiling"] = counted == expected
    figure["p95_ratio_to_ceiling"] = round(figure["p95_ms"] / max(ceiling["p95_ms"], 0.001), 2)
    emit(ceiling)
    emit(figure)


def main() -> None:
    options_ = options()
    with django_on_throwaway_postgres("crm"):
        started = time.monotonic()
        make_customers(options_.customers)
        log(f"{options_.customers} customers made in {time.monotonic() - started:.1f} s")
        export(options_.customers)
        segment_count(options_)


if __name__ == "__main__":
    main()
