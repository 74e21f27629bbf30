from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.reminders.reasons import install_reasons


@pytest.fixture(autouse=True)
def _reasons(db: Any) -> None:
    # The data migration's reasons (the tests run without migrations).
    install_reasons()
