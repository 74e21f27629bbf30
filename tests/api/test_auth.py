"""401 without or with a bad token on every call; 403 when the role may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sellerdesk.core.models import ApiToken, User
from sellerdesk.orders.models import Order
from tests.api.helpers import advance, assert_error, order_body, snapshot
from tests.conftest import ApiClient
from tests.factories import make_token, make_user

CALLS: list[tuple[str, str, Any]] = [
    ("post", "/api/v1/skus", {"code": "NEW-1", "name": "新品", "price": "1.00"}),
    ("get", "/api/v1/skus/TEE-RED-M", None),
    ("put", "/api/v1/skus/TEE-RED-M/stock", {"on_hand": 1}),
    ("post", "/api/v1/orders", order_body(("TEE-RED-M", 1))),
    ("get", "/api/v1/orders", None),
    ("get", "/api/v1/orders/{number}", None),
    ("get", "/api/v1/orders/{number}/events", None),
    ("post", "/api/v1/orders/{number}/payments", {"amount": "1.00", "method": "online"}),
    ("patch", "/api/v1/orders/{number}/prices", {"lines": [{"position": 1, "unit_price": "1.00"}]}),
    ("post", "/api/v1/orders/{number}/cancel", {"reason": "x"}),
    ("post", "/api/v1/orders/{number}/approve", None),
    ("post", "/api/v1/orders/{number}/ship", {"carrier": "顺丰", "tracking_number": "SF123456"}),
    ("post", "/api/v1/orders/{number}/deliver", None),
    ("post", "/api/v1/orders/{number}/confirm-receipt", None),
    ("post", "/api/v1/orders/{number}/notes", {"text": "x"}),
    ("get", "/api/v1/orders/{number}/notes", None),
    ("post", "/api/v1/orders/{number}/flag", {"color": "red", "reason": "x"}),
]


def _call(client: ApiClient, method: str, path: str, body: Any, number: str) -> Any:
    path = path.format(number=number)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body)


def _bad_clients(owner: User) -> dict[str, ApiClient]:
    revoked = make_token(owner)
    ApiToken.objects.filter(prefix=revoked[:8]).update(revoked_at=timezone.now())
    inactive = make_user("gone", "owner")
    inactive_token = make_token(inactive)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    return {
        "no token": ApiClient(None),
        "unknown token": ApiClient("sd_not-a-real-token"),
        "revoked token": ApiClient(revoked),
        "inactive user": ApiClient(inactive_token),
    }


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_every_call_is_401_without_a_good_token(owner: User, unpaid: Order, method: str, path: str, body: Any) -> None:
    clients = _bad_clients(owner)
    before = snapshot()

    for name, client in clients.items():
        response = _call(client, method, path, body, unpaid.number)
        assert response.status_code == 401, (name, response.content)
        assert_error(response, 401, "unauthorized")

    assert snapshot() == before


@pytest.mark.parametrize("header", ["Bearer", "Basic b3duZXI6cHc=", "Token abc", "bearer"])
def test_malformed_authorization_header_is_401(unpaid: Order, header: str) -> None:
    from django.test import Client

    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/orders")

    assert_error(response, 401, "unauthorized")


FORBIDDEN = [
    ("warehouse", "post", "/api/v1/orders", order_body(("TEE-RED-M", 1)), "unpaid"),
    ("warehouse", "post", "/api/v1/orders/{number}/approve", None, "pending_review"),
    ("warehouse", "post", "/api/v1/orders/{number}/cancel", {"reason": "x"}, "unpaid"),
    ("warehouse", "post", "/api/v1/orders/{number}/payments", {"amount": "1.00", "method": "online"}, "unpaid"),
    (
        "warehouse",
        "patch",
        "/api/v1/orders/{number}/prices",
        {"lines": [{"position": 1, "unit_price": "1.00"}]},
        "unpaid",
    ),
    ("warehouse", "post", "/api/v1/orders/{number}/confirm-receipt", None, "shipped"),
    ("warehouse", "post", "/api/v1/skus", {"code": "NEW-1", "name": "新品", "price": "1.00"}, "unpaid"),
    ("agent", "put", "/api/v1/skus/TEE-RED-M/stock", {"on_hand": 1}, "unpaid"),
    ("agent", "post", "/api/v1/skus", {"code": "NEW-1", "name": "新品", "price": "1.00"}, "unpaid"),
    ("purchaser", "post", "/api/v1/orders", order_body(("TEE-RED-M", 1)), "unpaid"),
    (
        "purchaser",
        "post",
        "/api/v1/orders/{number}/ship",
        {"carrier": "顺丰", "tracking_number": "SF123456"},
        "approved",
    ),
    ("buyer", "get", "/api/v1/orders", None, "unpaid"),
    ("buyer", "get", "/api/v1/orders/{number}", None, "unpaid"),
    ("buyer", "get", "/api/v1/orders/{number}/events", None, "unpaid"),
    ("buyer", "get", "/api/v1/skus/TEE-RED-M", None, "unpaid"),
    ("supplier", "post", "/api/v1/orders/{number}/notes", {"text": "x"}, "unpaid"),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "status"), FORBIDDEN)
def test_a_role_that_may_not_gets_403_and_nothing_changes(
    unpaid: Order, role: str, method: str, path: str, body: Any, status: str
) -> None:
    order = advance(unpaid, status)
    client = ApiClient(make_token(make_user(f"{role}-1", role)))
    before = snapshot()

    response = _call(client, method, path, body, order.number)

    assert_error(response, 403, "permission_denied")
    assert snapshot() == before


def test_403_with_an_idempotency_key_is_not_remembered(warehouse_user: User, unpaid: Order) -> None:
    client = ApiClient(make_token(warehouse_user))

    response = client.post("/api/v1/orders", order_body(("TEE-RED-M", 1)), headers={"Idempotency-Key": "w-1"})

    assert_error(response, 403, "permission_denied")
    assert snapshot()["idempotency"] == 0


@pytest.mark.parametrize("role", ["owner", "supervisor", "agent", "warehouse", "purchaser"])
def test_every_staff_role_may_read_orders(unpaid: Order, role: str) -> None:
    client = ApiClient(make_token(make_user(f"{role}-1", role)))

    assert client.get(f"/api/v1/orders/{unpaid.number}").status_code == 200
    assert client.get("/api/v1/orders").status_code == 200


def test_superuser_may_do_anything(unpaid: Order) -> None:
    root = User.objects.create_superuser(username="root", password="pw-root", role="buyer")
    client = ApiClient(make_token(root))

    assert client.put("/api/v1/skus/TEE-RED-M/stock", {"on_hand": 7}).status_code == 200


def test_openapi_spec_is_served() -> None:
    from django.test import Client

    response = Client().get("/api/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/skus",
        "/api/v1/skus/{code}",
        "/api/v1/skus/{code}/stock",
        "/api/v1/orders",
        "/api/v1/orders/{number}",
        "/api/v1/orders/{number}/payments",
        "/api/v1/payments/notify/{gateway}",
        "/api/v1/orders/{number}/cancel",
        "/api/v1/orders/{number}/approve",
        "/api/v1/orders/{number}/ship",
        "/api/v1/orders/{number}/deliver",
        "/api/v1/orders/{number}/confirm-receipt",
        "/api/v1/orders/{number}/events",
        "/api/v1/orders/{number}/notes",
        "/api/v1/orders/{number}/prices",
        "/api/v1/orders/{number}/flag",
    ):
        assert path in paths, path
