"""POST /api/v1/skus, GET /api/v1/skus/{code}, PUT /api/v1/skus/{code}/stock."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import AuditEvent
from sellerdesk.inventory.models import MovementKind, StockMovement, Warehouse
from tests.api.helpers import assert_error, assert_invalid, order_body, snapshot, stock
from tests.factories import make_sku, place

SKU = {
    "code": "TEE-RED-M",
    "name": "纯棉T恤 红 M",
    "price": "59.00",
    "attributes": {"颜色": "红", "尺码": "M"},
    "barcode": "6901234567890",
}


def test_create_sku_answers_201_with_the_sku_and_empty_stock(api: Any) -> None:
    response = api.post("/api/v1/skus", SKU)

    assert response.status_code == 201
    assert response.json() == {
        "code": "TEE-RED-M",
        "name": "纯棉T恤 红 M",
        "price": "59.00",
        "attributes": {"颜色": "红", "尺码": "M"},
        "barcode": "6901234567890",
        "is_dropship": False,
        "stock": {"on_hand": 0, "reserved": 0, "available": 0},
    }
    sku = Sku.objects.get(code="TEE-RED-M")
    assert (str(sku.price), sku.attributes, sku.barcode) == ("59.00", {"颜色": "红", "尺码": "M"}, "6901234567890")


def test_create_sku_with_only_the_required_fields(api: Any) -> None:
    response = api.post("/api/v1/skus", {"code": "MUG-1", "name": "马克杯", "price": "25.5"})

    assert response.status_code == 201
    assert response.json() == {
        "code": "MUG-1",
        "name": "马克杯",
        "price": "25.50",
        "attributes": {},
        "barcode": None,
        "is_dropship": False,
        "stock": {"on_hand": 0, "reserved": 0, "available": 0},
    }


def test_duplicate_code_is_409_and_changes_nothing(api: Any) -> None:
    api.post("/api/v1/skus", SKU)
    before = snapshot()

    response = api.post("/api/v1/skus", {**SKU, "name": "另一个", "barcode": "6909999999999"})

    assert_error(response, 409, "duplicate_sku")
    assert snapshot() == before
    assert Sku.objects.get(code="TEE-RED-M").name == "纯棉T恤 红 M"


def test_duplicate_barcode_is_409(api: Any) -> None:
    api.post("/api/v1/skus", SKU)
    before = snapshot()

    response = api.post("/api/v1/skus", {**SKU, "code": "TEE-RED-L"})

    assert_error(response, 409, "duplicate_barcode")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"code": ""}, "code"),
        ({"code": "TEE RED"}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"code": 12}, "code"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"price": "-1.00"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1.234"}, "price"),
        ({"price": 59.0}, "price"),
        ({"price": True}, "price"),
        ({"price": "1e999"}, "price"),
        ({"attributes": "红"}, "attributes"),
        ({"attributes": {"颜色": 1}}, "attributes.颜色"),
        ({"barcode": "69-01 23"}, "barcode"),
        ({"size": "M"}, "size"),
    ],
)
def test_bad_sku_fields_are_422_naming_the_field(api: Any, change: dict[str, Any], path: str) -> None:
    before = snapshot()

    response = api.post("/api/v1/skus", {**SKU, **change})

    assert_invalid(response, path)
    assert snapshot() == before


def test_missing_fields_are_each_named(api: Any) -> None:
    response = api.post("/api/v1/skus", {})

    assert_invalid(response, "code", "name", "price")
    assert Sku.objects.count() == 0


def test_create_sku_with_the_same_idempotency_key_creates_one(api: Any) -> None:
    first = api.post("/api/v1/skus", SKU, headers={"Idempotency-Key": "sku-1"})
    again = api.post("/api/v1/skus", SKU, headers={"Idempotency-Key": "sku-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Sku.objects.count() == 1


def test_get_sku_sums_stock_over_warehouses(api: Any) -> None:
    make_sku("TEE-RED-M", price="59.00", stock=30, attributes={"颜色": "红"})
    Warehouse.objects.create(code="south", name="南仓")
    assert api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 20, "warehouse": "south"}).status_code == 200
    place(("TEE-RED-M", 4))

    response = api.get("/api/v1/skus/TEE-RED-M")

    assert response.status_code == 200
    assert response.json() == {
        "code": "TEE-RED-M",
        "name": "商品 TEE-RED-M",
        "price": "59.00",
        "attributes": {"颜色": "红"},
        "barcode": None,
        "is_dropship": False,
        "stock": {"on_hand": 50, "reserved": 4, "available": 46},
    }


def test_get_unknown_sku_is_404(api: Any) -> None:
    assert_error(api.get("/api/v1/skus/NOPE"), 404, "not_found")


def test_set_stock_writes_the_ledger_and_answers_the_sku(api: Any) -> None:
    sku = make_sku("TEE-RED-M", stock=10)

    response = api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 50})

    assert response.status_code == 200
    assert response.json()["stock"] == {"on_hand": 50, "reserved": 0, "available": 50}
    movement = StockMovement.objects.filter(sku=sku).order_by("pk").last()
    assert movement is not None
    assert (
        movement.kind,
        movement.on_hand_delta,
        movement.reserved_delta,
        movement.warehouse.code,
        movement.actor.username,
    ) == (MovementKind.ADJUST, 40, 0, "main", "owner")


def test_set_stock_downwards_ledgers_a_negative_delta(api: Any) -> None:
    make_sku("TEE-RED-M", stock=10)

    response = api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 3})

    assert response.json()["stock"] == {"on_hand": 3, "reserved": 0, "available": 3}
    assert StockMovement.objects.order_by("pk").last().on_hand_delta == -7  # type: ignore[union-attr]


def test_set_stock_in_a_named_warehouse(api: Any) -> None:
    make_sku("TEE-RED-M", stock=10)
    Warehouse.objects.create(code="south", name="南仓")

    response = api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 7, "warehouse": "south"})

    assert response.json()["stock"] == {"on_hand": 17, "reserved": 0, "available": 17}
    assert StockMovement.objects.order_by("pk").last().warehouse.code == "south"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"on_hand": -1}, "on_hand"),
        ({"on_hand": "50"}, "on_hand"),
        ({"on_hand": 1.5}, "on_hand"),
        ({"on_hand": True}, "on_hand"),
        ({"on_hand": 10**12}, "on_hand"),
        ({}, "on_hand"),
        ({"on_hand": 5, "warehouse": "nowhere"}, "warehouse"),
        ({"on_hand": 5, "extra": 1}, "extra"),
    ],
)
def test_bad_stock_counts_are_422_and_change_nothing(api: Any, body: dict[str, Any], path: str) -> None:
    make_sku("TEE-RED-M", stock=10)
    before = snapshot()

    response = api.put("/api/v1/skus/TEE-RED-M/stock", body)

    assert_invalid(response, path)
    assert snapshot() == before


def test_stock_below_reserved_is_409_and_changes_nothing(api: Any) -> None:
    make_sku("TEE-RED-M", stock=10)
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 6)))
    before = snapshot()

    response = api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 5})

    details = assert_error(response, 409, "stock_below_reserved")
    assert details == {"reserved": 6, "on_hand": 5}
    assert snapshot() == before
    assert stock("TEE-RED-M") == (10, 6)


def test_stock_of_unknown_sku_is_404(api: Any) -> None:
    assert_error(api.put("/api/v1/skus/NOPE/stock", {"on_hand": 5}), 404, "not_found")


def test_a_sku_is_marked_dropshipped_when_created_and_when_edited(api: Any) -> None:
    """Issue 17 C: the dropship flag (分销/代销) is set through the API, on create and edit."""
    created = api.post("/api/v1/skus", {**SKU, "is_dropship": True})
    assert (created.status_code, created.json()["is_dropship"]) == (201, True)
    assert Sku.objects.get(code="TEE-RED-M").is_dropship

    edited = api.client.patch(
        "/api/v1/skus/TEE-RED-M", data={"is_dropship": False, "price": "49.00"}, content_type="application/json"
    )

    assert edited.status_code == 200, edited.json()
    assert (edited.json()["is_dropship"], edited.json()["price"], edited.json()["name"]) == (
        False,
        "49.00",
        SKU["name"],
    )
    sku = Sku.objects.get(code="TEE-RED-M")
    assert (sku.is_dropship, str(sku.price)) == (False, "49.00")
    events = AuditEvent.objects.filter(object_kind="sku", object_id="TEE-RED-M")
    assert [(event.code, event.data["before"], event.data["after"]) for event in events] == [
        ("sku_changed", {"is_dropship": True, "price": "59.00"}, {"is_dropship": False, "price": "49.00"})
    ]


def test_a_bad_sku_edit_is_refused_and_changes_nothing(api: Any) -> None:
    api.post("/api/v1/skus", SKU)
    api.post("/api/v1/skus", {"code": "CAP", "name": "帽子", "price": "30", "barcode": "6900000000035"})

    bad = api.client.patch("/api/v1/skus/TEE-RED-M", data={"is_dropship": "maybe"}, content_type="application/json")
    taken = api.client.patch(
        "/api/v1/skus/TEE-RED-M", data={"barcode": "6900000000035"}, content_type="application/json"
    )
    missing = api.client.patch("/api/v1/skus/NOPE", data={"is_dropship": True}, content_type="application/json")

    assert (bad.status_code, taken.status_code, missing.status_code) == (422, 409, 404)
    sku = Sku.objects.get(code="TEE-RED-M")
    assert (sku.is_dropship, sku.barcode) == (False, "6901234567890")
    assert not AuditEvent.objects.filter(object_kind="sku").exists()
