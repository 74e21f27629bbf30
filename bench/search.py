"""`make bench`, search: the order search at N orders (1,000,000 by default) on PostgreSQL,
p95 per kind of key, each beside the bare indexed SQL query for that key in the same run.

stdout carries one JSON object per line, one per figure, and nothing else; progress goes
to stderr.

Setup: a throwaway PostgreSQL with its default settings; bench/million.py's orders
(customers, lines, shipments with tracking numbers, over two years; ANALYZE), then
VACUUM of the searched tables (what autovacuum does on a live database: the visibility
map lets the SKU branch answer from its index alone).

Keys: --keys real orders spread over the table (bench.million.World.sample_orders), and
per kind the key a person has in hand: the order number, the external (marketplace) id,
the buyer's nickname, a nickname prefix (all but its last character), the buyer's name,
the phone, its last 4 digits, its last 6 digits, the order's tracking number, a parcel's
tracking number that is on the shipment only, a SKU code. Each call takes the next key.

Figures per kind (p50/p95/max in ms of at most --requests calls within --max-seconds,
after 5 warm-up calls):
- ceiling_search_<kind>_pg: the bare indexed SQL for that kind alone (the query one would
  write knowing what the key is): the first page of the orders it finds, newest first;
- search_list_<kind>_pg: the order list's search, `orders.queries.search_orders` (the
  union of every kind, as the key's kind is not known): the page's orders with shop and
  lines, and its count. `same_orders_as_ceiling` says whether every key's first page
  held the ceiling's orders (a key may also match another kind: then it holds more);
- search_box_<kind>_pg: the search box, `crm.search.search_everything` (orders, customers,
  after-sales cases and conversations; an owner), limit 10;
- search_list_page_<kind>_pg, search_box_page_<kind>_pg: the whole pages, GET /orders/?q=
  (the list with its status tabs' counts) and GET /search/?q= (a key naming one order
  answers its redirect), rendered in-process through Django's test client (no HTTP
  server), an owner logged in;
- explain_search_<kind>_pg: EXPLAIN (ANALYZE, BUFFERS) of the list's page query (its
  first step: the page's ids, sorted) for one key: execution ms and whether the plan
  scans a whole table of orders, lines, parcels or customers (seq_scan); the plan itself
  goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import django_on_throwaway_postgres, emit, log, timed  # noqa: E402

PAGE = 20
# A sequential scan of one of these is what the indexes are there to avoid (a scan of the
# three shops is not).
BIG_TABLES = ("orders_order ", "orders_orderline ", "logistics_shipment ", "customers_customer ")
ORDER_COLUMNS = "o.id, o.number, o.created_at, o.buyer_name, o.buyer_phone, o.total, o.status"

# The bare query per kind: the orders the key finds, newest first, one page. %s is the key.
CEILINGS: dict[str, str] = {
    "number": "SELECT {cols} FROM orders_order o WHERE o.number = %s",
    "external_id": "SELECT {cols} FROM orders_order o WHERE o.external_id = %s",
    "nickname": "SELECT {cols} FROM orders_order o WHERE o.buyer_nickname = %s",
    "nickname_prefix": "SELECT {cols} FROM orders_order o WHERE o.buyer_nickname LIKE %s || '%%'",
    "name": "SELECT {cols} FROM orders_order o WHERE o.buyer_name = %s",
    "phone": "SELECT {cols} FROM orders_order o WHERE o.buyer_phone = %s",
    "phone_last4": "SELECT {cols} FROM orders_order o WHERE right(o.buyer_phone, 4) = %s",
    "phone_tail6": "SELECT {cols} FROM orders_order o WHERE right(o.buyer_phone, 4) = right(%s, 4)"
    " AND o.buyer_phone LIKE '%%' || %s",
    "tracking": "SELECT {cols} FROM orders_order o WHERE o.tracking_number = %s",
    "parcel": "SELECT {cols} FROM orders_order o WHERE o.id IN"
    " (SELECT order_id FROM logistics_shipment WHERE tracking_number = %s)",
    "sku": "SELECT {cols} FROM orders_order o WHERE o.id IN"
    " (SELECT order_id FROM orders_orderline WHERE sku_code = %s)",
}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=200, help="sample orders the keys come from")
    parser.add_argument("--requests", type=int, default=200, help="calls per figure at most")
    parser.add_argument("--max-seconds", type=float, default=8, help="time per figure at most")
    parser.add_argument("--kinds", default=",".join(CEILINGS), help="kinds of key, comma-separated")
    return parser.parse_args()


def keys_by_kind(samples: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per kind, the keys the samples give (a kind a sample lacks is skipped for it)."""
    keys: dict[str, list[str]] = {kind: [] for kind in CEILINGS}
    for row in samples:
        phone = row["phone"] or ""
        candidates = {
            "number": row["number"],
            "external_id": row["external_id"],
            "nickname": row["nickname"],
            "nickname_prefix": (row["nickname"] or "")[:-1],
            "name": row["name"],
            "phone": phone,
            "phone_last4": phone[-4:],
            "phone_tail6": phone[-6:],
            "tracking": row["tracking"],
            "parcel": row["parcel"],
            "sku": row["sku"],
        }
        for kind, key in candidates.items():
            if key:
                keys[kind].append(key)
    return keys


def ceiling_rows(cursor: Any, kind: str, key: str) -> list[str]:
    sql = CEILINGS[kind].format(cols=ORDER_COLUMNS) + f" ORDER BY o.created_at DESC, o.id DESC LIMIT {PAGE}"
    params = [key, key] if kind == "phone_tail6" else [key]
    cursor.execute(sql, params)
    return [row[1] for row in cursor.fetchall()]


def explain(kind: str, key: str) -> dict[str, Any]:
    from django.db import connection

    from sellerdesk.orders.queries import OrderFilters, filter_orders

    # The page's first step (orders.queries._IdsFirstPaginator): its ids, sorted.
    query = filter_orders(OrderFilters(q=key)).order_by("-created_at", "-pk").values_list("pk", flat=True)[:PAGE]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    execution = next((line for line in plan if line.startswith("Execution Time")), "Execution Time: nan ms")
    log(f"explain {kind} {key!r}:\n  " + "\n  ".join(plan))
    return {
        "bench": f"explain_search_{kind}_pg",
        "key": key,
        "execution_ms": float(execution.split(":")[1].split()[0]),
        "seq_scan": any(f"Seq Scan on {table}" in line for line in plan for table in BIG_TABLES),
    }


def measure(kind: str, keys: list[str], options_: argparse.Namespace, owner: Any) -> None:
    from django.db import connection
    from django.test import Client

    from sellerdesk.crm.search import search_everything
    from sellerdesk.orders.queries import OrderFilters, search_orders

    def key(index: int) -> str:
        return keys[index % len(keys)]

    cursor = connection.cursor()
    ceiling_pages: dict[str, list[str]] = {}

    def bare(index: int) -> list[str]:
        rows = ceiling_rows(cursor, kind, key(index))
        ceiling_pages[key(index)] = rows
        return rows

    list_pages: dict[str, list[str]] = {}

    def order_list(index: int) -> int:
        page = search_orders(filters=OrderFilters(q=key(index)), actor=owner, page_size=PAGE)
        numbers = [order.number for order in page.object_list]  # the page's orders and lines
        list_pages[key(index)] = numbers
        return page.paginator.count

    def box(index: int) -> int:
        return search_everything(q=key(index), actor=owner, limit=10).total

    client = Client()
    client.force_login(owner)

    def list_page(index: int) -> int:
        response = client.get("/orders/", {"q": key(index)})
        assert response.status_code == 200, response.status_code
        return len(response.content)

    def box_page(index: int) -> int:
        response = client.get("/search/", {"q": key(index)})
        assert response.status_code in (200, 302), response.status_code
        return response.status_code

    runs: list[tuple[str, Callable[[int], Any]]] = [
        (f"ceiling_search_{kind}_pg", bare),
        (f"search_list_{kind}_pg", order_list),
        (f"search_box_{kind}_pg", box),
        (f"search_list_page_{kind}_pg", list_page),
        (f"search_box_page_{kind}_pg", box_page),
    ]
    ceiling: dict[str, Any] = {}
    for name, call in runs:
        figure, _ = timed(
            name,
            call,
            requests=options_.requests,
            max_seconds=options_.max_seconds,
            keys=len(keys),
            orders=options_.orders,
        )
        if name.startswith("ceiling"):
            ceiling = figure
        else:
            figure["ratio_to_ceiling_p95"] = round(figure["p95_ms"] / max(ceiling["p95_ms"], 0.001), 2)
            if name == f"search_list_{kind}_pg":
                # The list may hold more (the key matching another kind too), never fewer.
                figure["same_orders_as_ceiling"] = all(
                    set(rows) <= set(list_pages[k]) or len(list_pages[k]) == PAGE
                    for k, rows in ceiling_pages.items()
                    if k in list_pages
                )
        emit(figure)
    emit(explain(kind, keys[len(keys) // 2]))


def main() -> None:
    options_ = options()
    kinds = [kind.strip() for kind in options_.kinds.split(",") if kind.strip()]
    unknown = set(kinds) - set(CEILINGS)
    if unknown:
        raise SystemExit(f"bench: unknown kinds {sorted(unknown)}")
    with django_on_throwaway_postgres("search"):
        from django.db import connection

        from bench.million import World, generate
        from sellerdesk.core.models import User

        started = time.monotonic()
        world = generate(orders=options_.orders)
        with connection.cursor() as cursor:
            vacuum_started = time.monotonic()
            for table in ("orders_order", "orders_orderline", "logistics_shipment", "customers_customer"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            log(f"vacuum: {time.monotonic() - vacuum_started:.1f} s")
            samples = World.sample_orders(cursor, options_.keys)
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('orders_order'))")
            size = cursor.fetchone()[0]
        emit(
            {
                "bench": "search_setup_pg",
                **world.facts(),
                "orders_table": size,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        owner = User.objects.get(pk=world.owner_id)
        keys = keys_by_kind(samples)
        for kind in kinds:
            if not keys[kind]:
                log(f"{kind}: no key in the sample, skipped")
                continue
            log(f"{kind}: {len(keys[kind])} keys, e.g. {keys[kind][0]!r}")
            measure(kind, keys[kind], options_, owner)


if __name__ == "__main__":
    main()
