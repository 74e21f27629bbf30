"""The dashboard's XLSX export (page and API) opened back with openpyxl: every chart's
numbers are the chart data's, bucket for bucket; and the API's JSON answers and errors."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sellerdesk.analytics.dashboard import build_dashboard, chart_data, dashboard_xlsx, parse_query
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.core.errors import ValidationFailed
from tests.analytics.dashboard_data import fill_facts
from tests.conftest import ApiClient
from tests.factories import make_token

pytestmark = pytest.mark.django_db

RANGE = {"period": "day", "start": "2026-03-02", "end": "2026-03-04"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db: object) -> dict:
    return fill_facts()


@pytest.fixture
def owner_api(world: dict) -> ApiClient:
    return ApiClient(make_token(world["owner"]))


def _number(cell: Any) -> float | None:
    return None if cell is None else float(cell)


def _chart_sheets(data: bytes) -> dict[str, dict[str, Any]]:
    """Each metric sheet of a workbook → its label, buckets, values, previous, totals."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    found = {}
    labels = {str(metric.label): code for code, metric in METRICS.items()}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows or rows[0][0] not in labels:
            continue
        points, total = rows[2:-1], rows[-1]
        found[labels[rows[0][0]]] = {
            "labels": [row[0] for row in points],
            "values": [_number(row[1]) for row in points],
            "previous_labels": [row[2] for row in points],
            "previous": [_number(row[3]) for row in points],
            "total": _number(total[1]),
            "previous_total": _number(total[3]),
        }
    return found


def _expected(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = ("labels", "values", "previous_labels", "previous", "total", "previous_total")
    return {metric["code"]: {key: metric[key] for key in keys} for metric in data["metrics"]}


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_the_workbook_holds_exactly_the_charts_numbers(world: dict, period: str) -> None:
    query = parse_query(period=period, start="2026-02-01", end="2026-03-04")
    dashboard = build_dashboard(actor=world["owner"], query=query)

    sheets = _chart_sheets(dashboard_xlsx(dashboard))

    assert sheets == _expected(chart_data(dashboard))
    assert set(sheets) == set(METRICS)


def test_one_charts_export_from_the_page(world: dict) -> None:
    client = Client()
    client.force_login(world["owner"])

    response = client.get("/dashboard/export.xlsx", {**RANGE, "metric": "lost_rate"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "dashboard-lost_rate-day-2026-03-02-2026-03-04.xlsx" in response["Content-Disposition"]
    sheets = _chart_sheets(response.content)
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))
    assert sheets == {"lost_rate": _expected(chart_data(dashboard))["lost_rate"]}
    assert sheets["lost_rate"]["values"] == [13.3, 60.0, None]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    by_shop = list(book.worksheets[1].iter_rows(values_only=True))  # 2/15 and 1/4; 3/5 and 0/6
    assert by_shop[1:] == [("Main shop", 13.3, 25.0), ("Second shop", 60.0, 0.0)]


def test_the_per_shop_agent_and_reason_sheets(world: dict) -> None:
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))
    book = load_workbook(io.BytesIO(dashboard_xlsx(dashboard)), read_only=True)
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    assert len(sheets) == len(METRICS) + 3
    by_agent, reasons = book.worksheets[-2], book.worksheets[-1]
    agent_rows = list(by_agent.iter_rows(values_only=True))
    assert [row[0] for row in agent_rows[1:]] == [line.name for line in dashboard.by_agent]
    codes = list(METRICS)
    for row, line in zip(agent_rows[1:], dashboard.by_agent, strict=True):
        for index, code in enumerate(codes):
            now, before = line.values[code]
            assert (_number(row[1 + 2 * index]), _number(row[2 + 2 * index])) == (
                None if now is None else float(now),
                None if before is None else float(before),
            )
    reason_rows = list(reasons.iter_rows(values_only=True))[1:]
    assert reason_rows == [(line.name, line.count, line.previous) for line in dashboard.reasons]


def test_the_reasons_chart_exports_alone(world: dict) -> None:
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))
    book = load_workbook(io.BytesIO(dashboard_xlsx(dashboard, metric="reasons")), read_only=True)

    assert len(book.worksheets) == 1
    rows = list(book.worksheets[0].iter_rows(values_only=True))[1:]
    counts = chart_data(dashboard)["reason_counts"]
    assert rows == list(zip(counts["labels"], counts["values"], counts["previous"], strict=True))
    assert (world["reason"].code in counts["codes"]) and sum(counts["values"]) == 4 and sum(counts["previous"]) == 1


def test_an_unknown_metric_is_named(world: dict) -> None:
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))
    with pytest.raises(ValidationFailed) as refused:
        dashboard_xlsx(dashboard, metric="happiness")
    assert list(refused.value.fields) == ["metric"]


# --- the API -------------------------------------------------------------------------------


def test_api_dashboard_is_the_chart_data(world: dict, owner_api: ApiClient) -> None:
    response = owner_api.get("/api/v1/dashboard", **RANGE, shop="second")

    assert response.status_code == 200, response.content
    body = response.json()
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE, shop="second"))
    # The chart's numbers exactly, as decimal strings (money and rates are never floats in the API).
    exact = chart_data(dashboard, exact=True)["metrics"]
    assert body["metrics"] == json.loads(json.dumps(exact, cls=DjangoJSONEncoder))
    lost = next(metric for metric in body["metrics"] if metric["code"] == "lost_rate")
    assert [float(value) if value is not None else None for value in lost["values"]] == next(
        metric["values"] for metric in chart_data(dashboard)["metrics"] if metric["code"] == "lost_rate"
    )
    assert all(isinstance(value, str | None) for metric in body["metrics"] for value in metric["values"])
    assert (body["period"], body["start"], body["end"], body["previous_start"], body["shop"]) == (
        "day",
        "2026-03-02",
        "2026-03-04",
        "2026-02-27",
        "second",
    )
    assert [line["name"] for line in body["by_shop"]] == ["Second shop"]
    assert body["by_shop"][0]["values"]["lost_rate"] == {"value": "60.0", "previous": "0.0"}
    assert {reason["code"]: reason["count"] for reason in body["reasons"]}["note_only"] == 1


def test_api_metrics_are_the_definitions(world: dict, owner_api: ApiClient) -> None:
    body = owner_api.get("/api/v1/dashboard/metrics").json()
    assert [metric["code"] for metric in body] == list(METRICS)
    lost = next(metric for metric in body if metric["code"] == "lost_rate")
    assert (lost["numerator"], lost["denominator"], lost["unit"]) == (["orders_lost"], ["orders_placed"], "percent")


def test_api_export_opens_with_the_same_numbers(world: dict, owner_api: ApiClient) -> None:
    response = owner_api.get("/api/v1/dashboard/export", **RANGE)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    dashboard = build_dashboard(actor=world["owner"], query=parse_query(**RANGE))
    assert _chart_sheets(response.content) == _expected(chart_data(dashboard))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-04", "end": "2026-03-01"}, "end"),
        ({"start": "2016-03-04", "end": "2026-03-04"}, "end"),
        ({"shop": "nowhere"}, "shop"),
        ({"agent": "nobody"}, "agent"),
        ({"period": "fortnight"}, "period"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": "x" * 41}, "end"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/dashboard", "/api/v1/dashboard/export"])
def test_api_bad_query_is_422_naming_the_field(owner_api: ApiClient, path: str, query: dict, field: str) -> None:
    response = owner_api.get(path, **query)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]["fields"]


def test_api_export_unknown_metric_is_422(owner_api: ApiClient) -> None:
    response = owner_api.get("/api/v1/dashboard/export", metric="happiness")
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["metric"]


@pytest.mark.parametrize("path", ["/api/v1/dashboard", "/api/v1/dashboard/metrics", "/api/v1/dashboard/export"])
def test_api_agents_are_refused(world: dict, path: str) -> None:
    response = ApiClient(make_token(world["ann"])).get(path)
    assert response.status_code == 403


@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "period": st.sampled_from(["day", "week", "month", "year", "", "DAY"]) | st.text(max_size=8),
            "start": st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 1, 1)).map(str) | st.text(max_size=12),
            "end": st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 1, 1)).map(str) | st.text(max_size=12),
            "shop": st.sampled_from(["main", "second", "nowhere"]) | st.text(max_size=8),
            "agent": st.sampled_from(["ann", "boss", "nobody"]) | st.text(max_size=8),
        },
    )
)
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_api_any_query_is_an_answer_or_a_named_field(owner_api: ApiClient, query: dict[str, str]) -> None:
    response = owner_api.get("/api/v1/dashboard", **query)

    assert response.status_code in (200, 422), (query, response.content)
    if response.status_code == 422:
        assert set(response.json()["details"]["fields"]) <= {"period", "start", "end", "shop", "agent"}
