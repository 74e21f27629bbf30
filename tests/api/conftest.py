from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place


@pytest.fixture
def tee(db: Any) -> Sku:
    """TEE-RED-M at 59.00, 100 on hand."""
    return make_sku("TEE-RED-M", price="59.00", stock=100, attributes={"颜色": "红", "尺码": "M"})


@pytest.fixture
def mug(db: Any) -> Sku:
    """MUG-1 at 25.50, 10 on hand."""
    return make_sku("MUG-1", price="25.50", stock=10)


@pytest.fixture
def warehouse_api(warehouse_user: User) -> ApiClient:
    return ApiClient(make_token(warehouse_user))


@pytest.fixture
def supervisor_api(db: Any) -> ApiClient:
    return ApiClient(make_token(make_user("boss2", "supervisor", "主管")))


@pytest.fixture
def unpaid(tee: Sku) -> Order:
    """An unpaid online order of 2 × TEE-RED-M (118.00)."""
    return place(("TEE-RED-M", 2))
