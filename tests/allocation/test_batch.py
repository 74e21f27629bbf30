"""allocate_batch gives each order exactly what allocate_order gives it, one by one in the
same order: the same outcome, statuses, warehouses, lines, splits, shortages, events,
ledger rows and stock figures. Table-driven: each case builds its warehouses, stock and
approved orders; both paths then run on the same rows (the first rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from sellerdesk.allocation.actions import (
    allocate_approved_orders,
    allocate_batch,
    allocate_in_batches,
    allocate_order,
)
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import PermissionDenied
from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent, OrderLine, Shortage
from tests.allocation.conftest import T0, approved, level, lines_of, make_warehouse, put
from tests.factories import make_sku, make_user

NOW = T0 + timedelta(hours=1)


def to(province: str) -> dict[str, Any]:
    return {"address": order_actions.Address(province, "某市", "某区", "某路 1 号")}


# --- the cases: each builds the data and returns the approved orders, in allocation order ---


def in_place(main: Any) -> list[Order]:
    make_sku("TEE", stock=10)
    make_sku("CUP", stock=10)
    return [approved(("TEE", 2)), approved(("TEE", 1), ("CUP", 3)), approved(("CUP", 1), **to("广东省"))]


def moved_to_the_serving_warehouse(main: Any) -> list[Order]:
    east = make_warehouse("east", priority=10, regions=["浙江省", "上海市"])
    north = make_warehouse("north", priority=20, regions=["北京市"])
    tee, cup = make_sku("TEE", stock=10), make_sku("CUP", stock=10)
    for sku in (tee, cup):
        put(sku, east, 10)
        put(sku, north, 10)
    return [
        approved(("TEE", 2)),  # 浙江省: to east
        approved(("TEE", 1), ("CUP", 2), **to("北京市")),  # to north
        approved(("CUP", 1), **to("广东省")),  # nobody else serves it: stays at main
        approved(("CUP", 2), ("TEE", 2), **to("上海市")),  # to east
    ]


def regional_stock_runs_out_part_way(main: Any) -> list[Order]:
    east = make_warehouse("east", priority=10, regions=["浙江省"])
    tee = make_sku("TEE", stock=20)
    put(tee, east, 5)
    # east holds 2 orders of 2; the third stays where intake put it (main)
    return [approved(("TEE", 2)), approved(("TEE", 2)), approved(("TEE", 2)), approved(("TEE", 1))]


def split_by_warehouse(main: Any) -> list[Order]:
    east = make_warehouse("east", priority=10)
    make_sku("CUP", stock=1)
    mug = make_sku("MUG", stock=0)
    put(mug, east, 4)
    return [approved(("CUP", 1), ("MUG", 2))]


def stockout(main: Any) -> list[Order]:
    pen = make_sku("PEN", stock=3)
    order = approved(("PEN", 3))
    OrderLine.objects.filter(order=order).update(reserved_quantity=1)  # as a count would leave it
    StockLevel.objects.filter(sku=pen).update(reserved=1, on_hand=1)
    return [order]


def dropship_and_presale_are_left_alone(main: Any) -> list[Order]:
    make_sku("TEE", stock=5)
    dropship = make_sku("DS-1", stock=0)
    Sku.objects.filter(pk=dropship.pk).update(is_dropship=True)
    presale = make_sku("PRE-1", stock=0)
    Sku.objects.filter(pk=presale.pk).update(is_presale=True)
    put(presale, main, 0, in_transit=5)
    return [approved(("DS-1", 2)), approved(("PRE-1", 1)), approved(("TEE", 1), ("DS-1", 1))]


def presale_lines_apart(main: Any) -> list[Order]:
    make_sku("TEE", stock=5)
    presale = make_sku("PRE-1", stock=0)
    Sku.objects.filter(pk=presale.pk).update(is_presale=True)
    put(presale, main, 0, in_transit=5)
    return [approved(("TEE", 2), ("PRE-1", 1)), approved(("TEE", 1))]


def moves_splits_and_stockouts_in_one_batch(main: Any) -> list[Order]:
    east = make_warehouse("east", priority=10, regions=["浙江省"])
    north = make_warehouse("north", priority=20, regions=["北京市"])
    tee, cup, mug = make_sku("TEE", stock=6), make_sku("CUP", stock=1), make_sku("MUG", stock=0)
    put(tee, east, 3)
    put(cup, north, 1)
    put(mug, north, 3)
    orders = [
        approved(("TEE", 2)),  # 浙江省, TEE at main: to east (1 left there)
        approved(("CUP", 1), ("MUG", 2)),  # CUP at main, MUG at north: north has both
        approved(("TEE", 1), ("MUG", 1), **to("北京市")),  # TEE at main, MUG at north: split east + north
        approved(("TEE", 2)),  # east has nothing left by now: stays at main
        *stockout(main),  # short everywhere
        approved(("TEE", 1)),  # stays at main
    ]
    return orders


CASES: list[tuple[str, Callable[[Any], list[Order]]]] = [
    ("in place", in_place),
    ("moved to the serving warehouse", moved_to_the_serving_warehouse),
    ("regional stock runs out part-way", regional_stock_runs_out_part_way),
    ("split by warehouse", split_by_warehouse),
    ("stockout", stockout),
    ("dropship and presale are left alone", dropship_and_presale_are_left_alone),
    ("presale lines apart", presale_lines_apart),
    ("moves, splits and stockouts in one batch", moves_splits_and_stockouts_in_one_batch),
]


# --- what is compared --------------------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    """Everything allocation writes, without the ids of rows it creates."""
    orders = {order.pk: order.number for order in Order.objects.all()}
    return {
        "orders": sorted(
            Order.objects.values_list(
                "number", "status", "warehouse__code", "allocated_at", "split_from__number", "closed_at"
            )
        ),
        "lines": sorted(
            (orders[line.order_id], *line_row) for line in OrderLine.objects.all() for line_row in [lines_of_row(line)]
        ),
        "stock": sorted(
            StockLevel.objects.values_list(
                "sku__code", "warehouse__code", "on_hand", "reserved", "presale_reserved", "in_transit", "defective"
            )
        ),
        "ledger": {
            document: list(
                StockMovement.objects.filter(document=document)
                .order_by("pk")
                .values_list("sku__code", "warehouse__code", "kind", "reserved_delta", "on_hand_delta", "note", "at")
            )
            for document in sorted(set(StockMovement.objects.values_list("document", flat=True)))
        },
        "events": {
            number: list(
                OrderEvent.objects.filter(order_id=pk).order_by("pk").values_list("type", "actor_id", "at", "data")
            )
            for pk, number in sorted(orders.items(), key=lambda item: item[1])
        },
        "shortages": sorted(
            Shortage.objects.values_list(
                "order__number", "line__position", "sku__code", "short_quantity", "detected_at", "resolved_at", "option"
            )
        ),
    }


def lines_of_row(line: OrderLine) -> tuple[Any, ...]:
    code = line.warehouse.code if line.warehouse_id else None
    return (line.position, line.sku_code, line.quantity, code, line.reserved_quantity, line.presale_pending)


@pytest.mark.parametrize(("case", "build"), CASES, ids=[case for case, _build in CASES])
def test_allocate_batch_gives_each_order_what_allocate_order_gives_it(
    case: str, build: Callable[[Any], list[Order]], main: Any
) -> None:
    # given the case's approved orders
    orders = build(main)
    ids = [order.pk for order in orders]

    # when they are allocated one by one (then rolled back) and then as one batch
    with transaction.atomic():
        one_by_one = {order.pk: allocate_order(order=order, actor=None, at=NOW).outcome for order in orders}
        expected = snapshot()
        transaction.set_rollback(True)
    result = allocate_batch(order_ids=ids, now=NOW)

    # then every order ends the same, and so do the stock, the ledger and the events
    assert result.deferred == []
    assert result.outcomes == one_by_one
    assert snapshot() == expected


def test_the_cases_cover_every_outcome(main: Any) -> None:
    seen: set[str] = set()
    for _case, build in CASES:
        with transaction.atomic():
            orders = build(main)
            seen.update(allocate_batch(order_ids=[order.pk for order in orders], now=NOW).outcomes.values())
            transaction.set_rollback(True)
    assert seen == {"allocated", "split", "stockout", "dropship", "presale"}


# --- the batch's own behaviour -----------------------------------------------------------------


def test_the_common_case_is_a_fixed_number_of_statements_whatever_the_batch_size(
    main: Any, django_assert_max_num_queries: Any
) -> None:
    east = make_warehouse("east", priority=10, regions=["浙江省"])
    tee = make_sku("TEE", stock=100)
    put(tee, east, 100)
    orders = [approved(("TEE", 1), **to("浙江省" if index % 2 else "广东省")) for index in range(40)]
    # claim, lines, warehouses, stock read, stock lock, stock UPDATE, lines UPDATE, ledger,
    # 2 order UPDATEs (one per warehouse), shortages, events; plus the savepoint/transaction
    with django_assert_max_num_queries(14):
        result = allocate_batch(order_ids=[order.pk for order in orders], now=NOW)
    assert sorted(result.outcomes.values()) == ["allocated"] * 40
    assert (level(tee, main), level(tee, east)) == ((100, 20, 0, 0), (100, 20, 0, 0))


def test_orders_not_approved_or_held_by_another_worker_are_skipped(main: Any) -> None:
    make_sku("TEE", stock=5)
    order = approved(("TEE", 1))
    allocate_order(order=order, actor=None, at=NOW)
    events = OrderEvent.objects.count()
    result = allocate_batch(order_ids=[order.pk, 999_999], now=NOW)
    assert (result.outcomes, result.deferred, OrderEvent.objects.count()) == ({}, [], events)


def test_a_buyer_may_not_allocate_a_batch(main: Any) -> None:
    make_sku("TEE", stock=5)
    order = approved(("TEE", 1))
    with pytest.raises(PermissionDenied):
        allocate_batch(order_ids=[order.pk], now=NOW, actor=make_user("b", "buyer"))
    assert (Order.objects.get(pk=order.pk).status, lines_of(order)) == ("approved", [("TEE", 1, "main", 1, False)])


def test_an_order_an_earlier_move_sends_to_rows_the_batch_did_not_lock_is_deferred_then_allocated(
    main: Any,
) -> None:
    # given north (serves 北京市) without TEE but with CUP, east (serves 浙江省) with TEE
    north = make_warehouse("north", priority=10, regions=["北京市"])
    east = make_warehouse("east", priority=20, regions=["浙江省"])
    tee, cup = make_sku("TEE", stock=0), make_sku("CUP", stock=5)
    put(tee, north, 1)
    first = approved(("TEE", 1))  # 浙江省; intake reserved the only TEE at north
    put(tee, east, 1)
    put(tee, main, 1)
    put(cup, north, 5)
    # 北京市; TEE and CUP at main: north has no free TEE, so it stays at main for now
    second = approved(("TEE", 1), ("CUP", 1), **to("北京市"))
    # when one batch allocates both: the first moves to east, freeing TEE at north, so
    # the second now belongs at north, whose CUP row the batch had not locked
    result = allocate_batch(order_ids=[first.pk, second.pk], now=NOW)
    assert (result.outcomes, result.deferred) == ({first.pk: "allocated"}, [second.pk])
    assert Order.objects.get(pk=second.pk).status == "approved"
    # then the next batch allocates it there, as allocating them one by one would
    assert allocate_in_batches([second.pk], now=NOW).outcomes == {second.pk: "allocated"}
    assert lines_of(second) == [("TEE", 1, "north", 1, False), ("CUP", 1, "north", 1, False)]
    assert (level(tee, north), level(cup, north), level(cup, main)) == ((1, 1, 0, 0), (5, 1, 0, 0), (5, 0, 0, 0))


def test_the_sweep_allocates_in_batches(main: Any) -> None:
    east = make_warehouse("east", priority=10, regions=["浙江省"])
    tee = make_sku("TEE", stock=500)
    put(tee, east, 500)
    orders = [approved(("TEE", 1), **to("浙江省" if index % 3 else "广东省")) for index in range(250)]
    assert allocate_approved_orders(now=NOW) == 250
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {"allocated"}
    assert (level(tee, main), level(tee, east)) == ((500, 84, 0, 0), (500, 166, 0, 0))
