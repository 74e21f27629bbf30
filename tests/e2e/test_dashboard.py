"""The owner's morning dashboard in a real browser: every metric's chart is drawn by the
vendored Chart.js with this period and the previous one (dashed) from the page's numbers;
a chart's Excel export downloads and holds the same numbers; the filters change the
charts after the page swap; a backwards range names the field; on a phone (390 px) it
reads without sideways scrolling."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sellerdesk.analytics.metrics import METRICS
from tests.analytics.dashboard_data import fill_facts

RANGE = "period=day&start=2026-03-02&end=2026-03-04"


def _log_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}")
    page.get_by_role("button", name="登录").click()


def _charts(page: Any) -> dict[str, dict[str, Any]]:
    """What Chart.js drew on each canvas: its type and its two datasets."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
            const chart = window.Chart.getChart(canvas);
            return [canvas.dataset.chart, chart ? {
              type: chart.config.type,
              labels: chart.data.labels,
              now: chart.data.datasets[0].data,
              before: chart.data.datasets[1].data,
              dashed: chart.data.datasets[1].borderDash || [],
              width: canvas.getBoundingClientRect().width,
            } : null];
        }))"""
    )


@pytest.mark.e2e
def test_the_owner_reads_and_exports_the_dashboard(live_server: Any, browser_page: Any) -> None:
    fill_facts()
    page = browser_page
    _log_in(page, f"{live_server.url}/dashboard/?{RANGE}", "boss")

    expect(page.locator("[data-testid=total-lost_rate]")).to_have_text("25.0%")
    expect(page.locator("[data-testid=previous-lost_rate]")).to_have_text("10.0%")
    page.wait_for_function("() => document.querySelectorAll('canvas[data-drawn]').length > 0")
    charts = _charts(page)
    assert set(charts) == {*METRICS, "reasons"}
    assert charts["reasons"]["type"] == "bar" and sum(charts["reasons"]["now"]) == 4
    assert charts["lost_rate"]["labels"] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert charts["lost_rate"]["now"] == [13.3, 60, None]
    assert charts["lost_rate"]["before"] == [25, None, 0]
    assert charts["lost_rate"]["dashed"] == [6, 4]
    assert charts["orders_placed"]["type"] == "bar"
    assert charts["orders_placed"]["now"] == [15, 5, 0]

    with page.expect_download() as download_info:
        page.locator("[data-testid=export-lost_rate]").click()
    download = download_info.value
    assert download.suggested_filename == "dashboard-lost_rate-day-2026-03-02-2026-03-04.xlsx"
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert [row[1] for row in rows[2:-1]] == [13.3, 60, None]
    assert [row[3] for row in rows[2:-1]] == [25, None, 0]

    # A week instead of days: the form's page swap draws the new charts.
    page.locator(".dash-filters select[name=period]").select_option("week")
    page.locator(".dash-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"period=week"))
    page.wait_for_function("() => document.querySelector('canvas[data-chart=orders_placed][data-drawn]')")
    assert _charts(page)["orders_placed"]["now"] == [120]
    assert _charts(page)["orders_placed"]["before"] == [110]

    # A backwards range: the field is named, nothing drawn.
    page.goto(f"{live_server.url}/dashboard/?start=2026-03-04&end=2026-03-01")
    expect(page.locator("[data-field=end]")).to_be_visible()
    assert page.locator("canvas").count() == 0


@pytest.mark.e2e
def test_the_dashboard_on_a_phone(live_server: Any, browser_page: Any) -> None:
    fill_facts()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, f"{live_server.url}/dashboard/?{RANGE}", "boss")

    page.wait_for_function("() => document.querySelectorAll('canvas[data-drawn]').length > 0")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    charts = _charts(page)
    assert all(chart is not None and 0 < chart["width"] <= 390 for chart in charts.values())
    expect(page.locator("[data-testid=export-sales]")).to_be_visible()
