from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> None:
    # The assertions read English messages; the product's default language is Chinese.
    settings.LANGUAGE_CODE = "en"
