"""The shop's merge window and "merge automatically" (ReviewSettings)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.orders import actions
from sellerdesk.orders.merging import merge_automatically, merge_candidates
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.api.helpers import snapshot
from tests.factories import make_sku
from tests.merging.conftest import paid
from tests.support.clock import TEST_NOW

T0 = TEST_NOW - timedelta(days=2)
BUYER = actions.Buyer("李四", "13900139000", "lisi")


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


def test_candidates_are_the_orders_within_the_window(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, merge_window_hours=2)
    order = paid(("TEE-RED-M", 1), buyer=BUYER, placed_at=T0)
    near = paid(("TEE-RED-M", 1), buyer=BUYER, placed_at=T0 + timedelta(hours=2))
    paid(("TEE-RED-M", 1), buyer=BUYER, placed_at=T0 + timedelta(hours=2, minutes=1))
    paid(("TEE-RED-M", 1), buyer=actions.Buyer("王五", "13700137000", "wangwu"), placed_at=T0)
    assert [o.number for o in merge_candidates(order=order)] == [near.number]


def test_nothing_is_merged_automatically_unless_the_shop_says_so(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1), buyer=BUYER)
    paid(("TEE-RED-M", 2), buyer=BUYER)
    before = snapshot()
    assert merge_automatically(order=order) is None
    assert snapshot() == before


def test_merged_automatically_when_the_shop_says_so(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, merge_automatically=True)
    order = paid(("TEE-RED-M", 1), buyer=BUYER)
    other = paid(("TEE-RED-M", 2), buyer=BUYER)
    merged = merge_automatically(order=order)
    assert merged is not None
    assert sorted(Order.objects.filter(merged_into=merged).values_list("number", flat=True)) == sorted(
        [order.number, other.number]
    )
    assert merged.total == order.total + other.total
