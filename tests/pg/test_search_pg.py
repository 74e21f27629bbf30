"""The order search on PostgreSQL: every kind of key finds its order (the same cases as on
SQLite), and at a modest size (bench/million.py's orders, 20,000) every kind's query reads
the orders, lines and parcels through their indexes, never by a whole-table scan
(EXPLAIN). The times at 1,000,000 orders are bench/search.py's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bench.million import World, generate
from bench.search import CEILINGS, keys_by_kind
from sellerdesk.crm.search import search_everything
from sellerdesk.orders.queries import OrderFilters, filter_orders
from tests.orders.test_search import (  # noqa: F401 -- the SQLite cases, run here on PostgreSQL
    orders,
    test_a_common_sku_finds_every_order_with_it,
    test_each_kind_of_key_finds_its_order,
    test_short_or_unknown_keys_find_nothing,
)

BIG_TABLES = ("orders_order", "orders_orderline", "logistics_shipment", "customers_customer")


@pytest.fixture
def keys(db: Any) -> dict[str, str]:
    generate(orders=20_000, migrate=False)
    with connection.cursor() as cursor:
        samples = World.sample_orders(cursor, 400)
    return {kind: found[len(found) // 2] for kind, found in keys_by_kind(samples).items() if found}


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_every_kind_of_key_is_read_through_indexes(keys: dict[str, str]) -> None:
    assert set(keys) == set(CEILINGS)  # the sample has a key of every kind
    for kind, key in keys.items():
        query = filter_orders(OrderFilters(q=key)).select_related("shop").order_by("-created_at", "-pk")[:20].query
        plan = _plan(*query.sql_with_params())

        scans = [table for table in BIG_TABLES if f"Seq Scan on {table} " in plan]
        assert scans == [], f"{kind} {key!r}:\n{plan}"
        assert filter_orders(OrderFilters(q=key)).exists(), (kind, key)


def test_the_phone_tail_index_is_used(keys: dict[str, str]) -> None:
    query = filter_orders(OrderFilters(q=keys["phone_last4"])).query

    assert "order_phone_tail_idx" in _plan(*query.sql_with_params())


def test_the_search_box_finds_the_buyer_by_the_last_4_digits(keys: dict[str, str]) -> None:
    results = search_everything(q=keys["phone_last4"], actor=None)

    assert results.groups["orders"].items
    assert results.groups["customers"].items
    assert all(order.buyer_phone.endswith(keys["phone_last4"]) for order in results.groups["orders"].items)
