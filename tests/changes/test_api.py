"""PATCH /orders/{n}/lines, PUT /orders/{n}/address, PUT /orders/{n}/carrier."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.orders.models import Order
from tests.api.helpers import advance, assert_error, assert_invalid, stock
from tests.changes.conftest import everything, paid
from tests.conftest import ApiClient


def _url(order: Order, what: str) -> str:
    return f"/api/v1/orders/{order.number}/{what}"


def test_patch_lines_swaps_sku(api: ApiClient, tee: Sku, blue: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    response = api.patch(_url(order, "lines"), {"changes": [{"line": 1, "sku": "TEE-BLU-M", "quantity": 2}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["status"]) == ("138.00", "on_hold")
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("TEE-BLU-M", 2)]
    assert stock("TEE-BLU-M") == (5, 2)
    assert stock("TEE-RED-M") == (100, 0)


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"changes": []}, ["changes"]),
        ({"changes": [{"line": 1, "quantity": 0}]}, ["changes[0].quantity"]),
        ({"changes": [{"line": 1, "quantity": "2"}]}, ["changes[0].quantity"]),
        ({"changes": [{"line": 1, "colour": "blue"}]}, ["changes[0].colour"]),
        ({"changes": [{"line": 1, "sku": "NOPE"}, {"line": 7, "quantity": 1}]}, ["changes[0].sku", "changes[1].line"]),
    ],
)
def test_patch_lines_invalid_changes_nothing(api: ApiClient, tee: Sku, body: dict[str, Any], paths: list[str]) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    assert_invalid(api.patch(_url(order, "lines"), body), *paths)
    assert everything(order) == before


def test_patch_lines_insufficient_stock_is_409(api: ApiClient, tee: Sku, blue: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    details = assert_error(
        api.patch(_url(order, "lines"), {"changes": [{"line": 1, "quantity": 6, "sku": "TEE-BLU-M"}]}),
        409,
        "insufficient_stock",
    )
    assert details["lines"] == [{"sku": "TEE-BLU-M", "requested": 6, "available": 5}]
    assert everything(order) == before


def test_patch_lines_of_approved_order_is_409(api: ApiClient, tee: Sku) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "approved")
    before = everything(order)
    details = assert_error(
        api.patch(_url(order, "lines"), {"changes": [{"line": 1, "quantity": 2}]}), 409, "invalid_transition"
    )
    assert details["current_status"] == "approved"
    assert everything(order) == before


def test_put_address(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    address = {"province": "广东省", "city": "广州市", "district": "天河区", "detail": "天河路 1 号"}
    response = api.put(_url(order, "address"), address)
    assert response.status_code == 200, response.content
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.address_text == "广东省广州市天河区天河路 1 号"


def test_put_address_not_real_is_422(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    address = {"province": "浙江省", "city": "杭州市", "district": "天河区", "detail": "文三路 1 号"}
    assert_invalid(api.put(_url(order, "address"), address), "district")
    assert_invalid(api.put(_url(order, "address"), {"province": "浙江省"}), "city", "detail")
    assert everything(order) == before


def test_put_address_of_shipped_order_is_409(api: ApiClient, tee: Sku) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "shipped")
    before = everything(order)
    address = {"province": "广东省", "city": "广州市", "district": "天河区", "detail": "天河路 1 号"}
    assert_error(api.put(_url(order, "address"), address), 409, "invalid_transition")
    assert everything(order) == before


def test_put_carrier(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    response = api.put(_url(order, "carrier"), {"carrier": "ZTO"})
    assert response.status_code == 200, response.content
    assert response.json()["carrier"] == "ZTO"


def test_put_carrier_unknown_or_missing_is_422(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    assert_invalid(api.put(_url(order, "carrier"), {"carrier": "NOPE"}), "carrier")
    assert_invalid(api.put(_url(order, "carrier"), {}), "carrier")
    assert everything(order) == before


def test_warehouse_staff_may_not_change_lines(warehouse_user: Any, tee: Sku) -> None:
    from tests.factories import make_token

    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    client = ApiClient(make_token(warehouse_user))
    assert_error(
        client.patch(_url(order, "lines"), {"changes": [{"line": 1, "quantity": 2}]}), 403, "permission_denied"
    )
    assert everything(order) == before
