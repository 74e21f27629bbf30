"""The stock primitives other apps call (receiving, in-transit) and how on-hand changes
keep the bins consistent."""

from __future__ import annotations

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, MovementKind, StockMovement, Warehouse
from tests.factories import make_user, place
from tests.inventory.conftest import T0, bins_of, figures, ledger, snapshot


@pytest.fixture
def shelf(main: Warehouse) -> list[Bin]:
    return actions.create_bins(warehouse=main, codes="A-01-01..A-01-03", actor=None)


# --- receive_stock ------------------------------------------------------------------


def test_receive_creates_the_stock_row_and_ledgers_good_damaged_and_arrived(tee: Sku, guangzhou: Warehouse) -> None:
    # given 8 units of TEE on their way to Guangzhou, which has no stock row for it yet
    actions.add_in_transit(sku_id=tee.pk, warehouse_id=guangzhou.pk, quantity=8, document="PO1", actor=None, at=T0)
    # when 6 good and 1 damaged arrive against the in-transit units
    actions.receive_stock(
        sku_id=tee.pk,
        warehouse_id=guangzhou.pk,
        good=6,
        damaged=1,
        from_in_transit=7,
        document="PO1",
        actor=None,
        at=T0,
    )
    # then on hand, defective and in transit move, one ledger row each call
    assert figures(tee, guangzhou) == (6, 0, 1, 1)
    assert ledger("PO1") == [
        ("TEE-RED-M", "gz", MovementKind.IN_TRANSIT, 0, 0, 8, 0),
        ("TEE-RED-M", "gz", MovementKind.RECEIVE, 6, 0, -7, 1),
    ]
    assert bins_of(tee, guangzhou) == {}


def test_receive_never_takes_in_transit_below_zero(tee: Sku, main: Warehouse) -> None:
    actions.add_in_transit(sku_id=tee.pk, warehouse_id=main.pk, quantity=2, document="PO2", actor=None, at=T0)
    actions.receive_stock(
        sku_id=tee.pk, warehouse_id=main.pk, good=5, from_in_transit=5, document="PO2", actor=None, at=T0
    )
    assert figures(tee, main) == (15, 0, 0, 0)
    assert ledger("PO2")[-1] == ("TEE-RED-M", "main", MovementKind.RECEIVE, 5, 0, -2, 0)


def test_receive_into_a_bin(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    actions.receive_stock(sku_id=tee.pk, warehouse_id=main.pk, good=4, bin=shelf[1], document="PO3", actor=None, at=T0)
    assert figures(tee, main) == (14, 0, 0, 0)
    assert bins_of(tee, main) == {"A-01-02": 4}
    assert StockMovement.objects.get(document="PO3").bin == shelf[1]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"good": -1}, "good"),
        ({"good": 1, "damaged": -2}, "damaged"),
        ({"good": 1, "from_in_transit": -1}, "from_in_transit"),
    ],
)
def test_receive_refuses_negative_quantities(tee: Sku, main: Warehouse, fields: dict[str, int], bad: str) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.receive_stock(sku_id=tee.pk, warehouse_id=main.pk, document="PO4", actor=None, at=T0, **fields)  # type: ignore[arg-type]
    assert list(refused.value.fields) == [bad]
    assert snapshot() == before


def test_receive_refuses_a_bin_of_another_warehouse(tee: Sku, guangzhou: Warehouse, shelf: list[Bin]) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.receive_stock(
            sku_id=tee.pk, warehouse_id=guangzhou.pk, good=1, bin=shelf[0], document="PO5", actor=None, at=T0
        )
    assert list(refused.value.fields) == ["bin"]
    assert snapshot() == before


# --- in transit ---------------------------------------------------------------------


def test_remove_in_transit_stops_at_zero_and_answers_what_it_removed(tee: Sku, main: Warehouse) -> None:
    actions.add_in_transit(sku_id=tee.pk, warehouse_id=main.pk, quantity=3, document="PO6", actor=None, at=T0)
    removed = actions.remove_in_transit(
        sku_id=tee.pk, warehouse_id=main.pk, quantity=5, document="PO6", actor=None, at=T0
    )
    assert removed == 3
    assert figures(tee, main) == (10, 0, 0, 0)
    assert ledger("PO6") == [
        ("TEE-RED-M", "main", MovementKind.IN_TRANSIT, 0, 0, 3, 0),
        ("TEE-RED-M", "main", MovementKind.IN_TRANSIT, 0, 0, -3, 0),
    ]
    assert (
        actions.remove_in_transit(sku_id=tee.pk, warehouse_id=main.pk, quantity=1, document="PO6", actor=None, at=T0)
        == 0
    )
    assert len(ledger("PO6")) == 2


def test_add_in_transit_refuses_a_negative_quantity(tee: Sku, main: Warehouse) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed):
        actions.add_in_transit(sku_id=tee.pk, warehouse_id=main.pk, quantity=-1, document="PO7", actor=None, at=T0)
    assert snapshot() == before


# --- bins stay within on-hand -------------------------------------------------------


def test_putaway_moves_unbinned_units_into_a_bin(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    actions.putaway(sku=tee, bin=shelf[0], quantity=6, actor=None)
    actions.move_bin_stock(sku=tee, warehouse=main, from_bin=shelf[0], to_bin=shelf[2], quantity=2, actor=None)
    assert bins_of(tee, main) == {"A-01-01": 4, "A-01-03": 2}
    assert figures(tee, main) == (10, 0, 0, 0)


def test_putaway_refuses_more_than_is_unbinned(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    actions.putaway(sku=tee, bin=shelf[0], quantity=8, actor=None)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        actions.putaway(sku=tee, bin=shelf[1], quantity=3, actor=None)
    assert refused.value.code == "not_enough_unbinned"
    assert refused.value.details == {"unbinned": 2, "quantity": 3}
    assert snapshot() == before


def test_moving_more_than_a_bin_holds_is_refused(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    actions.putaway(sku=tee, bin=shelf[0], quantity=2, actor=None)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        actions.move_bin_stock(sku=tee, warehouse=main, from_bin=shelf[0], to_bin=shelf[1], quantity=3, actor=None)
    assert refused.value.code == "bin_stock_short"
    assert snapshot() == before


def test_moving_stock_needs_the_stock_permission(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    agent = make_user("agent", "agent")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.putaway(sku=tee, bin=shelf[0], quantity=1, actor=agent)
    assert snapshot() == before


def test_set_on_hand_below_the_bins_takes_from_bins_in_route_order(tee: Sku, main: Warehouse, shelf: list[Bin]) -> None:
    actions.putaway(sku=tee, bin=shelf[0], quantity=3, actor=None)
    actions.putaway(sku=tee, bin=shelf[1], quantity=3, actor=None)
    actions.putaway(sku=tee, bin=shelf[2], quantity=3, actor=None)
    actions.set_on_hand(sku=tee, on_hand=5, actor=None)
    assert bins_of(tee, main) == {"A-01-02": 2, "A-01-03": 3}


def test_shipping_an_order_takes_from_the_bins_when_unbinned_units_run_out(
    tee: Sku, main: Warehouse, shelf: list[Bin]
) -> None:
    # given 10 on hand, 9 of them in bins, and an order for 4
    actions.putaway(sku=tee, bin=shelf[0], quantity=4, actor=None)
    actions.putaway(sku=tee, bin=shelf[1], quantity=5, actor=None)
    order = place(("TEE-RED-M", 4))
    # when its stock ships
    actions.ship_stock(
        lines=[actions.StockLine(tee.pk, tee.code, main.pk, 4)], document=order.number, actor=None, at=T0
    )
    # then the 6 left on hand are all in bins, the first bins emptied first
    assert figures(tee, main) == (6, 0, 0, 0)
    assert bins_of(tee, main) == {"A-01-02": 5, "A-01-01": 1}


# --- reorder points -----------------------------------------------------------------


def test_set_reorder_point(tee: Sku, main: Warehouse) -> None:
    level = actions.set_reorder_point(sku=tee, warehouse=main, reorder_point=3, reorder_quantity=20, actor=None)
    assert (level.reorder_point, level.reorder_quantity) == (3, 20)
    actions.set_reorder_point(sku=tee, warehouse=main, reorder_point=None, actor=None)
    level.refresh_from_db()
    assert (level.reorder_point, level.reorder_quantity) == (None, None)


def test_set_reorder_point_refuses_a_negative_point(tee: Sku, main: Warehouse) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.set_reorder_point(sku=tee, warehouse=main, reorder_point=-1, actor=None)
    assert list(refused.value.fields) == ["reorder_point"]
    assert snapshot() == before
