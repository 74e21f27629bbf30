"""core.fastinsert writes rows exactly as the ORM would: same values, JSON as JSON,
aware times, decimals, foreign keys, and primary keys set on the instances."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from sellerdesk.core import fastinsert
from sellerdesk.orders.models import OrderEvent
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW


def test_rows_read_back_equal_what_was_inserted(owner: Any) -> None:
    make_sku("FI-1", stock=5)
    order = place(("FI-1", 1))
    at = TEST_NOW + timedelta(hours=1, minutes=30)
    events = [
        OrderEvent(order=order, type="note_added", actor=owner, at=at, data={"text": "已催付", "n": 1}),
        OrderEvent(order=order, type="flagged", actor=None, at=at, data={"after": {"color": "red"}}),
    ]

    fastinsert.insert(events)

    assert all(event.pk for event in events)
    assert events[0].pk < events[1].pk
    stored = OrderEvent.objects.filter(pk__in=[event.pk for event in events]).order_by("pk")
    assert [(event.type, event.actor_id, event.at, event.data) for event in stored] == [
        ("note_added", owner.pk, at, {"text": "已催付", "n": 1}),
        ("flagged", None, at, {"after": {"color": "red"}}),
    ]
    json_type = "jsonb_typeof" if connection.vendor == "postgresql" else "json_type"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {json_type}(data) FROM orders_orderevent WHERE id = %s", [events[0].pk])
        assert cursor.fetchone()[0] == "object"


def test_an_order_placed_through_it_reads_back_whole(owner: Any) -> None:
    make_sku("FI-2", price="19.90", stock=5)

    order = place(("FI-2", 3), buyer_message="不要放价格单")

    fresh = type(order).objects.get(pk=order.pk)
    assert (fresh.number, fresh.total, fresh.buyer_message, fresh.customer_id) == (
        order.number,
        Decimal("59.70"),
        "不要放价格单",
        order.customer_id,
    )
    assert [(line.sku_code, line.quantity, line.unit_price) for line in fresh.lines.all()] == [
        ("FI-2", 3, Decimal("19.90"))
    ]
