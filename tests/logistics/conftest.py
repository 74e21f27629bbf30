from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from tests.conftest import ApiClient
from tests.factories import make_token, make_user


@pytest.fixture
def default_carriers(db: Any) -> None:
    """The carriers of the data migration (tests run without migrations)."""
    load_default_carriers(Carrier, CarrierCoverage)


@pytest.fixture
def supervisor(db: Any) -> Any:
    return make_user("boss2", "supervisor", "主管")


@pytest.fixture
def supervisor_api(supervisor: Any) -> ApiClient:
    return ApiClient(make_token(supervisor))


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> None:
    # The assertions read English messages; the product's default language is Chinese.
    settings.LANGUAGE_CODE = "en"
