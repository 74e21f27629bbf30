"""The one order search (orders.queries.matching_order_ids / filter_orders): every kind of
key a person has in hand finds its order, and on SQLite every branch uses an index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from sellerdesk.logistics.models import Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import OrderFilters, filter_orders, matching_order_ids, phone_digits
from tests.api.helpers import advance
from tests.factories import make_sku, place
from tests.logistics.helpers import booked, carriers


@pytest.fixture
def orders(db: Any) -> dict[str, Any]:
    make_sku("TEE-RED-M", stock=100)
    make_sku("MUG-01", stock=100)
    carriers()
    first = place(
        ("TEE-RED-M", 1),
        external_id="TB-3100000013",
        buyer=order_actions.Buyer("李小龙", "13911112222", "xiaolong_tb"),
    )
    second = place(("MUG-01", 2), buyer=order_actions.Buyer("王芳", "13733334444", "芳芳的小店"))
    shipped = advance(place(("TEE-RED-M", 1), buyer=order_actions.Buyer("赵六", "13655556666", "")), "shipped")
    parcel = booked(buyer=order_actions.Buyer("钱七", "15900009999", "qianqi"))
    return {"first": first, "second": second, "shipped": shipped, "parcel": parcel.order, "shipment": parcel}


def _found(text: str) -> list[str]:
    return sorted(filter_orders(OrderFilters(q=text)).values_list("number", flat=True))


@pytest.mark.parametrize(
    ("key", "which"),
    [
        ("number", "first"),
        ("TB-3100000013", "first"),  # external (marketplace) order id
        ("xiaolong_tb", "first"),  # nickname
        ("xiaolo", "first"),  # nickname prefix
        ("芳芳", "second"),  # nickname prefix in Chinese
        ("李小龙", "first"),  # name
        ("李小", "first"),  # name prefix
        ("13733334444", "second"),  # phone
        ("4444", "second"),  # its last 4 digits
        ("334444", "second"),  # its end
        ("137-3333 4444", "second"),  # typed with separators
        ("+8613733334444", "second"),
        ("tracking", "shipped"),  # the order's tracking number
        ("tracking-lower", "shipped"),
        ("parcel", "parcel"),  # a parcel's tracking number, not on the order
        ("MUG-01", "second"),  # SKU code of a line
        ("mug-01", "second"),
    ],
)
def test_each_kind_of_key_finds_its_order(orders: dict[str, Any], key: str, which: str) -> None:
    text = {
        "number": orders["first"].number,
        "tracking": orders["shipped"].tracking_number,
        "tracking-lower": orders["shipped"].tracking_number.lower(),
        "parcel": orders["shipment"].tracking_number,
    }.get(key, key)

    assert _found(f"  {text} ") == [orders[which].number]


def test_a_parcel_number_is_only_on_the_shipment(orders: dict[str, Any]) -> None:
    shipment: Shipment = orders["shipment"]

    assert shipment.tracking_number
    assert orders["parcel"].tracking_number == ""


@pytest.mark.parametrize("text", ["李", "x", "444", "没有这个人", "李\x00小龙", "%", "_", "13733334445"])
def test_short_or_unknown_keys_find_nothing(orders: dict[str, Any], text: str) -> None:
    assert _found(text) == []


def test_a_common_sku_finds_every_order_with_it(orders: dict[str, Any]) -> None:
    assert _found("TEE-RED-M") == sorted(orders[k].number for k in ("first", "shipped"))


def test_blank_q_filters_nothing(orders: dict[str, Any]) -> None:
    assert matching_order_ids("   ") is None
    assert len(_found("")) == Order.objects.count() == 4


def test_q_combines_with_the_other_filters(orders: dict[str, Any]) -> None:
    assert list(filter_orders(OrderFilters(q="TEE-RED-M", status="shipped")).values_list("number", flat=True)) == [
        orders["shipped"].number
    ]


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("138 0013-8000", "13800138000"),
        ("+86 138", "86138"),
        ("0086 13800138000", "13800138000"),
        ("(0571) 8888", "05718888"),
        ("12a4", ""),
        ("", ""),
    ],
)
def test_phone_digits(typed: str, digits: str) -> None:
    assert phone_digits(typed) == digits


def _sqlite_plan(text: str) -> list[str]:
    query = filter_orders(OrderFilters(q=text)).order_by("-created_at")[:20].query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("13733334444", ["order_phone_tail_idx", "shipment_tracking_idx", "orders_order_buyer_nickname"]),
        ("MUG-01", ["order_line_sku_order_idx", "orders_order_tracking_number"]),
    ],
)
def test_every_branch_uses_an_index_on_sqlite(orders: dict[str, Any], text: str, indexes: list[str]) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL plans are checked in tests/pg/test_search_pg.py")
    plan = _sqlite_plan(text)

    scans = [step for step in plan if step.startswith("SCAN")]
    assert scans == [], "\n".join(plan)
    for index in indexes:
        assert any(index in step for step in plan), (index, plan)


def test_a_search_pages_newest_first(orders: dict[str, Any]) -> None:
    from sellerdesk.orders.queries import search_orders

    pages = [search_orders(filters=OrderFilters(q="TEE-RED-M", page=n), actor=None, page_size=1) for n in (1, 2, 3)]

    assert [[o.number for o in page.object_list] for page in pages] == [
        [orders["shipped"].number],
        [orders["first"].number],
        [orders["first"].number],  # past the end: the last page, as the list always did
    ]
    assert [(page.number, page.paginator.count, page.paginator.num_pages) for page in pages] == [
        (1, 2, 2),
        (2, 2, 2),
        (2, 2, 2),
    ]
    assert pages[0].object_list[0].shop.code and list(pages[0].object_list[0].lines.all())
