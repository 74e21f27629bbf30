"""Tests that need a real PostgreSQL: they run only under `-p tests.support.pg_plugin`.

Run without the plugin they would silently test SQLite, so collecting them without it
is an error, not a skip.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.db import connection

if "tests.support.pg_plugin" not in sys.modules:
    raise pytest.UsageError("tests/pg needs the throwaway PostgreSQL: run pytest -p tests.support.pg_plugin tests/pg")


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    assert connection.vendor == "postgresql", f"tests/pg must run on PostgreSQL, not {connection.vendor}"


@pytest.fixture
def shop(transactional_db: Any) -> Any:
    """The default shop. Tests run without migrations, so the data migration that
    creates it in a real installation has not run."""
    from sellerdesk.shops.models import Shop

    return Shop.objects.create(code="main", name="主店", is_default=True)
