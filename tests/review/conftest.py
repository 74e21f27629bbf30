from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place
from tests.support.clock import TEST_NOW

T0 = TEST_NOW - timedelta(days=2)  # the orders were paid two days ago
AFTER_BUFFER = T0 + timedelta(minutes=31)


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


@pytest.fixture
def supervisor(db: Any) -> User:
    return make_user("boss2", "supervisor", "主管")


@pytest.fixture
def warehouse_api(warehouse_user: User) -> ApiClient:
    return ApiClient(make_token(warehouse_user))


def paid(*lines: tuple[str, int], at: datetime = T0, **fields: Any) -> Order:
    """A paid online order waiting for review, paid at `at`."""
    order = place(*lines, placed_at=at, **fields)
    record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=None, at=at)
    return Order.objects.get(pk=order.pk)


def cod(*lines: tuple[str, int], at: datetime = T0, **fields: Any) -> Order:
    return place(*lines, placed_at=at, payment_method="cod", source="cod", **fields)
