"""The allocation demo loads presale orders, stockouts handled each way, and allocations."""

from __future__ import annotations

import random
from typing import Any

from django.utils import timezone

from sellerdesk.demo.allocation import load_demo_allocation
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, Shortage
from tests.allocation.conftest import make_warehouse


def test_the_demo_has_presale_orders_every_stockout_option_and_allocated_orders(
    main: Any, owner: Any, agent: Any
) -> None:
    make_warehouse("gz", priority=20, regions=["广东省"])
    summary = load_demo_allocation(rng=random.Random(4), actor=owner, agent=agent, now=timezone.now())
    assert len(summary.presale_orders) == 6
    assert sorted(summary.stockouts.values()) == ["", "backorder", "cancel", "delay", "drop", "transfer"]
    handled = {event.data["option"] for event in OrderEvent.objects.filter(type=OrderEventType.STOCKOUT_HANDLED)}
    assert handled == {"backorder", "cancel", "delay", "drop", "transfer"}
    # a dropped line's shortage row stays (its line is gone: Shortage.line is set null)
    assert set(Shortage.objects.exclude(option="").values_list("option", flat=True)) == {
        "backorder",
        "cancel",
        "delay",
        "drop",
        "transfer",
    }
    assert Shortage.objects.get(option="drop").line is None
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"allocated", "stockout", "approved", "closed"} <= statuses
    assert not Order.objects.filter(status="approved").exclude(lines__presale_pending=True).exists()
