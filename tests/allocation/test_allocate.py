"""allocate_order and intake across warehouses, on the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.allocation.actions import allocate_approved_orders, allocate_order
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import InsufficientStock, InvalidTransition, PermissionDenied
from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine, Shortage
from tests.allocation.conftest import PRESALE_SHIP_BY, T0, approved, level, lines_of, make_warehouse, put
from tests.factories import make_sku, order_draft, place


def test_an_order_whose_stock_is_where_it_should_be_allocates_without_moving_stock(main: Any) -> None:
    sku = make_sku("TEE", stock=5)
    order = approved(("TEE", 2))
    ledger_before = StockMovement.objects.count()
    result = allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    order.refresh_from_db()
    assert (result.outcome, order.status, order.warehouse_id) == ("allocated", "allocated", main.pk)
    assert order.allocated_at == T0 + timedelta(hours=1)
    assert level(sku, main) == (5, 2, 0, 0)
    assert StockMovement.objects.count() == ledger_before
    event = OrderEvent.objects.get(order=order, type=OrderEventType.ALLOCATED)
    assert (event.data["status_before"], event.data["status_after"], event.data["warehouse"]) == (
        "approved",
        "allocated",
        "main",
    )


def test_allocation_moves_the_reservation_to_the_warehouse_serving_the_province(main: Any) -> None:
    east = make_warehouse("east", priority=10, regions=["浙江省"])
    sku = make_sku("TEE", stock=5)
    put(sku, east, 3)
    order = approved(("TEE", 2))  # placed at the default warehouse, to 浙江省
    allocate_order(order=order, actor=None)
    order.refresh_from_db()
    assert (order.status, order.warehouse_id) == ("allocated", east.pk)
    assert (level(sku, main), level(sku, east)) == ((5, 0, 0, 0), (3, 2, 0, 0))
    assert lines_of(order) == [("TEE", 2, "east", 2, False)]
    moves = list(StockMovement.objects.filter(document=order.number).values_list("warehouse_id", "reserved_delta"))
    assert sum(delta for _w, delta in moves) == 2  # the document's ledger still sums to what it holds


def test_an_order_placed_across_warehouses_is_split_by_warehouse(main: Any) -> None:
    east = make_warehouse("east", priority=10)
    make_sku("CUP", stock=1)
    mug = make_sku("MUG", stock=0)
    put(mug, east, 4)
    order = approved(("CUP", 1), ("MUG", 2))  # intake reserved MUG at east: main had none
    assert lines_of(order) == [("CUP", 1, "main", 1, False), ("MUG", 2, "east", 2, False)]
    result = allocate_order(order=order, actor=None)
    order.refresh_from_db()
    assert (result.outcome, order.status) == ("split", "closed")
    parts = [(part.number, part.status, part.warehouse.code) for part in result.parts]
    assert parts == [(f"{order.number}-1", "allocated", "main"), (f"{order.number}-2", "allocated", "east")]
    assert lines_of(result.parts[0]) == [("CUP", 1, "main", 1, False)]
    assert lines_of(result.parts[1]) == [("MUG", 2, "east", 2, False)]


def test_an_order_short_everywhere_becomes_a_stockout_with_its_shortages(main: Any) -> None:
    sku = make_sku("PEN", stock=3)
    order = approved(("PEN", 3))
    OrderLine.objects.filter(order=order).update(reserved_quantity=1)  # as a count would leave it
    StockLevel.objects.filter(sku=sku).update(reserved=1, on_hand=1)
    result = allocate_order(order=order, actor=None, at=T0)
    order.refresh_from_db()
    assert (result.outcome, order.status, order.warehouse_id) == ("stockout", "stockout", main.pk)
    assert list(Shortage.objects.values_list("order_id", "short_quantity", "option")) == [(order.pk, 2, "")]
    event = OrderEvent.objects.get(order=order, type=OrderEventType.STOCKOUT)
    assert event.data["lines"] == [{"sku": "PEN", "position": 1, "short": 2}]


def test_a_dropship_only_order_is_not_allocated(main: Any) -> None:
    sku = make_sku("DS-1", stock=0)
    Sku.objects.filter(pk=sku.pk).update(is_dropship=True)
    order = approved(("DS-1", 2))
    assert lines_of(order) == [("DS-1", 2, None, 0, False)]
    result = allocate_order(order=order, actor=None)
    order.refresh_from_db()
    assert (result.outcome, order.status) == ("dropship", "approved")


def test_a_presale_order_stays_approved_until_its_units_arrive(main: Any, presale_sku: Any) -> None:
    put(presale_sku, main, 0, in_transit=5)
    order = approved(("PRE-1", 2))
    result = allocate_order(order=order, actor=None)
    order.refresh_from_db()
    assert (result.outcome, order.status, order.promised_ship_date) == ("presale", "approved", PRESALE_SHIP_BY)


def test_presale_lines_go_apart_and_the_rest_ships_now(main: Any, presale_sku: Any) -> None:
    put(presale_sku, main, 0, in_transit=5)
    make_sku("TEE", stock=10)
    order = approved(("TEE", 2), (presale_sku.code, 1))

    result = allocate_order(order=order, actor=None, at=T0)

    now_part, presale_part = result.parts
    assert (result.outcome, Order.objects.get(pk=order.pk).status) == ("split", "closed")
    assert (now_part.split_from_id, presale_part.split_from_id) == (order.pk, order.pk)
    now_part.refresh_from_db()
    presale_part.refresh_from_db()
    assert (now_part.status, presale_part.status) == ("allocated", "approved")
    assert lines_of(now_part) == [("TEE", 2, "main", 2, False)]
    presale_line = presale_part.lines.get()
    assert (presale_line.sku_code, presale_line.reserved_quantity, presale_line.presale_pending) == (
        presale_sku.code,
        1,
        True,
    )
    # The presale units stay reserved against the units in transit, not on hand.
    assert level(presale_sku, main) == (0, 0, 5, 1)
    assert now_part.total + presale_part.total == order.total


def test_allocating_an_order_not_approved_is_refused_and_changes_nothing(main: Any, warehouse_user: Any) -> None:
    make_sku("TEE", stock=5)
    order = place(("TEE", 1))
    with pytest.raises(InvalidTransition):
        allocate_order(order=order, actor=warehouse_user)
    order.refresh_from_db()
    assert (order.status, order.warehouse_id, OrderEvent.objects.filter(order=order).count()) == ("unpaid", None, 1)


def test_a_buyer_may_not_allocate(main: Any) -> None:
    from tests.factories import make_user

    make_sku("TEE", stock=5)
    order = approved(("TEE", 1))
    with pytest.raises(PermissionDenied):
        allocate_order(order=order, actor=make_user("b", "buyer"))
    assert Order.objects.get(pk=order.pk).status == "approved"


def test_the_sweep_allocates_approved_orders_and_leaves_presale_ones(main: Any, presale_sku: Any) -> None:
    make_sku("TEE", stock=5)
    put(presale_sku, main, 0, in_transit=5)
    plain = approved(("TEE", 1))
    pre = approved(("PRE-1", 1))
    assert allocate_approved_orders(now=T0 + timedelta(hours=1)) == 1
    statuses = dict(Order.objects.filter(pk__in=[plain.pk, pre.pk]).values_list("pk", "status"))
    assert statuses == {plain.pk: "allocated", pre.pk: "approved"}
    assert allocate_approved_orders(now=T0 + timedelta(hours=2)) == 0


# --- intake -------------------------------------------------------------------------------------


def test_intake_reserves_presale_against_units_in_transit_never_on_hand(main: Any, presale_sku: Any) -> None:
    east = make_warehouse("east", priority=10)
    put(presale_sku, main, 50, in_transit=0)  # units on hand are not for presale
    put(presale_sku, east, 0, in_transit=3)
    order = place(("PRE-1", 2))
    assert lines_of(order) == [("PRE-1", 2, "east", 2, True)]
    assert (level(presale_sku, main), level(presale_sku, east)) == ((50, 0, 0, 0), (0, 0, 3, 2))
    assert order.promised_ship_date == PRESALE_SHIP_BY
    with pytest.raises(InsufficientStock) as caught:
        place(("PRE-1", 2))
    assert caught.value.details == {"lines": [{"sku": "PRE-1", "requested": 2, "available": 1}]}
    assert level(presale_sku, east) == (0, 0, 3, 2)


def test_cancelling_a_presale_order_gives_its_units_in_transit_back(main: Any, presale_sku: Any) -> None:
    put(presale_sku, main, 0, in_transit=3)
    order = place(("PRE-1", 2))
    order_actions.cancel_order(order=order, actor=None, reason="买家不要了")
    assert level(presale_sku, main) == (0, 0, 3, 0)


def test_intake_reserves_nothing_for_dropship_lines(main: Any) -> None:
    make_sku("TEE", stock=5)
    sku = make_sku("DS-1", stock=0)
    Sku.objects.filter(pk=sku.pk).update(is_dropship=True)
    order = place(("TEE", 1), ("DS-1", 3))
    assert lines_of(order) == [("TEE", 1, "main", 1, False), ("DS-1", 3, None, 0, False)]
    assert StockLevel.objects.aggregate(reserved=Sum("reserved")) == {"reserved": 1}


def test_intake_tries_the_other_warehouses_when_the_default_is_short(main: Any) -> None:
    north = make_warehouse("north", priority=10)
    east = make_warehouse("east", priority=20)
    sku = make_sku("TEE", stock=1)
    put(sku, north, 1)
    put(sku, east, 5)
    order = place(("TEE", 3))
    assert lines_of(order) == [("TEE", 3, "east", 3, False)]
    assert (level(sku, main), level(sku, north), level(sku, east)) == ((1, 0, 0, 0), (1, 0, 0, 0), (5, 3, 0, 0))


def test_intake_short_in_every_warehouse_is_409_and_writes_nothing(main: Any) -> None:
    east = make_warehouse("east", priority=20)
    sku = make_sku("TEE", stock=1)
    put(sku, east, 1)
    with pytest.raises(InsufficientStock) as caught:
        order_actions.place_order(draft=order_draft(("TEE", 2)), actor=None)
    assert caught.value.details == {"lines": [{"sku": "TEE", "requested": 2, "available": 1}]}
    assert (Order.objects.count(), level(sku, main), level(sku, east)) == (0, (1, 0, 0, 0), (1, 0, 0, 0))
