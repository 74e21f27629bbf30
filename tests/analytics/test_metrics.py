"""The metric registry (analytics.metrics): values from column sums, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellerdesk.analytics.metrics import METRICS, Unit
from sellerdesk.analytics.models import AMOUNTS, COUNTERS


def test_every_metric_reads_only_fact_columns() -> None:
    columns = set(COUNTERS) | set(AMOUNTS)
    for metric in METRICS.values():
        assert set(metric.numerator + metric.denominator + metric.minus) <= columns, metric.code
        assert metric.code and str(metric.label) and str(metric.formula)


@pytest.mark.parametrize(
    ("code", "sums", "value"),
    [
        # exact halves round up, never down through an inexact 1/3600 or 1/60
        ("time_to_ship", {"ship_seconds": 180, "orders_shipped": 1}, Decimal("0.1")),
        ("time_to_ship", {"ship_seconds": 271800, "orders_shipped": 4}, Decimal("18.9")),
        ("first_response", {"first_response_seconds": 9, "first_responses": 2}, Decimal("0.1")),
        ("completion_rate", {"orders_completed": 1, "orders_cancelled": 7}, Decimal("12.5")),
        ("satisfaction", {"csat_sum": 9, "csat_count": 2}, Decimal("4.50")),
        ("sales", {"sales_amount": Decimal("10.50"), "refunded_amount": Decimal("0.25")}, Decimal("10.25")),
        ("orders_placed", {"orders_placed": 3}, Decimal("3")),
        # nothing to divide by: no value (a gap in the chart, an empty cell in the export)
        ("lost_rate", {"orders_lost": 0, "orders_placed": 0}, None),
        ("damage_rate", {}, None),
    ],
)
def test_values(code: str, sums: dict[str, int | Decimal], value: Decimal | None) -> None:
    assert METRICS[code].value(sums) == value


def test_units_and_per_agent_figures() -> None:
    assert {code: metric.unit for code, metric in METRICS.items() if metric.unit is not Unit.PERCENT} == {
        "time_to_ship": Unit.HOURS,
        "first_response": Unit.MINUTES,
        "satisfaction": Unit.SCORE,
        "orders_placed": Unit.COUNT,
        "sales": Unit.MONEY,
    }
    # Conversations are counted opened before anyone has them: no resolution rate per agent.
    assert [code for code, metric in METRICS.items() if not metric.by_agent] == ["resolution_rate"]
