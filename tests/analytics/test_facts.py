"""The daily facts (analytics.facts) against a small data set counted by hand
(tests/analytics/facts_data.py): every column, every metric, nothing counted twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sellerdesk.analytics import facts
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.analytics.models import AMOUNTS, COUNTERS, DailyFact, DailyReasonFact, FactRefresh
from sellerdesk.analytics.tasks import refresh_facts
from sellerdesk.payments.models import Payment
from tests.analytics.facts_data import D1, D2, D3, D4, EXPECTED_METRICS, DataSet, at, build, expected_rows


@pytest.fixture
def data(db: Any, settings: Any) -> DataSet:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build()


def fact_rows() -> dict[tuple[Any, int | None], dict[str, Any]]:
    """The fact rows by (day, agent id): only the non-zero columns."""
    found = {}
    for row in DailyFact.objects.values("day", "agent_id", *COUNTERS, *AMOUNTS):
        found[(row["day"], row["agent_id"])] = {name: row[name] for name in (*COUNTERS, *AMOUNTS) if row[name]}
    return found


def column_sums(**filters: Any) -> dict[str, Any]:
    return facts.sums(DailyFact.objects.filter(**filters).values(*COUNTERS, *AMOUNTS))


def test_every_fact_row_is_the_hand_counted_one(data: DataSet) -> None:
    written = facts.rebuild(first_day=D1, last_day=D4)

    assert fact_rows() == expected_rows(data)
    assert written == len(expected_rows(data))
    assert set(DailyFact.objects.values_list("shop_id", flat=True)) == {data.shop.pk}


def test_every_metric_is_the_hand_computed_value(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)

    values = {code: metric.value(column_sums()) for code, metric in METRICS.items()}

    assert values == EXPECTED_METRICS


def test_merges_splits_and_refunds_are_counted_once(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)
    total = column_sums()

    # 13 orders exist (9 placed by buyers, the merged M and E, the parts P1 and P2) …
    from sellerdesk.orders.models import Order

    assert Order.objects.count() == 13
    # … the buyers placed 9; the money is the ledger's, each row once.
    assert total["orders_placed"] == 9
    assert total["orders_paid"] == 4  # A, S, B1 and B2 (as M)
    assert total["sales_amount"] == sum(Payment.objects.filter(kind="payment").values_list("amount", flat=True))
    assert total["refunded_amount"] == Decimal("60.00")


def test_per_agent_metrics(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)

    ahua = column_sums(agent=data.ahua)
    nobody = column_sums(agent__isnull=True)

    assert METRICS["lost_rate"].value(ahua) == Decimal("0.0")  # 0 of 5
    assert METRICS["lost_rate"].value(nobody) == Decimal("25.0")  # L of S, L, E1, E2
    assert METRICS["completion_rate"].value(ahua) == Decimal("50.0")  # A of A, C
    assert METRICS["completion_rate"].value(nobody) == Decimal("0.0")  # P2
    assert METRICS["reminder_recovery"].value(ahua) == Decimal("0.0")
    assert METRICS["reminder_recovery"].value(column_sums(agent=data.xiaomei)) == Decimal("100.0")
    assert METRICS["sales"].value(ahua) == Decimal("206.00")  # 118 + 118 − 30


def test_the_reasons_for_not_paying(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)

    assert sorted(DailyReasonFact.objects.values_list("day", "agent_id", "reason", "count")) == sorted(
        [(D1, data.xiaomei.pk, "price_too_high", 1), (D2, data.ahua.pk, facts.NOTE_ONLY, 1)]
    )


def test_days_are_shanghai_days(data: DataSet) -> None:
    # L was placed at 23:30 in Shanghai on D1 (15:30 UTC): a D1 order.
    facts.rebuild(first_day=D2, last_day=D2)

    assert fact_rows().get((D2, None), {}).get("orders_lost") is None
    assert D1 not in {day for day, _agent in fact_rows()}


def test_rebuilding_twice_writes_the_same_rows(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)
    first = fact_rows()
    reasons = list(DailyReasonFact.objects.values_list("day", "agent_id", "reason", "count").order_by("day"))

    again = facts.rebuild_days(first_day=D1, last_day=D4)

    assert fact_rows() == first
    assert list(DailyReasonFact.objects.values_list("day", "agent_id", "reason", "count").order_by("day")) == reasons
    assert (again.rows, again.changed) == (len(first), 0)
    assert FactRefresh.objects.count() == 2
    refresh = FactRefresh.objects.first()
    assert refresh is not None
    assert (refresh.first_day, refresh.last_day, refresh.rows) == (D1, D4, len(first))
    assert refresh.finished_at >= refresh.started_at


def test_days_outside_the_range_are_untouched(data: DataSet) -> None:
    facts.rebuild(first_day=D1, last_day=D4)
    before = fact_rows()
    # The rows of D1 and D4 are changed by hand: a rebuild of D2 … D3 must leave them so.
    DailyFact.objects.filter(day=D1).update(orders_placed=99)
    DailyFact.objects.filter(day=D4).delete()

    facts.rebuild(first_day=D2, last_day=D3)

    after = fact_rows()
    assert {key: row for key, row in after.items() if key[0] in (D2, D3)} == {
        key: row for key, row in before.items() if key[0] in (D2, D3)
    }
    assert {row["orders_placed"] for key, row in after.items() if key[0] == D1} == {99}
    assert not [key for key in after if key[0] == D4]


def test_a_backwards_range_is_refused_and_nothing_is_written(data: DataSet) -> None:
    with pytest.raises(ValueError, match="before"):
        facts.rebuild(first_day=D2, last_day=D1)

    assert not DailyFact.objects.exists()
    assert not FactRefresh.objects.exists()


def test_the_periodic_job_refreshes_the_recent_days_and_then_has_nothing_to_change(
    data: DataSet, settings: Any
) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "ANALYTICS": {"REFRESH_DAYS": 3}}

    # At D4 16:00 the last three days are D2 … D4: D1 is left alone.
    changed = refresh_facts(at(D4, 16))

    assert changed == len([key for key in expected_rows(data) if key[0] != D1])
    assert {day for day, _agent in fact_rows()} == {D2, D3, D4}
    assert refresh_facts(at(D4, 16, 10)) == 0


def test_the_command_rebuilds_the_days_it_is_given(data: DataSet) -> None:
    out = StringIO()

    call_command("rebuild-facts", "--from", D1.isoformat(), "--to", D4.isoformat(), stdout=out)

    rows = len(expected_rows(data))
    assert out.getvalue().strip() == f"rebuilt {D1} to {D4}: {rows} fact rows ({rows} changed), 2 reason rows"
    assert fact_rows() == expected_rows(data)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "yesterday"], "--from: not a date"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "--to 2026-03-01 is before --from 2026-03-02"),
    ],
)
def test_the_command_refuses_bad_days(db: Any, arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("rebuild-facts", *arguments, stdout=StringIO())

    assert not FactRefresh.objects.exists()


def test_the_rebuild_reads_with_a_few_grouped_queries(data: DataSet, django_assert_max_num_queries: Any) -> None:
    # Set-based: 16 grouped reads, then the write (savepoint, old rows, 2 deletes, 3 inserts);
    # the number does not grow with the orders.
    with django_assert_max_num_queries(24):
        facts.rebuild(first_day=D1 - timedelta(days=30), last_day=D4 + timedelta(days=5))


def test_damage_reported_only_by_the_buyer_counts_on_the_case_s_day(data: DataSet) -> None:
    from sellerdesk.aftersales.actions import LineRequest, open_case
    from sellerdesk.orders.models import Order

    # P1 (a split part, shipped without a booked parcel): no carrier scan, the buyer's case only.
    part_1 = Order.objects.get(split_from__isnull=False, status="shipped")
    open_case(
        order=part_1,
        type="refund_only",
        reason="damaged",
        lines=[LineRequest(order_line_id=part_1.lines.get().pk, quantity=1)],
        requested_amount=Decimal("10.00"),
        actor=data.ahua,
        at=at(D3, 9),
    )

    facts.rebuild(first_day=D1, last_day=D4)

    assert fact_rows()[(D3, None)] == {"parcels_damaged": 1, "aftersales_opened": 1}
    assert column_sums()["parcels_damaged"] == 2  # A (the carrier's scan) and P1
