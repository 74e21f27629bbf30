"""The dashboard's query, figures and errors, over fact rows written by hand (the facts'
own rebuild is tested in test_facts.py): every value is the metric's formula over the
sums of the right rows, the previous period sits beside it bucket for bucket, and a bad
range, period, shop or agent is refused naming the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sellerdesk.analytics.dashboard import (
    MAX_RANGE_DAYS,
    build_dashboard,
    chart_data,
    parse_query,
)
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.analytics.models import FactRefresh
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from tests.analytics.dashboard_data import fill_facts
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: object) -> dict:
    return fill_facts()


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _dashboard(world: dict, **query: object):
    return build_dashboard(actor=world["owner"], query=parse_query(**query))


def _series(dashboard, code: str):
    return next(series for series in dashboard.series if series.metric.code == code)


def test_every_metric_is_its_formula_over_the_buckets_and_the_previous_period(world: dict) -> None:
    dashboard = _dashboard(world, period="day", start="2026-03-02", end="2026-03-04")

    lost = _series(dashboard, "lost_rate")
    assert [point.label for point in lost.points] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert [point.previous_label for point in lost.points] == ["2026-02-27", "2026-02-28", "2026-03-01"]
    assert [point.value for point in lost.points] == [Decimal("13.3"), Decimal("60.0"), None]
    assert [point.previous for point in lost.points] == [Decimal("25.0"), None, Decimal("0.0")]
    assert (lost.total, lost.previous_total) == (Decimal("25.0"), Decimal("10.0"))  # 5/20, 1/10

    totals = {series.metric.code: (series.total, series.previous_total) for series in dashboard.series}
    assert totals == {
        "completion_rate": (Decimal("80.0"), Decimal("75.0")),  # 8/10, 3/4
        "time_to_ship": (Decimal("1.7"), None),  # (8 h + 2 h) / 6
        "damage_rate": (Decimal("12.5"), None),
        "aftersales_rate": (Decimal("16.7"), None),  # 1/6
        "first_response": (Decimal("1.5"), None),  # 90 s
        "resolution_rate": (Decimal("70.0"), None),
        "satisfaction": (Decimal("4.50"), None),
        "lost_rate": (Decimal("25.0"), Decimal("10.0")),
        "reminder_recovery": (Decimal("25.0"), Decimal("100.0")),
        "orders_placed": (Decimal("20"), Decimal("10")),
        "sales": (Decimal("90.00"), Decimal("0.00")),
    }
    assert set(totals) == set(METRICS)


def test_weeks_and_months_widen_the_range_to_whole_periods(world: dict) -> None:
    weeks = _dashboard(world, period="week", start="2026-03-04", end="2026-03-04")
    # 2026-03-02 is a Monday: the week holds 03-02..03-08 (so 03-05 counts); the previous week 02-23..03-01.
    placed = _series(weeks, "orders_placed")
    assert [(p.label, p.value, p.previous_label, p.previous) for p in placed.points] == [
        ("2026-03-02", Decimal("120"), "2026-02-23", Decimal("110"))
    ]
    months = _dashboard(world, period="month", start="2026-02-10", end="2026-03-04")
    placed = _series(months, "orders_placed")
    assert [(p.label, p.value, p.previous_label, p.previous) for p in placed.points] == [
        ("2026-02", Decimal("104"), "2025-12", Decimal("0")),  # 02-26 and 02-27
        ("2026-03", Decimal("126"), "2026-01", Decimal("0")),  # 03-01 .. 03-05
    ]
    assert months.query.start == date(2026, 2, 1) and months.query.end == date(2026, 4, 1)


def test_one_shop_and_one_agent(world: dict) -> None:
    second = _dashboard(world, start="2026-03-02", end="2026-03-04", shop="second")
    assert (_series(second, "lost_rate").total, _series(second, "lost_rate").previous_total) == (
        Decimal("60.0"),
        Decimal("0.0"),
    )
    ann = _dashboard(world, start="2026-03-02", end="2026-03-04", agent="ann")
    assert _series(ann, "orders_placed").total == Decimal("15")
    assert _series(ann, "completion_rate").total == Decimal("75.0")  # 6 / 8
    assert _series(ann, "resolution_rate").total is None  # no per-agent figure
    assert [(line.name, line.values["orders_placed"]) for line in ann.by_agent] == [
        ("Ann", (Decimal("15"), Decimal("4")))
    ]


def test_per_shop_and_per_agent_tables(world: dict) -> None:
    with translation.override("en"):
        dashboard = _dashboard(world, start="2026-03-02", end="2026-03-04")
    by_shop = {line.key: line.values for line in dashboard.by_shop}
    assert by_shop[str(world["main"].pk)]["orders_placed"] == (Decimal("15"), Decimal("4"))
    assert by_shop[str(world["second"].pk)]["lost_rate"] == (Decimal("60.0"), Decimal("0.0"))
    assert [line.name for line in dashboard.by_agent] == ["Ann", "Bob", "No agent"]
    by_agent = {line.name: line.values for line in dashboard.by_agent}
    assert by_agent["Bob"]["completion_rate"] == (Decimal("100.0"), None)
    assert by_agent["Bob"]["reminder_recovery"] == (None, Decimal("100.0"))
    assert by_agent["No agent"]["first_response"] == (Decimal("1.5"), None)
    # a metric without a per-agent figure (METRICS[code].by_agent false) shows none
    no_agent_figure = [code for code, metric in METRICS.items() if not metric.by_agent]
    assert no_agent_figure
    for code in no_agent_figure:
        assert {line.values[code] for line in dashboard.by_agent} == {(None, None)}
    assert by_shop[str(world["main"].pk)]["resolution_rate"] == (Decimal("70.0"), None)


def test_reasons_for_not_paying(world: dict) -> None:
    with translation.override("en"):
        dashboard = _dashboard(world, start="2026-03-02", end="2026-03-04")
    counted = {line.code: (line.count, line.previous) for line in dashboard.reasons}
    assert counted[world["reason"].code] == (3, 1)
    assert counted["note_only"] == (1, 0)
    assert dashboard.reasons[-1].name == "Buyer's own words only"
    assert all(count == (0, 0) for code, count in counted.items() if code not in {world["reason"].code, "note_only"})


def test_as_of_is_the_last_rebuild(world: dict) -> None:
    assert _dashboard(world).as_of is None
    finished = datetime(2026, 3, 4, 9, 30, tzinfo=SHANGHAI)
    FactRefresh.objects.create(
        first_day=date(2026, 3, 1), last_day=date(2026, 3, 4), started_at=finished, finished_at=finished, rows=8
    )
    assert _dashboard(world).as_of == finished


def test_a_few_queries_whatever_the_range(world: dict) -> None:
    query = parse_query(period="day", start="2024-03-05", end="2026-03-04")
    with CaptureQueriesContext(connection) as queries:
        build_dashboard(actor=world["owner"], query=query)
    # per day, per shop, per agent, reasons + the shops', agents', reasons' names + as of
    assert len(queries) <= 8


def test_chart_data_is_the_series(world: dict) -> None:
    dashboard = _dashboard(world, start="2026-03-02", end="2026-03-04")
    data = chart_data(dashboard)
    lost = next(metric for metric in data["metrics"] if metric["code"] == "lost_rate")
    assert lost["values"] == [13.3, 60.0, None]
    assert lost["previous"] == [25.0, None, 0.0]
    assert (lost["total"], lost["previous_total"]) == (25.0, 10.0)
    assert [metric["code"] for metric in data["metrics"]] == list(METRICS)


def test_defaults_are_the_last_two_weeks() -> None:
    query = parse_query(today=date(2026, 3, 4))
    assert (query.period, query.start, query.last_day) == ("day", date(2026, 2, 19), date(2026, 3, 4))
    assert query.previous_start == date(2026, 2, 5)
    months = parse_query(period="month", today=date(2026, 3, 4))
    assert (months.start, months.last_day, months.previous_start) == (
        date(2025, 10, 1),
        date(2026, 3, 31),
        date(2025, 4, 1),
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-04", "end": "2026-03-01"}, "end"),
        ({"start": "2016-03-04", "end": "2026-03-04"}, "end"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "0001-01-01"}, "start"),
        ({"end": "9999-12-31"}, "end"),
        ({"period": "year"}, "period"),
        ({"shop": "nowhere"}, "shop"),
        ({"agent": "nobody"}, "agent"),
    ],
)
def test_bad_input_names_the_field(query: dict, field: str) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        parse_query(**query)
    assert list(refused.value.fields) == [field]


def test_the_longest_range_is_two_years() -> None:
    assert parse_query(start="2024-03-04", end="2026-03-04").start == date(2024, 3, 4)
    assert (date(2026, 3, 4) - date(2024, 3, 4)).days + 1 == MAX_RANGE_DAYS
    with pytest.raises(ValidationFailed) as refused:
        parse_query(start="2024-03-03", end="2026-03-04")
    assert "732" in refused.value.fields["end"]


def test_only_owners_and_supervisors(world: dict) -> None:
    with pytest.raises(PermissionDenied):
        build_dashboard(actor=world["ann"], query=parse_query())
    build_dashboard(actor=make_user("sue", "supervisor"), query=parse_query())


# --- the page ------------------------------------------------------------------------------


def test_the_page_shows_every_metric_with_its_previous_value(world: dict, client) -> None:
    client.force_login(world["owner"])

    response = client.get(
        "/dashboard/", {"period": "day", "start": "2026-03-02", "end": "2026-03-04"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    page = response.content.decode()
    for code in METRICS:
        assert f'data-testid="total-{code}"' in page
        assert f'data-testid="previous-{code}"' in page
        assert f"metric={code}" in page  # its export link
    assert '<span data-testid="previous-lost_rate">10.0%</span>' in page
    assert 'data-testid="total-lost_rate">25.0%</span>' in page
    assert "/static/vendor/chartjs/chart.umd.min.js" in page
    assert "metric=reasons" in page and 'data-chart="reasons"' in page
    assert 'id="dashboard-data"' in page
    assert "The figures have not been computed yet." in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-04", "end": "2026-03-01"}, "end"),
        ({"start": "2016-03-04", "end": "2026-03-04"}, "end"),
        ({"shop": "nowhere"}, "shop"),
        ({"agent": "nobody"}, "agent"),
        ({"period": "decade"}, "period"),
        ({"start": "03/01/2026"}, "start"),
    ],
)
def test_the_page_names_a_bad_field(world: dict, client, query: dict, field: str) -> None:
    client.force_login(world["owner"])

    response = client.get("/dashboard/", query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-field="{field}"' in page
    assert "Some fields are invalid." in page
    assert 'id="dashboard-data"' not in page
    exported = client.get("/dashboard/export.xlsx", query, HTTP_ACCEPT_LANGUAGE="en")
    assert exported.status_code == 400
    assert field in exported.content.decode()


def test_agents_may_not_open_the_dashboard(world: dict, client) -> None:
    client.force_login(world["ann"])
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/export.xlsx").status_code == 403


def test_the_numbers_table_heads_each_value_column_as_a_value(world: dict, client) -> None:
    """Issue 17 D (walkthrough): the table under "Numbers and formula" was headed Period |
    This period | Previous period | Value over day | value | day | value: the previous
    period's days stood under "Previous period" and its values under "Value". Each period
    now heads its own two columns, its day and its value."""
    client.force_login(world["owner"])

    page = client.get("/dashboard/", {"period": "day"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (
        '<th scope="colgroup" colspan="2">This period</th><th scope="colgroup" colspan="2">Previous period</th>' in page
    )
    assert (
        '<th scope="col">Period</th><th scope="col" class="num">Value</th>'
        '<th scope="col">Period</th><th scope="col" class="num">Value</th>'
    ) in page
