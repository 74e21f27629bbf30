"""/api/v1: customer merge, duplicates, same buyer, level by hand, level thresholds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.crm.models import CustomerMerge
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place

TAOBAO = order_actions.Buyer("张三", "13800138000", "zhang_tb")
BY_PHONE = order_actions.Buyer("张三", "13800138000", "")


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def pair(db: Any) -> tuple[Customer, Customer]:
    make_sku("TEE", price="50.00", stock=100)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    return Customer.objects.get(identity="zhang_tb"), Customer.objects.get(identity="tel:13800138000")


def test_duplicates_then_merge(api: ApiClient, pair: tuple[Customer, Customer]) -> None:
    keep, duplicate = pair
    found = api.get("/api/v1/customers/duplicates", shop="main")
    assert found.status_code == 200, found.json()
    [group] = found.json()
    assert group["phone"] == "13800138000"
    assert [c["id"] for c in group["customers"]] == [keep.pk, duplicate.pk]
    assert group["customers"][0]["order_count"] == 2
    body = {"keep": keep.pk, "duplicates": [duplicate.pk], "reason": "同一个人"}
    answer = api.post("/api/v1/customers/merge", body, headers={"Idempotency-Key": "m1"})
    assert answer.status_code == 200, answer.json()
    result = answer.json()
    assert result["kept"]["id"] == keep.pk and result["kept"]["order_count"] == 3
    [merge] = result["merges"]
    assert (merge["merged"], merge["merged_number"]) == (duplicate.pk, duplicate.display_number)
    assert merge["moved"]["orders"] == 1
    # the same key again: the same answer, no second merge
    again = api.post("/api/v1/customers/merge", body, headers={"Idempotency-Key": "m1"})
    assert again.json() == result
    assert CustomerMerge.objects.count() == 1
    assert set(Order.objects.values_list("customer_id", flat=True)) == {keep.pk}
    assert api.get("/api/v1/customers/duplicates", shop="main").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"keep": 0, "duplicates": [0], "reason": "x"}, "keep"),
        ({"keep": "K", "duplicates": [], "reason": ""}, None),
        ({"duplicates": "D", "reason": "  "}, "reason"),
    ],
)
def test_bad_merge_bodies_name_the_field(
    api: ApiClient, pair: tuple[Customer, Customer], body: dict[str, Any], field: str | None
) -> None:
    keep, duplicate = pair
    body = {
        key: (keep.pk if value == "K" else [duplicate.pk] if value == "D" else value) for key, value in body.items()
    }
    body.setdefault("keep", keep.pk)
    answer = api.post("/api/v1/customers/merge", body)
    assert answer.status_code == 422, answer.json()
    if field:
        assert field in str(answer.json()["details"])
    assert CustomerMerge.objects.count() == 0 and CustomerEvent.objects.count() == 0


def test_an_agent_may_not_merge(pair: tuple[Customer, Customer]) -> None:
    keep, duplicate = pair
    agent = ApiClient(make_token(make_user("agent", "agent")))
    answer = agent.post("/api/v1/customers/merge", {"keep": keep.pk, "duplicates": [duplicate.pk], "reason": "x"})
    assert answer.status_code == 403
    assert CustomerMerge.objects.count() == 0


def test_unknown_shop_for_duplicates(api: ApiClient, db: Any) -> None:
    answer = api.get("/api/v1/customers/duplicates", shop="nope")
    assert answer.status_code == 422
    assert answer.json()["details"]["fields"] == {"shop": "unknown shop nope"}


def test_same_buyer_in_other_shops(api: ApiClient, pair: tuple[Customer, Customer]) -> None:
    keep, _duplicate = pair
    web = Shop.objects.create(code="web", name="官网", platform="web")
    other = Customer.objects.create(
        shop=web,
        identity="tel:13800138000",
        phone="13800138000",
        name="张三",
        order_count=4,
        total_spent=Decimal("9.50"),
    )
    answer = api.get(f"/api/v1/customers/{keep.pk}/same-buyer").json()
    assert [(c["id"], c["shop"]) for c in answer["customers"]] == [(other.pk, "web")]
    totals = answer["totals"]
    assert (totals["shops"], totals["order_count"], totals["total_spent"]) == (2, 6, "9.50")
    assert totals["last_order_at"] is not None  # the kept customer's, from intake


def test_level_by_hand_and_thresholds(api: ApiClient, pair: tuple[Customer, Customer]) -> None:
    keep, _duplicate = pair
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=20)
    answer = api.post(f"/api/v1/customers/{keep.pk}/level", {"level": "gold", "reason": "大客户"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["level"]["code"] == "gold"
    keep.refresh_from_db()
    assert (keep.level_id, keep.level_locked, keep.level_reason) == (gold.pk, True, "大客户")
    unknown = api.post(f"/api/v1/customers/{keep.pk}/level", {"level": "platinum", "reason": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["details"]["fields"] == {"level": "unknown customer level platinum for this shop"}
    patched = api.patch(f"/api/v1/customer-levels/{gold.pk}", {"min_spent": "800.00"})
    assert patched.status_code == 200, patched.json()
    assert patched.json() == {
        "id": gold.pk,
        "code": "gold",
        "name": "金卡",
        "rank": 20,
        "shop": None,
        "min_spent": "800.00",
        "min_orders": None,
    }
    listed = api.get("/api/v1/customer-levels/thresholds").json()
    assert listed == [patched.json()]
    assert api.patch("/api/v1/customer-levels/999999", {"min_orders": 3}).status_code == 404
    bad = api.patch(f"/api/v1/customer-levels/{gold.pk}", {"min_orders": -3})
    assert bad.status_code == 422
