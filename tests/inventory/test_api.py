"""/api/v1 warehouses, bins, stock, ledger, stock counts and transfers."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, StockLevel, Warehouse
from tests.conftest import ApiClient
from tests.factories import make_token, make_user
from tests.inventory.conftest import HookCalls, bins_of, figures, snapshot


@pytest.fixture
def picker_api(db: Any) -> ApiClient:
    return ApiClient(make_token(make_user("picker", "warehouse")))


def test_create_list_and_patch_warehouses(api: ApiClient, main: Warehouse) -> None:
    created = api.post(
        "/api/v1/warehouses",
        {"code": "gz", "name": "广州仓", "regions": ["广东", "广西"], "priority": 20, "city": "广州市"},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["regions"] == ["广东省", "广西壮族自治区"]
    assert [row["code"] for row in api.get("/api/v1/warehouses").json()] == ["gz", "main"]
    patched = api.patch("/api/v1/warehouses/gz", {"priority": 5, "is_default": True})
    assert patched.status_code == 200
    assert (patched.json()["priority"], patched.json()["is_default"]) == (5, True)
    assert api.get("/api/v1/warehouses/main").json()["is_default"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "gz", "name": "广州仓", "regions": ["华南"]}, "regions[0]"),
        ({"code": "gz", "name": "广州仓", "priority": -1}, "priority"),
        ({"code": "gz", "name": "广州仓", "priority": "1"}, "priority"),
        ({"code": "GZ!", "name": "广州仓"}, "code"),
        ({"code": "gz", "name": "广州仓", "colour": "red"}, "colour"),
        ({"code": "main", "name": "重复"}, "code"),
    ],
)
def test_bad_warehouses_are_422_and_change_nothing(
    api: ApiClient, main: Warehouse, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    answer = api.post("/api/v1/warehouses", body)
    assert answer.status_code == 422
    assert field in answer.json()["details"]["fields"]
    assert snapshot() == before


def test_unknown_warehouse_is_404(api: ApiClient, main: Warehouse) -> None:
    assert api.get("/api/v1/warehouses/nowhere").status_code == 404
    assert api.patch("/api/v1/warehouses/nowhere", {"priority": 1}).json()["code"] == "not_found"


def test_a_picker_may_not_edit_warehouses(picker_api: ApiClient, main: Warehouse) -> None:
    before = snapshot()
    assert picker_api.patch("/api/v1/warehouses/main", {"priority": 1}).status_code == 403
    assert snapshot() == before


def test_bins_range_and_duplicates(api: ApiClient, main: Warehouse) -> None:
    created = api.post("/api/v1/warehouses/main/bins", {"code": "A-01-01..A-01-03", "zone": "A"})
    assert created.status_code == 201
    assert [(row["code"], row["route_order"]) for row in created.json()] == [
        ("A-01-01", 1),
        ("A-01-02", 2),
        ("A-01-03", 3),
    ]
    before = snapshot()
    duplicate = api.post("/api/v1/warehouses/main/bins", {"code": "A-01-03..A-01-05"})
    assert duplicate.status_code == 422
    assert list(duplicate.json()["details"]["fields"]) == ["code"]
    assert snapshot() == before
    assert len(api.get("/api/v1/warehouses/main/bins").json()) == 3


def test_stock_shows_the_five_figures_per_warehouse(
    api: ApiClient, tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    actions.add_in_transit(sku_id=tee.pk, warehouse_id=guangzhou.pk, quantity=5, document="PO1", actor=None, at=_now())
    actions.receive_stock(sku_id=tee.pk, warehouse_id=main.pk, good=0, damaged=2, document="PO0", actor=None, at=_now())
    answer = api.get("/api/v1/stock", sku="TEE-RED-M")
    assert answer.status_code == 200
    item = answer.json()["items"][0]
    assert item["total"] == {
        "on_hand": 10,
        "reserved": 0,
        "available": 10,
        "in_transit": 5,
        "defective": 2,
        "presale_reserved": 0,
    }
    assert [(row["warehouse"], row["on_hand"], row["in_transit"]) for row in item["warehouses"]] == [
        ("gz", 0, 5),
        ("main", 10, 0),
    ]
    assert api.get("/api/v1/stock", sku="NOPE").status_code == 422
    assert list(api.get("/api/v1/stock", warehouse="nowhere").json()["details"]["fields"]) == ["warehouse"]


def test_the_ledger_filters_and_pages(api: ApiClient, tee: Sku, cap: Sku) -> None:
    answer = api.get("/api/v1/stock/movements", sku="CAP-BLK")
    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    assert answer.json()["items"][0]["kind"] == "adjust"
    assert answer.json()["items"][0]["on_hand_delta"] == 5
    assert api.get("/api/v1/stock/movements", kind="receive").json()["count"] == 0
    assert api.get("/api/v1/stock/movements", kind="bogus").status_code == 422
    assert api.get("/api/v1/stock/movements", page=0).status_code == 422


def test_putaway(api: ApiClient, tee: Sku, main: Warehouse) -> None:
    api.post("/api/v1/warehouses/main/bins", {"code": "A-01..A-02"})
    answer = api.post("/api/v1/stock/putaway", {"sku": "TEE-RED-M", "warehouse": "main", "bin": "A-02", "quantity": 4})
    assert answer.status_code == 200
    assert answer.json() == {
        "sku": "TEE-RED-M",
        "warehouse": "main",
        "on_hand": 10,
        "unbinned": 6,
        "bins": [{"bin": "A-02", "quantity": 4}],
    }
    before = snapshot()
    too_many = api.post(
        "/api/v1/stock/putaway", {"sku": "TEE-RED-M", "warehouse": "main", "bin": "A-01", "quantity": 7}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (409, "not_enough_unbinned")
    unknown_bin = api.post(
        "/api/v1/stock/putaway", {"sku": "TEE-RED-M", "warehouse": "main", "bin": "Z-9", "quantity": 1}
    )
    assert unknown_bin.status_code == 422
    assert snapshot() == before


def test_a_stock_count_end_to_end(api: ApiClient, tee: Sku, cap: Sku, main: Warehouse) -> None:
    started = api.post("/api/v1/stock-counts", {"warehouse": "main", "note": "月末"})
    assert started.status_code == 201
    count = started.json()
    ids = {line["sku"]: line["id"] for line in count["lines"]}
    before = snapshot()
    negative = api.put(
        f"/api/v1/stock-counts/{count['number']}/lines", {"lines": [{"id": ids["CAP-BLK"], "counted": -1}]}
    )
    assert negative.status_code == 422
    assert snapshot() == before
    entered = api.put(
        f"/api/v1/stock-counts/{count['number']}/lines",
        {"lines": [{"id": ids["CAP-BLK"], "counted": 7}, {"id": ids["TEE-RED-M"], "counted": 9}]},
    )
    assert [(line["sku"], line["difference"]) for line in entered.json()["lines"]] == [
        ("CAP-BLK", 2),
        ("TEE-RED-M", -1),
    ]
    posted = api.post(f"/api/v1/stock-counts/{count['number']}/post")
    assert posted.json()["status"] == "posted"
    assert (figures(tee, main)[0], figures(cap, main)[0]) == (9, 7)
    again = api.post(f"/api/v1/stock-counts/{count['number']}/post")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert api.get("/api/v1/stock-counts/PD000").status_code == 404


def test_a_transfer_end_to_end(
    api: ApiClient, tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls
) -> None:
    created = api.post(
        "/api/v1/transfers",
        {"from_warehouse": "main", "to_warehouse": "gz", "lines": [{"sku": "TEE-RED-M", "quantity": 3}]},
        headers={"Idempotency-Key": "t-1"},
    )
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["status"] == "draft"
    replay = api.post(
        "/api/v1/transfers",
        {"from_warehouse": "main", "to_warehouse": "gz", "lines": [{"sku": "TEE-RED-M", "quantity": 3}]},
        headers={"Idempotency-Key": "t-1"},
    )
    assert replay.json()["number"] == number
    assert api.post(f"/api/v1/transfers/{number}/ship").json()["status"] == "shipped"
    assert api.post(f"/api/v1/transfers/{number}/receive").json()["status"] == "received"
    assert figures(tee, guangzhou) == (3, 0, 0, 0)
    assert api.get(f"/api/v1/transfers/{number}").json()["lines"] == [
        {"sku": "TEE-RED-M", "name": "商品 TEE-RED-M", "quantity": 3, "received": 3}
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"from_warehouse": "main", "to_warehouse": "main", "lines": [{"sku": "TEE-RED-M", "quantity": 1}]}, 422, None),
        ({"from_warehouse": "gz", "to_warehouse": "main", "lines": [{"sku": "TEE-RED-M", "quantity": 1}]}, 409, None),
        ({"from_warehouse": "main", "to_warehouse": "gz", "lines": [{"sku": "NOPE", "quantity": 1}]}, 422, None),
        ({"from_warehouse": "main", "to_warehouse": "gz", "lines": [{"sku": "TEE-RED-M", "quantity": 0}]}, 422, None),
        ({"from_warehouse": "main", "to_warehouse": "xx", "lines": [{"sku": "TEE-RED-M", "quantity": 1}]}, 422, None),
        ({"from_warehouse": "main", "to_warehouse": "gz", "lines": []}, 422, None),
        (
            {
                "from_warehouse": "main",
                "to_warehouse": "gz",
                "lines": [{"sku": "TEE-RED-M", "quantity": 11}],
                "ship": True,
            },
            409,
            "insufficient_stock",
        ),
    ],
)
def test_bad_transfers_change_nothing(
    api: ApiClient, tee: Sku, main: Warehouse, guangzhou: Warehouse, body: dict[str, Any], status: int, code: str | None
) -> None:
    before = snapshot()
    answer = api.post("/api/v1/transfers", body)
    assert answer.status_code == status, answer.json()
    if code:
        assert answer.json()["code"] == code
    assert snapshot() == before


def test_sku_stock_put_still_sets_on_hand(api: ApiClient, tee: Sku) -> None:
    answer = api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 4})
    assert answer.status_code == 200
    assert answer.json()["stock"] == {"on_hand": 4, "reserved": 0, "available": 4}


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def test_a_reorder_point_is_set_and_cleared(api: ApiClient, main: Warehouse, tee: Sku) -> None:
    response = api.put(
        "/api/v1/stock/reorder-point",
        {"sku": tee.code, "warehouse": "main", "reorder_point": 5, "reorder_quantity": 40},
    )

    assert (response.status_code, response.json()) == (
        200,
        {"sku": tee.code, "warehouse": "main", "reorder_point": 5, "reorder_quantity": 40},
    )
    cleared = api.put("/api/v1/stock/reorder-point", {"sku": tee.code, "warehouse": "main", "reorder_point": None})
    assert cleared.json()["reorder_point"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sku": "NOPE", "warehouse": "main", "reorder_point": 5}, 422),
        ({"sku": "TEE-RED-M", "warehouse": "nope", "reorder_point": 5}, 422),
        ({"sku": "TEE-RED-M", "warehouse": "main", "reorder_point": -1}, 422),
        ({"sku": "TEE-RED-M", "warehouse": "main", "reorder_point": "5"}, 422),
        ({"sku": "TEE-RED-M", "warehouse": "main"}, 422),
    ],
)
def test_a_bad_reorder_point_changes_nothing(
    api: ApiClient, main: Warehouse, tee: Sku, body: dict[str, Any], status: int
) -> None:
    before = snapshot()

    response = api.put("/api/v1/stock/reorder-point", {**body, "sku": body["sku"].replace("TEE-RED-M", tee.code)})

    assert response.status_code == status
    assert snapshot() == before
    assert list(StockLevel.objects.exclude(reorder_point=None).values_list("pk", flat=True)) == []


def test_a_transfer_is_received_in_parts_into_several_bins_through_the_api(
    api: ApiClient, tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    """Issue 17 C: partial receipt and put-away into several bins, over the API."""
    Bin.objects.create(warehouse=guangzhou, code="GZ-A")
    Bin.objects.create(warehouse=guangzhou, code="GZ-B")
    body = {"from_warehouse": "main", "to_warehouse": "gz", "lines": [{"sku": "TEE-RED-M", "quantity": 5}]}
    number = api.post("/api/v1/transfers", {**body, "ship": True}).json()["number"]
    part = {
        "lines": [
            {
                "sku": "TEE-RED-M",
                "quantity": 3,
                "bins": [{"bin": "GZ-A", "quantity": 2}, {"bin": "GZ-B", "quantity": 1}],
            }
        ]
    }

    first = api.post(f"/api/v1/transfers/{number}/receive", part, headers={"Idempotency-Key": "r-1"})
    replay = api.post(f"/api/v1/transfers/{number}/receive", part, headers={"Idempotency-Key": "r-1"})

    assert first.status_code == 200, first.json()
    assert (first.json()["status"], first.json()["lines"][0]["received"]) == ("shipped", 3)
    assert replay.json() == first.json()
    assert figures(tee, guangzhou) == (3, 0, 2, 0)
    assert bins_of(tee, guangzhou) == {"GZ-A": 2, "GZ-B": 1}

    bad = api.post(
        f"/api/v1/transfers/{number}/receive",
        {"lines": [{"sku": "TEE-RED-M", "quantity": 1, "bins": [{"bin": "NOPE", "quantity": 1}]}]},
    )
    assert (bad.status_code, list(bad.json()["details"]["fields"])) == (422, ["lines[0].bins[0].bin"])

    rest = api.post(f"/api/v1/transfers/{number}/receive")
    assert (rest.json()["status"], rest.json()["lines"][0]["received"]) == ("received", 5)
    assert figures(tee, guangzhou) == (5, 0, 0, 0)
