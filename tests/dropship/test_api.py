"""The dropship API: staff list and pay, manual creation, the supplier's own purchase
orders and shipping; isolation between suppliers and from the staff API."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder
from tests.api.helpers import order_body
from tests.conftest import ApiClient
from tests.dropship.conftest import dropship_sku, pay, purchase_of, snapshot
from tests.factories import make_token, place


@pytest.fixture
def acme_api(acme_user: Any) -> ApiClient:
    return ApiClient(make_token(acme_user))


@pytest.fixture
def rival_api(rival_user: Any) -> ApiClient:
    return ApiClient(make_token(rival_user))


def shippable(owner: Any) -> PurchaseOrder:
    order = pay(
        place(("MUG-DS", 1), buyer=order_actions.Buyer("李四", "13900001111", "lisi"), buyer_message="不要放价格单")
    )
    order_actions.approve_order(order=order, actor=owner)
    return dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)


def test_staff_lists_dropship_purchases_by_supplier_and_status(mug: Any, api: ApiClient, owner: Any) -> None:
    purchase = shippable(owner)
    pay(place(("MUG-DS", 2)))

    answer = api.get("/api/v1/dropship-purchases", supplier="acme", status="sent")

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    paid = next(item for item in body["items"] if item["number"] == purchase.number)
    assert paid["supplier"] == {"code": "acme", "name": "杭州优品供应链"}
    assert paid["lines"] == [{"sku": "MUG-DS", "name": "商品 MUG-DS", "quantity": 1, "unit_cost": "30.00"}]
    assert paid["total"] == "30.00"
    assert paid["paid_at"] is not None
    assert api.get("/api/v1/dropship-purchases", supplier="nobody").json()["count"] == 0
    bad = api.get("/api/v1/dropship-purchases", status="lost")
    assert bad.status_code == 422
    assert list(bad.json()["details"]["fields"]) == ["status"]


def test_staff_pays_a_purchase_and_a_second_pay_is_409(mug: Any, api: ApiClient) -> None:
    order = pay(place(("MUG-DS", 1)))
    number = purchase_of(order).number

    first = api.post(f"/api/v1/dropship-purchases/{number}/pay")
    again = api.post(f"/api/v1/dropship-purchases/{number}/pay")

    assert first.status_code == 200
    assert first.json()["paid_at"] is not None
    assert (again.status_code, again.json()["code"]) == (409, "purchase_already_paid")
    assert api.post("/api/v1/dropship-purchases/DS000/pay").status_code == 404


def test_manual_creation_through_the_api(db: Any, api: ApiClient) -> None:
    dropship_sku("LAMP-DS", None)
    held = pay(place(("LAMP-DS", 1)))
    unpaid = place(("LAMP-DS", 1))

    no_supplier = api.post(f"/api/v1/orders/{held.number}/dropship")
    not_paid = api.post(f"/api/v1/orders/{unpaid.number}/dropship")

    assert (no_supplier.status_code, no_supplier.json()["code"]) == (409, "no_dropship_supplier")
    assert no_supplier.json()["details"] == {"skus": ["LAMP-DS"]}
    assert (not_paid.status_code, not_paid.json()["code"]) == (409, "order_not_paid")
    assert api.post("/api/v1/orders/NOPE/dropship").status_code == 404
    assert PurchaseOrder.objects.count() == 0


def test_manual_creation_answers_201_with_the_purchases(mug: Any, api: ApiClient) -> None:
    order = place(("MUG-DS", 1), payment_method="cod")

    answer = api.post(f"/api/v1/orders/{order.number}/dropship")

    assert answer.status_code == 201
    (item,) = answer.json()
    assert (item["order"], item["status"], item["supplier"]["code"]) == (order.number, "sent", "acme")


def test_the_supplier_sees_its_own_purchases_with_what_it_needs_to_ship(
    mug: Any, acme_api: ApiClient, owner: Any
) -> None:
    purchase = shippable(owner)

    answer = acme_api.get("/api/v1/supplier/purchase-orders")

    assert answer.status_code == 200
    (item,) = answer.json()
    assert item["number"] == purchase.number
    assert item["ship_to"] == {
        "name": "李四",
        "phone": "13900001111",
        "address": "浙江省杭州市西湖区文三路 90 号",
        "no_price_slip": True,
        "masked_reason": None,  # shown in full: not settled long ago (test_buyer_privacy.py)
    }
    assert item["paid"] is True
    # nothing of what the buyer paid the seller
    assert "99.00" not in answer.content.decode()
    assert set(item) == {
        "number", "kind", "status", "created_at", "expected_at", "lines", "total", "paid",
        "ship_to", "carrier", "tracking_number", "shipped_at",
    }  # fmt: skip


def test_the_supplier_ships_through_the_api(mug: Any, acme_api: ApiClient, owner: Any) -> None:
    purchase = shippable(owner)

    answer = acme_api.post(
        f"/api/v1/supplier/purchase-orders/{purchase.number}/ship",
        {"carrier": "中通", "tracking_number": "ZT7788990011"},
    )
    again = acme_api.post(
        f"/api/v1/supplier/purchase-orders/{purchase.number}/ship",
        {"carrier": "中通", "tracking_number": "ZT7788990011"},
    )

    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["tracking_number"]) == ("shipped", "ZT7788990011")
    order = Order.objects.get(pk=purchase.for_order_id)
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "中通", "ZT7788990011")
    assert (again.status_code, again.json()["code"]) == (409, "purchase_not_shippable")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "中通"}, "tracking_number"),
        ({"carrier": "中通", "tracking_number": "ZT1"}, "tracking_number"),
        ({"carrier": "", "tracking_number": "ZT7788990011"}, "carrier"),
        ({"carrier": "中通", "tracking_number": "ZT7788990011", "price": "1"}, "price"),
        ({"carrier": 5, "tracking_number": "ZT7788990011"}, "carrier"),
    ],
)
def test_bad_ship_bodies_are_422_and_change_nothing(
    mug: Any, acme_api: ApiClient, owner: Any, body: dict[str, Any], field: str
) -> None:
    purchase = shippable(owner)
    before = snapshot(purchase)

    answer = acme_api.post(f"/api/v1/supplier/purchase-orders/{purchase.number}/ship", body)

    assert answer.status_code == 422
    assert field in answer.json()["details"]["fields"]
    assert snapshot(purchase) == before


def test_another_suppliers_purchase_is_404_and_unchanged(mug: Any, rival_api: ApiClient, owner: Any) -> None:
    purchase = shippable(owner)
    before = snapshot(purchase)

    listed = rival_api.get("/api/v1/supplier/purchase-orders")
    read = rival_api.get(f"/api/v1/supplier/purchase-orders/{purchase.number}")
    shipped = rival_api.post(
        f"/api/v1/supplier/purchase-orders/{purchase.number}/ship",
        {"carrier": "中通", "tracking_number": "ZT7788990011"},
    )

    assert (listed.status_code, listed.json()) == (200, [])
    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert (shipped.status_code, shipped.json()["code"]) == (404, "not_found")
    assert snapshot(purchase) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/orders"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/dropship-purchases"),
        ("post", "/api/v1/dropship-purchases/{number}/pay"),
        ("post", "/api/v1/orders/{order}/dropship"),
        ("post", "/api/v1/orders/{order}/ship"),
        ("get", "/api/v1/orders/{order}"),
    ],
)
def test_a_supplier_token_cannot_use_the_staff_api(
    mug: Any, acme_api: ApiClient, owner: Any, method: str, path: str
) -> None:
    purchase = shippable(owner)
    before = snapshot(purchase)
    url = path.format(number=purchase.number, order=purchase.for_order.number)  # type: ignore[union-attr]

    body = (
        order_body(("MUG-DS", 1)) if path == "/api/v1/orders" else {"carrier": "顺丰", "tracking_number": "SF12345678"}
    )
    answer = acme_api.get(url) if method == "get" else acme_api.post(url, body)

    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
    assert snapshot(purchase) == before


def test_a_staff_token_cannot_use_the_supplier_api(mug: Any, api: ApiClient, agent_api: ApiClient) -> None:
    assert agent_api.get("/api/v1/supplier/purchase-orders").status_code == 403
    # the owner may do anything, but belongs to no supplier
    assert api.get("/api/v1/supplier/purchase-orders").status_code == 403


def test_the_whole_flow_through_the_public_api(mug: Any, api: ApiClient, acme_api: ApiClient) -> None:
    """Needs the hooks in orders.actions (mark_paid → on_order_paid, _complete → on_order_completed)."""
    placed = api.post("/api/v1/orders", order_body(("MUG-DS", 1)))
    assert placed.status_code == 201
    number = placed.json()["number"]
    total = placed.json()["total"]
    paid = api.post(f"/api/v1/orders/{number}/payments", {"amount": total, "method": "online", "reference": "T-1"})
    assert paid.status_code in (200, 201)

    (purchase,) = api.get("/api/v1/dropship-purchases").json()["items"]
    assert (purchase["order"], purchase["status"]) == (number, "sent")
    assert api.post(f"/api/v1/orders/{number}/approve").status_code == 200
    assert api.post(f"/api/v1/dropship-purchases/{purchase['number']}/pay").status_code == 200
    shipped = acme_api.post(
        f"/api/v1/supplier/purchase-orders/{purchase['number']}/ship",
        {"carrier": "顺丰", "tracking_number": "SF900800700"},
    )
    assert shipped.status_code == 200
    order = api.get(f"/api/v1/orders/{number}").json()
    assert (order["status"], order["carrier"], order["tracking_number"]) == ("shipped", "顺丰", "SF900800700")
    assert api.post(f"/api/v1/orders/{number}/confirm-receipt").status_code == 200

    settled = api.get(f"/api/v1/dropship-purchases/{purchase['number']}").json()
    assert settled["status"] == "settled"
    assert settled["settled_at"] is not None
    types = [event["type"] for event in api.get(f"/api/v1/orders/{number}/events").json()]
    assert [t for t in types if t.startswith("dropship_")] == [
        "dropship_ordered",
        "dropship_paid",
        "dropship_shipped",
        "dropship_settled",
    ]
