"""The availability formula in Python and in SQL agree on any stock row (hypothesis).

Given a stored stock row with any figures the table's constraints allow, when the
database computes available / free / incoming free (as an annotation, as a filter and
as the raw SQL condition of the reserving UPDATEs), then it finds what the Python
functions of `sellerdesk.inventory.availability` find.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import InsufficientStock, ShortLine
from sellerdesk.inventory import availability
from sellerdesk.inventory.actions import StockLine, reserve_stock
from sellerdesk.inventory.models import StockLevel, Warehouse
from tests.support.clock import TEST_NOW

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
units = st.integers(min_value=0, max_value=1_000)


@st.composite
def stock_rows(draw: Any) -> dict[str, int]:
    """Figures of one stock row as the constraints allow them (reserved ≤ on hand)."""
    on_hand = draw(units)
    return {
        "on_hand": on_hand,
        "reserved": draw(st.integers(min_value=0, max_value=on_hand)),
        "in_transit": draw(units),
        "presale_reserved": draw(units),
        "defective": draw(units),
    }


@pytest.fixture
def level(tee: Sku, main: Warehouse) -> StockLevel:
    return StockLevel.objects.get(sku=tee, warehouse=main)


def _store(level: StockLevel, figures: dict[str, int]) -> None:
    StockLevel.objects.filter(pk=level.pk).update(**figures)


@PROPERTY
@given(figures=stock_rows())
def test_the_annotated_figures_are_the_python_ones(level: StockLevel, figures: dict[str, int]) -> None:
    _store(level, figures)

    row = (
        StockLevel.objects.filter(pk=level.pk)
        .annotate(
            available_sql=availability.available_expression(),
            free_sql=availability.free_expression(),
            incoming_sql=availability.incoming_free_expression(),
        )
        .values("available_sql", "free_sql", "incoming_sql")
        .get()
    )

    assert row == {
        "available_sql": availability.available_units(on_hand=figures["on_hand"], reserved=figures["reserved"]),
        "free_sql": availability.free_units(
            on_hand=figures["on_hand"],
            reserved=figures["reserved"],
            in_transit=figures["in_transit"],
            presale_reserved=figures["presale_reserved"],
        ),
        "incoming_sql": availability.incoming_free_units(
            in_transit=figures["in_transit"], presale_reserved=figures["presale_reserved"]
        ),
    }


@PROPERTY
@given(figures=stock_rows(), quantity=st.integers(min_value=1, max_value=1_200))
def test_the_covering_conditions_are_the_python_ones(level: StockLevel, figures: dict[str, int], quantity: int) -> None:
    _store(level, figures)
    free = availability.free_units(
        on_hand=figures["on_hand"],
        reserved=figures["reserved"],
        in_transit=figures["in_transit"],
        presale_reserved=figures["presale_reserved"],
    )
    available = availability.available_units(on_hand=figures["on_hand"], reserved=figures["reserved"])
    incoming = availability.incoming_free_units(
        in_transit=figures["in_transit"], presale_reserved=figures["presale_reserved"]
    )

    rows = StockLevel.objects.filter(pk=level.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {StockLevel._meta.db_table} WHERE id = %s AND {availability.free_covers_sql()}",
            [level.pk] + [quantity] * availability.FREE_COVERS_PLACEHOLDERS,
        )
        (raw_free_covers,) = cursor.fetchone()
        cursor.execute(
            f"SELECT COUNT(*) FROM {StockLevel._meta.db_table} "
            f"WHERE id = %s AND {availability.INCOMING_FREE_SQL} >= %s",
            [level.pk, quantity],
        )
        (raw_incoming_covers,) = cursor.fetchone()

    assert (rows.filter(availability.free_covers(quantity)).exists(), bool(raw_free_covers)) == (
        free >= quantity,
        free >= quantity,
    )
    assert rows.filter(availability.available_covers(quantity)).exists() == (available >= quantity)
    assert bool(raw_incoming_covers) == (incoming >= quantity)


def test_free_units_hold_back_what_arrived_presale_lines_are_owed() -> None:
    # 10 on hand, 2 reserved: 8 available; presale lines hold 7 of which 4 are still in
    # transit, so 3 arrived units are theirs and 5 are free.
    assert availability.free_units(on_hand=10, reserved=2, in_transit=4, presale_reserved=7) == 5
    # All presale units still in transit: the whole available is free.
    assert availability.free_units(on_hand=10, reserved=2, in_transit=9, presale_reserved=7) == 8
    # Owed more than is available: nothing free, never negative.
    assert availability.free_units(on_hand=3, reserved=2, in_transit=0, presale_reserved=7) == 0
    assert availability.incoming_free_units(in_transit=4, presale_reserved=7) == 0


def test_a_refused_reservation_reports_the_free_units_it_was_checked_against(
    level: StockLevel, tee: Sku, main: Warehouse
) -> None:
    # Given 8 available of which presale lines are owed 3 arrived units: 5 free.
    _store(level, {"on_hand": 10, "reserved": 2, "in_transit": 4, "presale_reserved": 7})

    with pytest.raises(InsufficientStock) as refused:
        reserve_stock(lines=[StockLine(tee.pk, tee.code, main.pk, 6)], document="T1", actor=None, at=TEST_NOW)

    assert refused.value.lines == [ShortLine(tee.code, 6, 5)]
    level.refresh_from_db()
    assert (level.on_hand, level.reserved, level.presale_reserved) == (10, 2, 7)
