"""Each review rule on its own and all of them together, table-driven."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sellerdesk.catalog.models import Sku
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.review.engine import build_context, evaluate
from sellerdesk.orders.review.rules import RULES
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.api.helpers import advance
from tests.factories import order_draft
from tests.review.conftest import AFTER_BUFFER, T0, cod, paid

ALL_RULES = [
    "stock",
    "buyer_message",
    "large_order",
    "merge_candidate",
    "cod_risk",
    "address",
    "carrier",
    "credit",
    "price",
]


def _verdict(order: Order) -> tuple[list[str], list[str]]:
    order = Order.objects.get(pk=order.pk)
    verdict = evaluate(order, build_context([order], now=AFTER_BUFFER))
    return verdict.passed, [finding.code for finding in verdict.findings]


def test_rules_are_registered_in_a_stable_order() -> None:
    assert list(RULES) == ALL_RULES


def test_a_clean_order_passes_every_rule(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 2))

    assert _verdict(order) == (ALL_RULES, [])


def test_stock_not_reserved_is_found_with_the_missing_quantity(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 3))
    OrderLine.objects.filter(order=order).update(reserved_quantity=1)  # as if a reservation was lost

    with translation.override("en"):
        english = evaluate(order, build_context([order], now=AFTER_BUFFER))
    with translation.override("zh-hans"):
        chinese = evaluate(order, build_context([order], now=AFTER_BUFFER))

    assert [(f.code, f.suggestion) for f in english.findings] == [("stock", {"sku": "TEE-RED-M", "missing": 2})]
    assert english.findings[0].message == "Line 1 (TEE-RED-M): 1 of 3 reserved."
    assert chinese.findings[0].message == "第 1 行（TEE-RED-M）：3 件中只占用了 1 件。"


@pytest.mark.parametrize(
    ("message", "held"),
    [
        ("", False),
        ("不要放价格单", False),  # recognised wishes alone do not hold the order
        ("送礼 不要价格 易碎", False),
        ("请在盒子里写生日快乐", True),
        ("不要放价格单，另外帮我换成蓝色的", True),
    ],
)
def test_a_message_no_rule_understood_holds_the_order(tee: Sku, message: str, held: bool) -> None:
    order = paid(("TEE-RED-M", 1), buyer_message=message)

    passed, found = _verdict(order)

    assert found == (["buyer_message"] if held else [])
    assert ("buyer_message" in passed) is not held


@pytest.mark.parametrize(
    ("quantity", "limit_total", "limit_quantity", "found"),
    [
        (2, "5000.00", 50, []),
        (2, "118.00", 50, []),  # at the limit is fine
        (2, "117.99", 50, ["large_order"]),
        (3, "5000.00", 3, []),
        (4, "5000.00", 3, ["large_order"]),
        (4, "100.00", 3, ["large_order", "large_order"]),
    ],
)
def test_order_value_and_quantity_above_the_shop_thresholds(
    tee: Sku, default_shop: Shop, quantity: int, limit_total: str, limit_quantity: int, found: list[str]
) -> None:
    ReviewSettings.objects.create(
        shop=default_shop, max_order_total=Decimal(limit_total), max_total_quantity=limit_quantity
    )
    order = paid(("TEE-RED-M", quantity))

    assert _verdict(order)[1] == found


def test_other_open_orders_of_the_buyer_are_named_as_merge_candidates(tee: Sku) -> None:
    buyer = actions.Buyer("李四", "13900139000", "lisi")
    first = paid(("TEE-RED-M", 1), buyer=buyer)
    second = paid(("TEE-RED-M", 1), buyer=buyer, at=T0 + timedelta(minutes=5))
    unpaid = actions.place_order(draft=order_draft(("TEE-RED-M", 1), buyer=buyer, placed_at=T0), actor=None)
    shipped = advance(paid(("TEE-RED-M", 1), buyer=buyer), "shipped")
    closed = advance(actions.place_order(draft=order_draft(("TEE-RED-M", 1), buyer=buyer), actor=None), "closed")
    someone_else = paid(("TEE-RED-M", 1))

    order = Order.objects.get(pk=first.pk)
    verdict = evaluate(order, build_context([order], now=AFTER_BUFFER))

    assert [(f.code, f.suggestion) for f in verdict.findings] == [
        ("merge_candidate", {"merge_with": [unpaid.number, second.number]})
    ]
    assert shipped.number not in verdict.findings[0].message
    assert closed.status == "closed"
    assert _verdict(someone_else)[1] == []


@pytest.mark.parametrize(("cap", "held"), [(1, [False, True, True]), (2, [False, False, True]), (3, [False] * 3)])
def test_cod_orders_of_a_buyer_without_reputation_are_capped_per_day(
    tee: Sku, default_shop: Shop, cap: int, held: list[bool]
) -> None:
    ReviewSettings.objects.create(shop=default_shop, cod_orders_per_day_new_buyer=cap)
    buyer = actions.Buyer("王五", "13700137000", "wangwu")
    orders = [cod(("TEE-RED-M", 1), buyer=buyer, at=T0 + timedelta(minutes=minute)) for minute in (0, 1, 2)]
    ReviewSettings.objects.filter(shop=default_shop).update(disabled_rules=["merge_candidate"])

    assert [_verdict(order)[1] == ["cod_risk"] for order in orders] == held


def test_cod_cap_counts_per_day(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, disabled_rules=["merge_candidate"])
    buyer = actions.Buyer("王五", "13700137000", "wangwu")
    today = cod(("TEE-RED-M", 1), buyer=buyer, at=T0)
    tomorrow = cod(("TEE-RED-M", 1), buyer=buyer, at=T0 + timedelta(days=1))

    assert (_verdict(today)[1], _verdict(tomorrow)[1]) == ([], [])


def test_a_buyer_with_a_completed_order_is_not_capped(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, disabled_rules=["merge_candidate"])
    buyer = actions.Buyer("王五", "13700137000", "wangwu")
    advance(paid(("TEE-RED-M", 1), buyer=buyer, at=T0 - timedelta(days=20)), "completed")
    orders = [cod(("TEE-RED-M", 1), buyer=buyer, at=T0 + timedelta(minutes=minute)) for minute in (0, 1)]

    assert [_verdict(order)[1] for order in orders] == [[], []]


def test_every_rule_together_and_switched_off(tee: Sku, default_shop: Shop) -> None:
    settings = ReviewSettings.objects.create(shop=default_shop, max_order_total=Decimal("10.00"))
    buyer = actions.Buyer("王五", "13700137000", "wangwu")
    cod(("TEE-RED-M", 1), buyer=buyer, at=T0)
    order = cod(("TEE-RED-M", 2), buyer=buyer, at=T0 + timedelta(minutes=1), buyer_message="帮我换个颜色吧")
    OrderLine.objects.filter(order=order).update(reserved_quantity=0)

    new_rules_passed = ["address", "carrier", "credit", "price"]
    assert _verdict(order) == (
        new_rules_passed,
        ["stock", "buyer_message", "large_order", "merge_candidate", "cod_risk"],
    )

    settings.disabled_rules = ["stock", "cod_risk"]
    settings.save()
    assert _verdict(order) == (new_rules_passed, ["buyer_message", "large_order", "merge_candidate"])

    settings.disabled_rules = ALL_RULES
    settings.save()
    assert _verdict(order) == ([], [])


def test_a_batch_is_judged_in_a_fixed_number_of_queries(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop)
    few = [cod(("TEE-RED-M", 1), at=T0 + timedelta(minutes=m)) for m in range(2)]
    many = few + [paid(("TEE-RED-M", 1), at=T0 + timedelta(minutes=m)) for m in range(10)]

    def queries_for(orders: list[Any]) -> int:
        loaded = list(Order.objects.filter(pk__in=[o.pk for o in orders]))
        with CaptureQueriesContext(connection) as captured:
            context = build_context(loaded, now=AFTER_BUFFER)
            for order in loaded:
                evaluate(order, context)
        return len(captured.captured_queries)

    # 5 for the first rules, 1 dropship SKUs (stock), 1 carrier, 1 credit (customers given
    # credit), 2 price (levels, and one quote query per customer level and shop in the batch)
    assert queries_for(few) == queries_for(many) == 10
