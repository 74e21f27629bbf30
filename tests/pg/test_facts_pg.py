"""The daily facts on PostgreSQL: the same hand-counted data set as on SQLite
(tests/analytics/facts_data.py) gives the same rows and metrics (time zones, date
truncation, interval sums and JSON lookups are the database's own here)."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.analytics import facts
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.analytics.models import DailyFact, DailyReasonFact, FactRefresh
from tests.analytics.facts_data import D1, D2, D4, EXPECTED_METRICS, DataSet, build, expected_rows
from tests.analytics.test_facts import column_sums, fact_rows
from tests.pg.test_concurrency import run_together


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


def test_two_rebuilds_at_once_leave_one_set_of_rows(data: DataSet) -> None:
    # Two workers running the refresh job at the same moment: the second writer meets the
    # day/shop/agent unique constraint, gives up, and the first one's rows stand.
    outcomes = run_together(threads=2, rounds=3, work=lambda _index: facts.rebuild(first_day=D1, last_day=D4))

    assert outcomes.errors == []
    assert fact_rows() == expected_rows(data)
    assert DailyReasonFact.objects.count() == 2
    assert FactRefresh.objects.count() == sum(1 for rows in outcomes.results if rows)
