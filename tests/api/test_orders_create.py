"""POST /api/v1/orders: intake, idempotency, duplicates, stock, COD, customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils.dateparse import parse_datetime

from sellerdesk.catalog.models import Sku
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import MovementKind, StockMovement
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import assert_error, assert_invalid, order_body, snapshot, stock
from tests.factories import make_sku


def test_order_is_created_with_stock_reserved(api: Any, tee: Sku, mug: Sku) -> None:
    body = order_body(("TEE-RED-M", 2), ("MUG-1", 1), external_id="TB20261122001", buyer_message="不要放价格单")
    body["lines"][0]["unit_price"] = "55.00"

    response = api.post("/api/v1/orders", body)

    assert response.status_code == 201
    answer = response.json()
    created_at = parse_datetime(answer["created_at"])
    pay_deadline = parse_datetime(answer["pay_deadline"])
    assert created_at is not None and pay_deadline is not None
    assert pay_deadline - created_at == timedelta(days=7)
    assert answer["created_at"].endswith("+08:00")
    order = Order.objects.get()
    assert answer == {
        "number": order.number,
        "shop": "main",
        "external_id": "TB20261122001",
        "source": "api",
        "status": "unpaid",
        "payment_status": "unpaid",
        "payment_method": "online",
        "shipping_method": "express",
        "subtotal": "135.50",
        "shipping_fee": "0.00",
        "total": "135.50",
        "paid_amount": "0.00",
        "refunded_amount": "0.00",
        "pay_deadline": answer["pay_deadline"],
        "buyer": {"name": "张三", "phone": "13800138000", "nickname": "zhangsan88"},
        "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"},
        "lines": [
            {"sku": "TEE-RED-M", "name": "商品 TEE-RED-M", "quantity": 2, "unit_price": "55.00"},
            {"sku": "MUG-1", "name": "商品 MUG-1", "quantity": 1, "unit_price": "25.50"},
        ],
        "buyer_message": "不要放价格单",
        "instructions": {
            "no_price_slip": True,
            "no_invoice": False,
            "is_gift": False,
            "fragile": False,
            "reinforced_packaging": False,
            "preferred_carrier": "",
            "delivery_notes": [],
            "unrecognised": "",
        },
        "flag": {"color": "", "reason": ""},
        "assignee": None,
        "carrier": None,
        "tracking_number": None,
        "auto_confirm_at": None,
        "created_at": answer["created_at"],
        "allowed_actions": ["pay", "reprice", "cancel", "expire"],
    }
    assert stock("TEE-RED-M") == (100, 2)
    assert stock("MUG-1") == (10, 1)
    assert sorted(
        StockMovement.objects.filter(kind=MovementKind.RESERVE).values_list("sku__code", "reserved_delta", "document")
    ) == [("MUG-1", 1, order.number), ("TEE-RED-M", 2, order.number)]
    assert list(order.events.values_list("type", flat=True)) == ["placed"]
    assert order.created_by.username == "owner"  # type: ignore[union-attr]


def test_unit_price_defaults_to_the_list_price(api: Any, tee: Sku) -> None:
    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 3)))

    assert response.json()["lines"][0]["unit_price"] == "59.00"
    assert response.json()["total"] == "177.00"


def test_address_as_one_string_is_split(api: Any, tee: Sku) -> None:
    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), address="浙江省杭州市西湖区文三路90号"))

    assert response.status_code == 201
    assert response.json()["address"] == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路90号",
    }


def test_address_of_a_municipality_as_one_string(api: Any, tee: Sku) -> None:
    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), address="上海市浦东新区世纪大道100号"))

    assert response.status_code == 201
    assert response.json()["address"] == {
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "世纪大道100号",
    }


def test_short_province_name_is_normalised(api: Any, tee: Sku) -> None:
    body = order_body(("TEE-RED-M", 1), address={"province": "浙江", "city": "杭州市", "detail": "文三路 90 号"})

    response = api.post("/api/v1/orders", body)

    assert response.json()["address"] == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "",
        "detail": "文三路 90 号",
    }


@pytest.mark.parametrize("source", ["inquiry", "silent", "manual", "api", "remittance"])
def test_each_source_is_kept(api: Any, tee: Sku, source: str) -> None:
    body = order_body(("TEE-RED-M", 1), source=source)
    del body["payment_method"]

    response = api.post("/api/v1/orders", body)

    assert response.status_code == 201
    assert response.json()["source"] == source
    assert response.json()["payment_method"] == ("remittance" if source == "remittance" else "online")
    assert response.json()["status"] == "unpaid"


def test_source_defaults_to_api(api: Any, tee: Sku) -> None:
    assert api.post("/api/v1/orders", order_body(("TEE-RED-M", 1))).json()["source"] == "api"


def test_cod_order_starts_at_review_without_deadline(api: Any, tee: Sku) -> None:
    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), payment_method="cod", source="cod"))

    assert response.status_code == 201
    answer = response.json()
    assert (answer["status"], answer["payment_status"], answer["payment_method"], answer["pay_deadline"]) == (
        "pending_review",
        "cod",
        "cod",
        None,
    )
    assert answer["allowed_actions"] == ["approve", "cancel", "hold"]
    assert stock("TEE-RED-M") == (100, 1)


def test_cod_source_implies_cod_payment(api: Any, tee: Sku) -> None:
    body = order_body(("TEE-RED-M", 1), source="cod")
    del body["payment_method"]

    answer = api.post("/api/v1/orders", body).json()

    assert (answer["status"], answer["payment_status"], answer["payment_method"]) == ("pending_review", "cod", "cod")


def test_post_shipping_and_shipping_fee(api: Any, tee: Sku) -> None:
    answer = api.post(
        "/api/v1/orders", order_body(("TEE-RED-M", 1), shipping_method="post", shipping_fee="8.00")
    ).json()

    assert (answer["shipping_method"], answer["subtotal"], answer["shipping_fee"], answer["total"]) == (
        "post",
        "59.00",
        "8.00",
        "67.00",
    )


def test_buyer_message_is_kept_apart_from_notes(api: Any, tee: Sku) -> None:
    answer = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), buyer_message="  不要放价格单  ")).json()

    assert answer["buyer_message"] == "不要放价格单"
    assert api.get(f"/api/v1/orders/{answer['number']}/notes").json() == []


def test_order_in_a_named_shop(api: Any, tee: Sku) -> None:
    Shop.objects.create(code="tmall", name="天猫店", platform="tmall")

    answer = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), shop="tmall")).json()

    assert answer["shop"] == "tmall"
    assert Order.objects.get().shop.code == "tmall"


def test_unknown_shop_is_422_naming_shop(api: Any, tee: Sku) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), shop="nowhere"))

    assert_invalid(response, "shop")
    assert snapshot() == before


# --- idempotency -------------------------------------------------------------------


def test_same_idempotency_key_and_body_returns_the_first_answer_and_creates_one(api: Any, tee: Sku) -> None:
    body = order_body(("TEE-RED-M", 2))

    first = api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert stock("TEE-RED-M") == (100, 2)
    assert Customer.objects.get().order_count == 1


def test_same_idempotency_key_with_another_body_is_409(api: Any, tee: Sku) -> None:
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 2)), headers={"Idempotency-Key": "k-1"})
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 3)), headers={"Idempotency-Key": "k-1"})

    assert_error(response, 409, "idempotency_key_reused")
    assert snapshot() == before


def test_different_idempotency_keys_create_two_orders(api: Any, tee: Sku) -> None:
    body = order_body(("TEE-RED-M", 2))

    api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-1"})
    api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-2"})

    assert Order.objects.count() == 2


def test_a_refused_request_is_not_remembered_under_its_key(api: Any, tee: Sku) -> None:
    body = order_body(("TEE-RED-M", 120))

    refused = api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-1"})
    api.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 200})
    retried = api.post("/api/v1/orders", body, headers={"Idempotency-Key": "k-1"})

    assert (refused.status_code, retried.status_code) == (409, 201)
    assert Order.objects.count() == 1


def test_too_long_idempotency_key_is_422(api: Any, tee: Sku) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1)), headers={"Idempotency-Key": "k" * 256})

    assert_invalid(response, "Idempotency-Key")
    assert snapshot() == before


# --- external_id -------------------------------------------------------------------


def test_repeated_external_id_in_a_shop_is_409_duplicate_order(api: Any, tee: Sku) -> None:
    first = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), external_id="TB1")).json()
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 5), external_id="TB1"))

    details = assert_error(response, 409, "duplicate_order")
    assert details == {"external_id": "TB1", "number": first["number"]}
    assert snapshot() == before


def test_same_external_id_in_another_shop_is_fine(api: Any, tee: Sku) -> None:
    Shop.objects.create(code="jd", name="京东店", platform="jd")
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), external_id="X-1"))

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), external_id="X-1", shop="jd"))

    assert response.status_code == 201
    assert sorted(Order.objects.values_list("shop__code", "external_id")) == [("jd", "X-1"), ("main", "X-1")]


def test_orders_without_external_id_never_collide(api: Any, tee: Sku) -> None:
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1)))
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), external_id=""))

    assert Order.objects.count() == 2


# --- stock -------------------------------------------------------------------------


def test_unknown_sku_is_422_naming_the_line(api: Any, tee: Sku) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), ("NOPE", 1)))

    fields = assert_invalid(response, "lines[1].sku")
    assert "NOPE" in fields["lines[1].sku"]
    assert snapshot() == before


def test_inactive_sku_is_422(api: Any, tee: Sku) -> None:
    Sku.objects.filter(pk=tee.pk).update(is_active=False)
    before = snapshot()

    assert_invalid(api.post("/api/v1/orders", order_body(("TEE-RED-M", 1))), "lines[0].sku")
    assert snapshot() == before


def test_insufficient_stock_names_every_short_sku_and_reserves_nothing(api: Any, tee: Sku, mug: Sku) -> None:
    make_sku("SOCKS", stock=5)
    make_sku("NONE", stock=0)
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("TEE-RED-M", 101), ("SOCKS", 5), ("MUG-1", 11), ("NONE", 1)))

    details = assert_error(response, 409, "insufficient_stock")
    assert sorted(details["lines"], key=lambda line: line["sku"]) == [
        {"sku": "MUG-1", "requested": 11, "available": 10},
        {"sku": "NONE", "requested": 1, "available": 0},
        {"sku": "TEE-RED-M", "requested": 101, "available": 100},
    ]
    assert snapshot() == before
    assert (stock("TEE-RED-M"), stock("SOCKS"), stock("MUG-1")) == ((100, 0), (5, 0), (10, 0))
    assert Customer.objects.count() == 0


def test_two_lines_of_one_sku_are_reserved_together(api: Any, mug: Sku) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", order_body(("MUG-1", 6), ("MUG-1", 5)))

    assert assert_error(response, 409, "insufficient_stock")["lines"] == [
        {"sku": "MUG-1", "requested": 11, "available": 10}
    ]
    assert snapshot() == before


def test_the_last_unit_can_be_sold_and_then_no_more(api: Any, mug: Sku) -> None:
    assert api.post("/api/v1/orders", order_body(("MUG-1", 10))).status_code == 201

    response = api.post("/api/v1/orders", order_body(("MUG-1", 1)))

    assert assert_error(response, 409, "insufficient_stock")["lines"] == [
        {"sku": "MUG-1", "requested": 1, "available": 0}
    ]
    assert stock("MUG-1") == (10, 10)


# --- customers ---------------------------------------------------------------------


def test_customer_is_found_by_shop_and_nickname(api: Any, tee: Sku) -> None:
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1)))
    body = order_body(("TEE-RED-M", 1))
    body["buyer"] = {"name": "张三丰", "phone": "13900139000", "nickname": "zhangsan88"}

    api.post("/api/v1/orders", body)

    customer = Customer.objects.get()
    assert (customer.nickname, customer.name, customer.phone, customer.order_count) == (
        "zhangsan88",
        "张三",
        "13800138000",
        2,
    )
    assert set(Order.objects.values_list("customer_id", flat=True)) == {customer.pk}


def test_customer_without_nickname_is_found_by_phone(api: Any, tee: Sku) -> None:
    for name in ("李四", "李四"):
        api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), buyer={"name": name, "phone": "138-0013-8000"}))

    customer = Customer.objects.get()
    assert (customer.nickname, customer.phone, customer.order_count) == ("", "13800138000", 2)


def test_customers_are_per_shop(api: Any, tee: Sku) -> None:
    Shop.objects.create(code="tmall", name="天猫店")

    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1)))
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), shop="tmall"))

    assert sorted(Customer.objects.values_list("shop__code", "nickname", "order_count")) == [
        ("main", "zhangsan88", 1),
        ("tmall", "zhangsan88", 1),
    ]


def test_different_buyers_are_different_customers(api: Any, tee: Sku) -> None:
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1)))
    api.post("/api/v1/orders", order_body(("TEE-RED-M", 1), buyer={"name": "王五", "phone": "13700137000"}))

    assert sorted(Customer.objects.values_list("nickname", "phone", "order_count")) == [
        ("", "13700137000", 1),
        ("zhangsan88", "13800138000", 1),
    ]


def test_money_is_exact_decimal(api: Any) -> None:
    make_sku("PEN", price="0.10", stock=100)

    answer = api.post("/api/v1/orders", order_body(("PEN", 3))).json()

    assert answer["total"] == "0.30"
    assert Order.objects.get().total == Decimal("0.30")


def test_times_carry_the_shanghai_offset(api: Any, tee: Sku) -> None:
    answer = api.post("/api/v1/orders", order_body(("TEE-RED-M", 1))).json()

    created_at = parse_datetime(answer["created_at"])
    assert created_at is not None
    assert created_at.utcoffset() == timedelta(hours=8)
    assert abs(created_at - Order.objects.get().created_at) < timedelta(milliseconds=1)
