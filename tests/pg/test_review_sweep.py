"""Two review sweeps at once on PostgreSQL: each order is reviewed exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from sellerdesk.orders.actions import Buyer
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderHold
from sellerdesk.orders.states import OrderStatus
from sellerdesk.orders.tasks import review_paid_orders
from tests.factories import make_sku, place
from tests.pg.test_concurrency import run_together

ORDERS = 300


@pytest.mark.django_db(transaction=True)
def test_two_sweeping_threads_review_each_order_once(shop: Any) -> None:
    # given 300 cash-on-delivery orders of different buyers, placed an hour ago (past the
    # 30-minute hold buffer); every fifth one has a message that no rule understands
    make_sku("REVIEW-1", stock=10_000)
    placed_at = timezone.now() - timedelta(hours=1)
    for index in range(ORDERS):
        place(
            ("REVIEW-1", 1),
            buyer=Buyer(f"买家{index}", f"139{index:08d}", f"buyer-{index}"),
            payment_method="cod",
            source="cod",
            placed_at=placed_at,
            buyer_message="帮我换成蓝色的吧" if index % 5 == 0 else "",
        )
    now = timezone.now()

    # when two workers sweep at the same moment
    outcomes = run_together(threads=2, rounds=1, work=lambda _index: review_paid_orders(now))

    # then between them they reviewed every order, each exactly once
    assert outcomes.errors == []
    assert sum(outcomes.results) == ORDERS
    statuses = dict(Order.objects.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    assert statuses == {OrderStatus.APPROVED: ORDERS - ORDERS // 5, OrderStatus.ON_HOLD: ORDERS // 5}
    verdicts = OrderEvent.objects.filter(type__in=[OrderEventType.APPROVED, OrderEventType.HELD])
    assert verdicts.count() == ORDERS
    assert not verdicts.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert OrderHold.objects.count() == ORDERS // 5
    assert review_paid_orders(now) == 0
