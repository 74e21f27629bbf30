"""Carrier choice, table-driven: coverage, COD, weight, cost, speed, the buyer's
requested carrier, and the reason given."""

# ruff: noqa: E501  (tables read best one row a line)
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.logistics import actions
from sellerdesk.logistics.choice import choose_carrier, price
from sellerdesk.logistics.models import Carrier, CarrierRate
from sellerdesk.orders.actions import Address
from tests.api.helpers import assert_error, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, place
from tests.logistics.helpers import carriers

TIBET = {"address": Address("西藏自治区", "阿里地区", "改则县", "1 号")}


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()
    make_sku("TEE", stock=100)
    Sku.objects.filter(code="TEE").update(weight_grams=600)


@pytest.mark.parametrize(
    ("quantity", "fields", "strategy", "chosen", "reason"),
    [
        # 600 g: everyone's first kilo; YUNDA and STO at ¥4.50, YUNDA faster (3 days vs 4)
        (1, {}, "cheapest", "YUNDA", "Cheapest of 7 carriers that fit — 韵达快递: ¥4.50, about 3 day(s)."),
        (1, {}, "fastest", "JD", "Fastest of 7 carriers that fit — 京东物流: ¥10.00, about 2 day(s)."),
        # 3 kg: ¥4.50 + 2 × ¥1.50
        (5, {}, "cheapest", "YUNDA", "Cheapest of 7 carriers that fit — 韵达快递: ¥7.50, about 3 day(s)."),
        # COD: only SF, EMS, JD collect cash
        (1, {"payment_method": "cod"}, "cheapest", "EMS", "Cheapest of 3 carriers that fit — 邮政EMS: ¥9.00, about 4 day(s). Collects cash on delivery."),
        # the buyer asked for SF
        (1, {"buyer_message": "请发顺丰"}, "cheapest", "SF", "The buyer asked for 顺丰速运. 顺丰速运: ¥12.00, about 2 day(s)."),
        # 改则县 is 超区 for everyone but EMS (remote price)
        (1, TIBET, "cheapest", "EMS", "Cheapest of 1 carriers that fit — 邮政EMS: ¥15.00, about 4 day(s)."),
        (1, {**TIBET, "buyer_message": "请发顺丰"}, "cheapest", "EMS",
         "The buyer asked for 顺丰速运, but it does not deliver to 西藏自治区阿里地区改则县 (超区). "
         "Cheapest of 1 carriers that fit — 邮政EMS: ¥15.00, about 4 day(s)."),
    ],
)  # fmt: skip
def test_choice(quantity: int, fields: dict[str, Any], strategy: str, chosen: str, reason: str) -> None:
    order = place(("TEE", quantity), **fields)
    actions.update_logistics_settings(
        actor=None, shop=order.shop, strategy=strategy, honour_requested_carrier=True, disabled_carriers=[],
        stale_after_days=2,
    )  # fmt: skip

    found = choose_carrier(order)

    assert found.carrier is not None and found.carrier.code == chosen
    assert found.reason == reason


def test_a_weight_limit_rules_a_carrier_out() -> None:
    actions.update_carrier(actor=None, carrier=Carrier.objects.get(code="YUNDA"), max_weight_grams=1000)
    order = place(("TEE", 2))

    found = choose_carrier(order)

    assert found.carrier is not None and found.carrier.code == "STO"
    yunda = next(o for o in found.alternatives if o.carrier.code == "YUNDA")
    assert (yunda.is_eligible, yunda.why_not) == (False, "carries at most 1000 g; the parcel weighs 1200 g")


def test_a_shop_can_switch_carriers_off_and_ignore_requests() -> None:
    order = place(("TEE", 1), buyer_message="请发顺丰")
    actions.update_logistics_settings(
        actor=None, shop=order.shop, strategy="cheapest", honour_requested_carrier=False,
        disabled_carriers=["YUNDA"], stale_after_days=2,
    )  # fmt: skip

    found = choose_carrier(order)

    assert found.carrier is not None and found.carrier.code == "STO"


def test_no_carrier_fits_gives_none_with_every_reason() -> None:
    for carrier in Carrier.objects.exclude(code="ZTO"):
        actions.update_carrier(actor=None, carrier=carrier, is_active=False)
    order = place(("TEE", 1), payment_method="cod")

    found = choose_carrier(order)

    assert found.carrier is None
    assert found.reason == "No carrier fits: 中通快递 does not collect cash on delivery."


def test_first_and_additional_weight_pricing() -> None:
    rate = CarrierRate(first_weight_grams=1000, first_price=Decimal("5.00"), additional_price_per_kg=Decimal("1.50"))

    assert [price(rate, grams) for grams in (0, 1000, 1001, 2000, 2500)] == [
        Decimal("5.00"), Decimal("5.00"), Decimal("6.50"), Decimal("6.50"), Decimal("8.00"),
    ]  # fmt: skip


def test_carrier_choice_by_api(agent_api: Any) -> None:
    order = place(("TEE", 1))

    response = agent_api.get(f"/api/v1/orders/{order.number}/carrier-choice")

    assert response.status_code == 200
    body = response.json()
    assert (body["carrier"], body["weight_grams"]) == ("YUNDA", 600)
    assert [(o["carrier"], o["cost"], o["eligible"]) for o in body["alternatives"]][:2] == [
        ("YUNDA", "4.50", True),
        ("STO", "4.50", True),
    ]


def test_replace_rates_by_api_then_bad_rates_change_nothing(supervisor_api: Any) -> None:
    good = {"rates": [{"province": "", "first_price": "6.00", "additional_price_per_kg": "2.00"},
                      {"province": "广东", "first_price": "5.00", "additional_price_per_kg": "1.00"}]}  # fmt: skip
    response = supervisor_api.put("/api/v1/carriers/ZTO/rates", good)
    assert response.status_code == 200
    assert [(r["province"], r["first_price"]) for r in response.json()["rates"]] == [("", "6.00"), ("广东省", "5.00")]

    bad = {"rates": [{"province": "火星", "first_price": "6.00", "additional_price_per_kg": "2.00"},
                     {"province": "", "first_price": "7.00", "additional_price_per_kg": "2.00"},
                     {"province": "", "first_price": "8.00", "additional_price_per_kg": "2.00"}]}  # fmt: skip
    response = supervisor_api.put("/api/v1/carriers/ZTO/rates", bad)

    details = assert_error(response, 422, "validation_error")
    assert set(details["fields"]) == {"rates[0].province", "rates[2].province"}
    assert list(CarrierRate.objects.filter(carrier__code="ZTO").order_by("province").values_list("first_price", flat=True)) == [
        Decimal("6.00"), Decimal("5.00"),
    ]  # fmt: skip


def test_an_agent_may_not_edit_rates(agent_api: Any) -> None:
    response = agent_api.put("/api/v1/carriers/ZTO/rates", {"rates": []})

    assert_error(response, 403, "permission_denied")
    assert CarrierRate.objects.filter(carrier__code="ZTO").count() == 8
