from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100, name="红色T恤 M")


@pytest.fixture
def supervisor(db: Any) -> User:
    return make_user("boss2", "supervisor", "主管")
