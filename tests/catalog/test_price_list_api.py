"""/api/v1/price-lists: CRUD with tiers, validation, permissions."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import PriceList, PriceListItem, Sku
from sellerdesk.customers.models import CustomerLevel
from sellerdesk.shops.models import Shop
from tests.api.conftest import supervisor_api  # noqa: F401
from tests.factories import make_sku


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE", price="59.00", stock=0)


@pytest.fixture
def gold(default_shop: Shop) -> CustomerLevel:
    return CustomerLevel.objects.create(code="gold", name="金卡", rank=3)


def body(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "金卡批发价",
        "shop": "main",
        "level": "gold",
        "valid_from": "2026-11-01T00:00:00+08:00",
        "valid_to": "2026-12-01T00:00:00+08:00",
        "items": [
            {"sku": "TEE", "min_quantity": 1, "unit_price": "55.00"},
            {"sku": "TEE", "min_quantity": 10, "unit_price": "50.00"},
        ],
    }
    data.update(fields)
    return data


def stored() -> list[Any]:
    """Every price list and tier, to prove a refused call changed nothing."""
    return [
        list(
            PriceList.objects.order_by("pk").values_list("pk", "name", "shop_id", "level_id", "valid_to", "is_active")
        ),
        list(PriceListItem.objects.order_by("pk").values_list("price_list_id", "sku_id", "min_quantity", "unit_price")),
    ]


def test_create_a_price_list_with_tiers(api: Any, tee: Sku, gold: CustomerLevel) -> None:
    # when the owner posts a list
    response = api.post("/api/v1/price-lists", body())
    # then it is created with its tiers
    assert response.status_code == 201, response.json()
    answer = response.json()
    created = PriceList.objects.get()
    assert answer == {
        "id": created.pk,
        "name": "金卡批发价",
        "shop": "main",
        "level": "gold",
        "valid_from": "2026-11-01T00:00:00+08:00",
        "valid_to": "2026-12-01T00:00:00+08:00",
        "is_active": True,
        "items": [
            {"sku": "TEE", "min_quantity": 1, "unit_price": "55.00"},
            {"sku": "TEE", "min_quantity": 10, "unit_price": "50.00"},
        ],
    }
    assert api.get(f"/api/v1/price-lists/{created.pk}").json() == answer
    assert api.get("/api/v1/price-lists").json() == [answer]


def test_a_list_for_everyone_in_every_shop(api: Any, tee: Sku) -> None:
    response = api.post("/api/v1/price-lists", body(shop=None, level=None, valid_from=None, valid_to=None))
    assert response.status_code == 201
    assert (response.json()["shop"], response.json()["level"], response.json()["valid_to"]) == (None, None, None)


def test_put_replaces_the_list_and_its_tiers(api: Any, tee: Sku, gold: CustomerLevel) -> None:
    # given a list with two tiers
    list_id = api.post("/api/v1/price-lists", body()).json()["id"]
    mug = make_sku("MUG", price="25.50", stock=0)
    # when it is replaced by one with other tiers
    new_items = [{"sku": "MUG", "min_quantity": 5, "unit_price": "20.00"}]
    response = api.put(
        f"/api/v1/price-lists/{list_id}", body(name="新价", level=None, is_active=False, items=new_items)
    )
    # then exactly the new tiers remain
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["level"], response.json()["is_active"]) == ("新价", None, False)
    assert response.json()["items"] == new_items
    assert list(PriceListItem.objects.values_list("sku_id", "min_quantity")) == [(mug.pk, 5)]


def test_delete_removes_the_list_and_its_tiers(api: Any, tee: Sku, gold: CustomerLevel) -> None:
    list_id = api.post("/api/v1/price-lists", body()).json()["id"]
    response = api.client.delete(f"/api/v1/price-lists/{list_id}")
    assert response.status_code == 204
    assert (PriceList.objects.count(), PriceListItem.objects.count()) == (0, 0)
    assert api.get(f"/api/v1/price-lists/{list_id}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message_part"),
    [
        ({"items": [{"sku": "NOPE", "min_quantity": 1, "unit_price": "1.00"}]}, "items[0].sku", "NOPE"),
        ({"items": [{"sku": "TEE", "min_quantity": 1, "unit_price": "-1.00"}]}, "items[0].unit_price", "negative"),
        ({"items": [{"sku": "TEE", "min_quantity": 0, "unit_price": "1.00"}]}, "items[0].min_quantity", "1"),
        ({"items": [{"sku": "TEE", "min_quantity": 1, "unit_price": "1.005"}]}, "items[0].unit_price", "decimal"),
        (
            {
                "items": [
                    {"sku": "TEE", "min_quantity": 10, "unit_price": "50.00"},
                    {"sku": "TEE", "min_quantity": 1, "unit_price": "55.00"},
                    {"sku": "TEE", "min_quantity": 10, "unit_price": "49.00"},
                ]
            },
            "items[2].min_quantity",
            "items[0]",
        ),
        ({"valid_to": "2026-10-01T00:00:00+08:00"}, "valid_to", "valid_from"),
        ({"valid_to": "2026-11-01T00:00:00+08:00"}, "valid_to", "valid_from"),
        ({"valid_from": "2026-11-01T00:00:00"}, "valid_from", "timezone"),
        ({"shop": "nope"}, "shop", "nope"),
        ({"level": "nope"}, "level", "nope"),
        ({"name": ""}, "name", "character"),
        ({"extra": 1}, "extra", "xtra"),
    ],
)
def test_invalid_lists_are_422_naming_the_field_and_write_nothing(
    api: Any, tee: Sku, gold: CustomerLevel, change: dict[str, Any], field: str, message_part: str
) -> None:
    # given an existing list
    list_id = api.post("/api/v1/price-lists", body()).json()["id"]
    before = stored()
    # when a bad list is posted, and the existing one is replaced by it
    for response in (
        api.post("/api/v1/price-lists", body(**change)),
        api.put(f"/api/v1/price-lists/{list_id}", body(**change)),
    ):
        # then each is 422 naming the field, and nothing changed
        assert response.status_code == 422, response.json()
        assert response.json()["code"] == "validation_error"
        assert field in response.json()["details"]["fields"]
        assert message_part.lower() in response.json()["details"]["fields"][field].lower()
    assert stored() == before


def test_a_level_of_another_shop_is_422(api: Any, tee: Sku) -> None:
    other = Shop.objects.create(code="jd", name="京东店")
    CustomerLevel.objects.create(code="vip", name="VIP", shop=other)
    response = api.post("/api/v1/price-lists", body(level="vip"))
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["level"]
    assert PriceList.objects.count() == 0


def test_an_agent_reads_but_may_not_write_price_lists(api: Any, agent_api: Any, tee: Sku, gold: CustomerLevel) -> None:
    list_id = api.post("/api/v1/price-lists", body()).json()["id"]
    before = stored()
    assert agent_api.get(f"/api/v1/price-lists/{list_id}").status_code == 200
    assert agent_api.post("/api/v1/price-lists", body()).status_code == 403
    assert agent_api.put(f"/api/v1/price-lists/{list_id}", body(name="x")).status_code == 403
    assert agent_api.client.delete(f"/api/v1/price-lists/{list_id}").status_code == 403
    assert stored() == before


def test_a_supervisor_may_write_price_lists(supervisor_api: Any, tee: Sku, gold: CustomerLevel) -> None:  # noqa: F811
    assert supervisor_api.post("/api/v1/price-lists", body()).status_code == 201


def test_unknown_price_list_is_404(api: Any) -> None:
    assert api.get("/api/v1/price-lists/999").status_code == 404
    assert api.put("/api/v1/price-lists/999", body(items=[])).status_code == 404
    assert api.client.delete("/api/v1/price-lists/999").status_code == 404


def test_the_same_idempotency_key_creates_one_list(api: Any, tee: Sku, gold: CustomerLevel) -> None:
    first = api.post("/api/v1/price-lists", body(), headers={"Idempotency-Key": "pl-1"})
    again = api.post("/api/v1/price-lists", body(), headers={"Idempotency-Key": "pl-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert PriceList.objects.count() == 1
