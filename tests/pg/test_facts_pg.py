"""The daily facts on PostgreSQL: the same hand-counted data set as on SQLite
(tests/analytics/facts_data.py) gives the same rows and metrics (time zones, date
truncation, interval sums and JSON lookups are the database's own here)."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.analytics import facts
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.analytics.models import DailyFact, DailyReasonFact
from tests.analytics.facts_data import D1, D2, D4, EXPECTED_METRICS, DataSet, build, expected_rows
from tests.analytics.test_facts import column_sums, fact_rows


@pytest.fixture
def data(transactional_db: Any, settings: Any) -> DataSet:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build()


def test_the_facts_and_metrics_on_postgresql(data: DataSet) -> None:
    written = facts.rebuild(first_day=D1, last_day=D4)

    assert fact_rows() == expected_rows(data)
    assert written == DailyFact.objects.count()
    assert {code: metric.value(column_sums()) for code, metric in METRICS.items()} == EXPECTED_METRICS
    assert sorted(DailyReasonFact.objects.values_list("day", "agent_id", "reason", "count")) == sorted(
        [(D1, data.xiaomei.pk, "price_too_high", 1), (D2, data.ahua.pk, facts.NOTE_ONLY, 1)]
    )
    again = facts.rebuild_days(first_day=D1, last_day=D4)
    assert (again.changed, fact_rows()) == (0, expected_rows(data))
