"""Shared by the API tests and the action/sweep tests: the default shop and warehouse
(tests run without migrations, so their data migrations do not run), a valid order
body, and a snapshot of everything an API call may write, to prove that a refused call
wrote nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import IdempotencyRecord
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import StockLevel, StockMovement, Warehouse
from sellerdesk.orders.models import Order, OrderEvent, OrderLine, OrderNote
from sellerdesk.payments.gateways import SimulatedGateway
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop


@pytest.fixture(autouse=True)
def default_shop(db: Any, settings: Any) -> Shop:
    # Users are made with passwords; the deliberately slow production hasher only slows tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    shop, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    return shop


def order_body(*lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
    """A valid POST /api/v1/orders body; `fields` replace or add top-level keys."""
    body: dict[str, Any] = {
        "buyer": {"name": "张三", "phone": "13800138000", "nickname": "zhangsan88"},
        "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"},
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "payment_method": "online",
        "shipping_method": "express",
    }
    body.update(fields)
    return body


def stock(code: str) -> tuple[int, int]:
    """(on_hand, reserved) of a SKU summed over warehouses."""
    levels = StockLevel.objects.filter(sku__code=code)
    return sum(level.on_hand for level in levels), sum(level.reserved for level in levels)


def snapshot() -> dict[str, Any]:
    """Every row count and every figure a write could touch."""
    return {
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "events": OrderEvent.objects.count(),
        "notes": OrderNote.objects.count(),
        "payments": Payment.objects.count(),
        "ledger": StockMovement.objects.count(),
        "customers": list(Customer.objects.order_by("pk").values_list("pk", "order_count", "total_spent")),
        "skus": Sku.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "stock": list(
            StockLevel.objects.order_by("pk").values_list("sku__code", "warehouse__code", "on_hand", "reserved")
        ),
        "order_rows": list(
            Order.objects.order_by("pk").values_list(
                "number",
                "status",
                "payment_status",
                "total",
                "paid_amount",
                "refunded_amount",
                "carrier",
                "tracking_number",
                "flag_color",
                "flag_reason",
            )
        ),
        "line_prices": list(OrderLine.objects.order_by("pk").values_list("pk", "unit_price", "reserved_quantity")),
    }


def sign(body: bytes) -> str:
    return SimulatedGateway(settings.SELLERDESK["GATEWAY_SECRETS"]["simulated"]).sign(body)


def notification(order_number: str, amount: str, transaction_id: str) -> bytes:
    return json.dumps({"order_number": order_number, "amount": amount, "transaction_id": transaction_id}).encode()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The answer is the API's error format with this status and code; returns its details."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body["details"]


def assert_invalid(response: Any, *paths: str) -> dict[str, str]:
    """A 422 validation_error naming exactly these field paths."""
    details = assert_error(response, 422, "validation_error")
    assert set(details["fields"]) == set(paths), details
    return details["fields"]


def advance(order: Order, status: str) -> Order:
    """Move an order along the core flow through the actions, as the system (actor None)."""
    from sellerdesk.orders import actions
    from sellerdesk.payments.actions import record_payment

    path = ["unpaid", "pending_review", "approved", "shipped", "delivered", "completed"]
    if status == "closed":
        return actions.cancel_order(order=order, actor=None, reason="测试关闭")
    while path.index(order.status) < path.index(status):
        if order.status == "unpaid":
            record_payment(order=order, amount=order.total, method="online", reference=f"T-{order.number}", actor=None)
        elif order.status == "pending_review":
            actions.approve_order(order=order, actor=None)
        elif order.status == "approved":
            actions.ship_order(order=order, actor=None, carrier="顺丰", tracking_number=f"SF{order.number}")
        elif order.status == "shipped":
            actions.deliver_order(order=order, actor=None)
        elif order.status == "delivered":
            actions.confirm_receipt(order=order, actor=None)
        order = Order.objects.get(pk=order.pk)
    return order
