"""/api/v1 for waves, picking, packing, labels, the scan-out and the documents."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.fulfilment.models import Wave
from sellerdesk.orders.models import Order
from tests.conftest import ApiClient
from tests.factories import make_token
from tests.fulfilment.conftest import allocated, sku, state


@pytest.fixture
def staff(warehouse_user: Any) -> ApiClient:
    return ApiClient(make_token(warehouse_user))


@pytest.fixture
def two_orders(main, carriers):
    sku("CAP", stock_in={"A-01": 10}, barcode="6900000000035")
    sku("MUG", stock_in={"B-01": 10}, barcode="6900000000042")
    return allocated(("CAP", 1)), allocated(("MUG", 2), ("CAP", 1))


def test_preview_then_create_a_wave_then_read_it(two_orders, staff):
    single, double = two_orders

    preview = staff.post("/api/v1/waves/preview", {"single_item": "exclude"})
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["order_count"], body["item_count"], body["considered"]) == (1, 3, 2)
    assert body["left_out"] == {"single_item": 1}
    assert [o["number"] for o in body["orders"]] == [double.number]
    assert [(s["bin"], s["sku"], s["quantity"]) for s in body["pick_list"]] == [("A-01", "CAP", 1), ("B-01", "MUG", 2)]
    assert Wave.objects.count() == 0

    created = staff.post("/api/v1/waves", {"max_orders": 5}, headers={"Idempotency-Key": "w-1"})
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    assert [o["number"] for o in created.json()["orders"]] == [single.number, double.number]
    again = staff.post("/api/v1/waves", {"max_orders": 5}, headers={"Idempotency-Key": "w-1"})
    assert (again.status_code, again.json()["number"]) == (201, number)
    assert Wave.objects.count() == 1

    pick_list = staff.get(f"/api/v1/waves/{number}/pick-list").json()
    assert [(s["bin"], s["sku"], s["quantity"], s["picked"]) for s in pick_list] == [
        ("A-01", "CAP", 2, None),
        ("B-01", "MUG", 2, None),
    ]
    sort_list = staff.get(f"/api/v1/waves/{number}/sort-list").json()
    assert [(s["slot"], s["order"], [(i["sku"], i["quantity"]) for i in s["items"]]) for s in sort_list] == [
        (1, single.number, [("CAP", 1)]),
        (2, double.number, [("CAP", 1), ("MUG", 2)]),
    ]
    started = staff.post(f"/api/v1/waves/{number}/steps/pick/start")
    assert (started.status_code, started.json()["worker"]) == (200, "picker")
    confirmed = staff.post(
        f"/api/v1/waves/{number}/pick-confirm", {"lines": [{"bin": "B-01", "sku": "MUG", "picked": 1}]}
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert [o["status"] for o in confirmed.json()["orders"]] == ["picking", "stockout"]
    assert confirmed.json()["steps"][0]["finished_at"] is not None


def test_bad_wave_bodies_are_422_naming_the_field(two_orders, staff):
    answer = staff.post("/api/v1/waves/preview", {"max_orders": 0, "colour": "red", "single_item": "some"})

    assert answer.status_code == 422
    assert set(answer.json()["details"]["fields"]) == {"max_orders", "colour", "single_item"}
    unknown = staff.post("/api/v1/waves", {"warehouse": "nowhere"})
    assert (unknown.status_code, unknown.json()["details"]["fields"]) == (
        422,
        {"warehouse": "unknown warehouse nowhere"},
    )
    empty = staff.post("/api/v1/waves", {"zone": "Z"})
    assert (empty.status_code, empty.json()["code"]) == (409, "empty_wave")
    assert Wave.objects.count() == 0
    assert staff.get("/api/v1/waves/W000").status_code == 404


def test_pick_pack_label_and_scan_out_an_order(two_orders, staff):
    single, _double = two_orders

    wave = staff.post(f"/api/v1/orders/{single.number}/pick")
    assert wave.status_code == 201, wave.json()
    assert wave.json()["mode"] == "order"
    staff.post(f"/api/v1/waves/{wave.json()['number']}/pick-confirm", {})

    early = staff.post(f"/api/v1/orders/{single.number}/label", {})
    assert (early.status_code, early.json()["code"]) == (409, "not_checked")

    before = state(single)
    wrong = staff.post(f"/api/v1/orders/{single.number}/packing/scans", {"code": "6900000000042"})
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_item")
    unknown = staff.post(f"/api/v1/orders/{single.number}/packing/scans", {"code": "123"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_barcode")
    assert state(single) == before

    good = staff.post(f"/api/v1/orders/{single.number}/packing/scans", {"code": "6900000000035"})
    assert good.status_code == 200, good.json()
    assert (good.json()["sku"], good.json()["check"]["is_complete"]) == ("CAP", True)
    weight = staff.post(f"/api/v1/orders/{single.number}/packing/weight", {"weight_grams": 210})
    assert (weight.status_code, weight.json()["weight_grams"]) == (200, 210)
    assert staff.get(f"/api/v1/orders/{single.number}/packing").json()["units_scanned"] == 1

    label = staff.post(f"/api/v1/orders/{single.number}/label", {})
    assert label.status_code == 201, label.json()
    tracking = label.json()["tracking_number"]
    assert (label.json()["carrier"], label.json()["weight_grams"]) == ("YUNDA", 210)

    pdf = staff.get(f"/api/v1/orders/{single.number}/documents/label")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    slip = staff.get(f"/api/v1/orders/{single.number}/documents/packing-slip")
    assert slip["Content-Type"] == "application/pdf"
    for kind in ("pick-list", "sort-list", "packing-slips", "labels"):
        document = staff.get(f"/api/v1/waves/{wave.json()['number']}/documents/{kind}")
        assert (document.status_code, document["Content-Type"]) == (200, "application/pdf")
    assert staff.get(f"/api/v1/waves/{wave.json()['number']}/documents/menu").status_code == 422

    out = staff.post("/api/v1/scan-out", {"tracking_number": tracking})
    assert out.status_code == 200, out.json()
    assert (out.json()["order_status"], out.json()["shipment_status"]) == ("shipped", "handed_over")
    twice = staff.post("/api/v1/scan-out", {"tracking_number": tracking})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_handed_over")
    nobody = staff.post("/api/v1/scan-out", {"tracking_number": "NOPE"})
    assert nobody.status_code == 404


def test_intercept_then_scan_out_is_refused(two_orders, staff, agent_api):
    single, _double = two_orders
    wave = staff.post(f"/api/v1/orders/{single.number}/pick").json()
    staff.post(f"/api/v1/waves/{wave['number']}/pick-confirm", {})
    staff.post(f"/api/v1/orders/{single.number}/packing/scans", {"code": "CAP"})
    tracking = staff.post(f"/api/v1/orders/{single.number}/label", {}).json()["tracking_number"]

    denied = staff.post(f"/api/v1/orders/{single.number}/intercept", {"reason": "买家取消"})
    assert denied.status_code == 403  # the warehouse may not cancel orders
    stopped = agent_api.post(f"/api/v1/orders/{single.number}/intercept", {"reason": "买家取消"})
    assert stopped.json() == {"order": single.number, "status": "closed", "intercepted": [tracking]}
    before = state(single)

    refused = staff.post("/api/v1/scan-out", {"tracking_number": tracking})

    assert (refused.status_code, refused.json()["code"]) == (409, "shipment_intercepted")
    assert state(single) == before
    assert Order.objects.get(pk=single.pk).status == "closed"


def test_the_api_needs_a_token(anonymous_api, two_orders):
    assert anonymous_api.post("/api/v1/waves/preview", {}).status_code == 401


def test_the_packing_check_gives_the_buyers_wishes_and_whether_the_weight_can_be_checked(main, carriers, staff):
    """Issue 17 C: the packing check through the API says what the buyer asked of the parcel
    (no price slip, a gift…) and that a SKU without a weight leaves nothing to weigh against."""
    sku("CAP", stock_in={"A-01": 10}, barcode="6900000000035", weight=None)
    order = allocated(("CAP", 1), buyer_message="不要放价格单")
    wave = staff.post(f"/api/v1/orders/{order.number}/pick").json()["number"]
    staff.post(f"/api/v1/waves/{wave}/pick-confirm", {})

    check = staff.get(f"/api/v1/orders/{order.number}/packing")

    assert check.status_code == 200, check.json()
    body = check.json()
    assert body["wishes"]["buyer_message"] == "不要放价格单"
    assert (body["wishes"]["no_price_slip"], body["wishes"]["is_gift"], body["wishes"]["fragile"]) == (
        True,
        False,
        False,
    )
    assert (body["can_check_weight"], body["skus_without_weight"]) == (False, ["CAP"])
