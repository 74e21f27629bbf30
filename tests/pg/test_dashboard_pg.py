"""The dashboard on PostgreSQL: the same hand-written fact rows give the same figures,
per bucket, shop and agent, as on SQLite (tests/analytics/test_dashboard.py); the export
holds the chart's numbers; with a "reports" database the fact statements run on the
replica's own connection."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from sellerdesk.analytics.dashboard import build_dashboard, chart_data, dashboard_xlsx, parse_query
from sellerdesk.analytics.routers import REPORTS
from tests.analytics.dashboard_data import fill_facts

RANGE = {"period": "day", "start": "2026-03-02", "end": "2026-03-04"}


@pytest.fixture
def world(transactional_db: Any, settings: Any) -> dict:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return fill_facts()


def _totals(dashboard: Any) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    return {series.metric.code: (series.total, series.previous_total) for series in dashboard.series}


def test_the_figures_on_postgresql(world: dict) -> None:
    # The names are read in English ("No agent"), whatever language an earlier test left.
    with translation.override("en"):
        dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))

    assert _totals(dashboard)["lost_rate"] == (Decimal("25.0"), Decimal("10.0"))
    assert _totals(dashboard)["completion_rate"] == (Decimal("80.0"), Decimal("75.0"))
    assert _totals(dashboard)["sales"] == (Decimal("90.00"), Decimal("0.00"))
    lost = next(series for series in dashboard.series if series.metric.code == "lost_rate")
    assert [(point.value, point.previous) for point in lost.points] == [
        (Decimal("13.3"), Decimal("25.0")),
        (Decimal("60.0"), None),
        (None, Decimal("0.0")),
    ]
    assert [line.name for line in dashboard.by_agent] == ["Ann", "Bob", "No agent"]
    by_shop = {line.name: line.values["orders_placed"] for line in dashboard.by_shop}
    assert by_shop == {"Main shop": (Decimal("15"), Decimal("4")), "Second shop": (Decimal("5"), Decimal("6"))}
    months = build_dashboard(
        actor=world["owner"], query=parse_query(period="month", start="2026-02-01", end="2026-03-31")
    )
    placed = next(series for series in months.series if series.metric.code == "orders_placed")
    assert [(point.label, point.value) for point in placed.points] == [
        ("2026-02", Decimal("104")),
        ("2026-03", Decimal("126")),
    ]

    book = load_workbook(io.BytesIO(dashboard_xlsx(dashboard, metric="lost_rate")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    chart = next(metric for metric in chart_data(dashboard)["metrics"] if metric["code"] == "lost_rate")
    assert [None if row[1] is None else float(row[1]) for row in rows[2:-1]] == chart["values"]


@pytest.fixture
def reports_alias(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A second connection to the same test database, standing for a streaming replica.
    monkeypatch.setattr("sellerdesk.analytics.routers.reports_configured", lambda: True)
    primary = connections["default"].settings_dict
    connections[REPORTS] = load_backend(primary["ENGINE"]).DatabaseWrapper({**primary}, REPORTS)
    try:
        yield
    finally:
        connections[REPORTS].close()
        del connections[REPORTS]


def test_the_fact_statements_run_on_the_replica(world: dict, reports_alias: None) -> None:
    with (
        CaptureQueriesContext(connections[REPORTS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))

    assert _totals(dashboard)["orders_placed"] == (Decimal("20"), Decimal("10"))
    replica = " ".join(query["sql"] for query in on_replica.captured_queries)
    primary = " ".join(query["sql"] for query in on_primary.captured_queries)
    assert '"analytics_dailyfact"' in replica and '"analytics_dailyreasonfact"' in replica
    assert "analytics_" not in primary
