"""Arbitrary JSON thrown at the write calls: never a 500, and a refused call writes nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sellerdesk.catalog.models import Sku
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.payments.models import Payment
from tests.api.helpers import advance, default_shop, order_body, sign, snapshot  # noqa: F401  (default_shop: autouse)
from tests.conftest import ApiClient
from tests.factories import make_sku, place

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "59.00",
            "-1",
            "1e999",
            "TEE-RED-M",
            "浙江省杭州市西湖区文三路90号",
            "13800138000",
            "online",
            "cod",
            "express",
            "\u0000",
        ]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)

ORDER_PATHS = [
    ("shop",),
    ("external_id",),
    ("source",),
    ("buyer",),
    ("buyer", "name"),
    ("buyer", "phone"),
    ("buyer", "nickname"),
    ("address",),
    ("address", "province"),
    ("address", "city"),
    ("address", "district"),
    ("address", "detail"),
    ("lines",),
    ("lines", 0),
    ("lines", 0, "sku"),
    ("lines", 0, "quantity"),
    ("lines", 0, "unit_price"),
    ("payment_method",),
    ("shipping_method",),
    ("shipping_fee",),
    ("buyer_message",),
    ("unexpected",),
]


def _replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


@contextmanager
def _rolled_back() -> Iterator[None]:
    """Each example starts from the same database: whatever it wrote is undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _counts() -> tuple[int, int, int]:
    return Order.objects.count(), Payment.objects.count(), OrderEvent.objects.count()


def _send(client: ApiClient, method: str, path: str, body: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client.client, method)(path, data=data, content_type="application/json")


def _check(response: Any, allowed: set[int], before: dict[str, Any]) -> None:
    assert response.status_code != 500
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    if response.status_code >= 300:
        body = response.json()
        assert set(body) == {"code", "message", "details"}
        assert snapshot() == before


@pytest.fixture
def stock(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=1_000_000)


@FUZZ
@given(body=json_values)
def test_any_json_as_an_order(api: ApiClient, stock: Sku, body: Any) -> None:
    with _rolled_back():
        before = snapshot()

        _check(_send(api, "post", "/api/v1/orders", body), {201, 400, 409, 413, 422}, before)


@FUZZ
@given(path=st.sampled_from(ORDER_PATHS), value=json_values)
@example(path=("buyer_message",), value="\u0000")
def test_any_json_in_any_order_field(api: ApiClient, stock: Sku, path: tuple[Any, ...], value: Any) -> None:
    with _rolled_back():
        body = _replaced(order_body(("TEE-RED-M", 1)), path, value)
        before = snapshot()
        orders_before = _counts()

        response = _send(api, "post", "/api/v1/orders", body)

        _check(response, {201, 400, 409, 413, 422}, before)
        if response.status_code == 201:
            assert _counts()[0] == orders_before[0] + 1


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_an_order(api: ApiClient, stock: Sku, raw: bytes) -> None:
    with _rolled_back():
        before = snapshot()

        _check(_send(api, "post", "/api/v1/orders", raw), {201, 400, 409, 413, 422}, before)


@FUZZ
@given(
    body=json_values
    | st.fixed_dictionaries(
        {
            "amount": json_values,
            "method": st.sampled_from(["online", "remittance", "cod"]) | json_values,
            "reference": json_values,
        }
    )
)
def test_any_json_as_a_payment(api: ApiClient, stock: Sku, body: Any) -> None:
    with _rolled_back():
        order = place(("TEE-RED-M", 2))
        before = snapshot()

        _check(_send(api, "post", f"/api/v1/orders/{order.number}/payments", body), {201, 400, 409, 413, 422}, before)


@FUZZ
@given(body=json_values | st.fixed_dictionaries({"carrier": json_values, "tracking_number": json_values}))
def test_any_json_as_shipping_details(api: ApiClient, stock: Sku, body: Any) -> None:
    with _rolled_back():
        order = advance(place(("TEE-RED-M", 1)), "approved")
        before = snapshot()

        _check(_send(api, "post", f"/api/v1/orders/{order.number}/ship", body), {200, 400, 409, 413, 422}, before)


@FUZZ
@given(
    body=json_values
    | st.fixed_dictionaries(
        {
            "lines": st.lists(st.fixed_dictionaries({"position": json_values, "unit_price": json_values}), max_size=3)
            | json_values,
            "reason": json_values,
        }
    )
)
def test_any_json_as_a_price_change(api: ApiClient, stock: Sku, body: Any) -> None:
    with _rolled_back():
        order = place(("TEE-RED-M", 2))
        before = snapshot()

        _check(_send(api, "patch", f"/api/v1/orders/{order.number}/prices", body), {200, 400, 409, 413, 422}, before)


@FUZZ
@given(
    body=json_values
    | st.fixed_dictionaries(
        {"amount": json_values | st.decimals(allow_nan=True).map(str), "transaction_id": json_values}
    )
)
@example(body={"amount": "1e999", "transaction_id": "T-1"})
@example(body={"amount": 10**26, "transaction_id": 0})
def test_any_signed_json_as_a_gateway_notification(anonymous_api: ApiClient, stock: Sku, body: Any) -> None:
    with _rolled_back():
        order = place(("TEE-RED-M", 2))
        if isinstance(body, dict) and "amount" in body:
            body = {**body, "order_number": order.number}
        raw = json.dumps(body).encode()
        before = snapshot()

        response = anonymous_api.client.post(
            "/api/v1/payments/notify/simulated", data=raw, content_type="application/json", HTTP_X_SIGNATURE=sign(raw)
        )

        _check(response, {200, 400, 404, 409, 413, 422}, before)
        if response.status_code == 200 and response.json()["status"] == "recorded":
            assert Payment.objects.filter(order=order).count() == 1
