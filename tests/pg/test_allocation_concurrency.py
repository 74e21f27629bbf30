"""Allocation under load on a real PostgreSQL: 2,000 approved orders allocated by 4
worker threads at once while intake keeps placing orders, one order per transaction
(`allocate_order_id`) and a batch per transaction (`allocate_in_batches`, as the sweep
and the background task run it). No oversell (every stock row's reserved equals what
the order lines hold there, available never below 0), no deadlock (no worker error),
and every order ends allocated, split or short."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from sellerdesk.allocation.actions import active_warehouses, allocate_in_batches, allocate_order_id
from sellerdesk.core.errors import InsufficientStock
from sellerdesk.inventory.actions import default_warehouse, set_on_hand
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import OrderStatus
from tests.factories import make_sku
from tests.pg.test_concurrency import WAIT_SECONDS, AvailabilityWatch

ORDERS = 2_000
WORKERS = 4
PROVINCES = ["北京市", "浙江省", "广东省", "上海市"]
BATCH = 50  # small enough that the 4 workers' batches overlap many times


def _draft(index: int, codes: list[str]) -> order_actions.OrderDraft:
    first, second = codes[index % len(codes)], codes[(index * 7 + 3) % len(codes)]
    lines = [order_actions.LineDraft(first, 1 + index % 2)]
    if second != first:
        lines.append(order_actions.LineDraft(second, 1))
    return order_actions.OrderDraft(
        buyer=order_actions.Buyer("买家", "13800138000", f"pg-buyer-{index}"),
        address=order_actions.Address(PROVINCES[index % len(PROVINCES)], "某市", "某区", "某路 1 号"),
        lines=lines,
        payment_method="cod",
    )


@pytest.mark.parametrize("batched", [False, True], ids=["one_by_one", "in_batches"])
def test_4_workers_allocate_2000_orders_while_intake_runs_without_oversell_or_deadlock(
    shop: Any, batched: bool
) -> None:
    # given 3 warehouses (north serves 北京市, east 浙江省/上海市, main everywhere) and 10 SKUs
    main = default_warehouse()
    north = Warehouse.objects.create(code="north", name="北京仓", priority=10, regions=["北京市"])
    east = Warehouse.objects.create(code="east", name="杭州仓", priority=20, regions=["浙江省", "上海市"])
    codes = [f"PG-{index}" for index in range(10)]
    skus = [make_sku(code, stock=5_000) for code in codes]
    for sku in skus:
        # Regional stock runs out part-way, so allocation both moves and stays put.
        set_on_hand(sku=sku, on_hand=150, actor=None, warehouse=north)
        set_on_hand(sku=sku, on_hand=150, actor=None, warehouse=east)
    for index in range(ORDERS):
        order_actions.place_order(draft=_draft(index, codes), actor=None)
    Order.objects.update(status=OrderStatus.APPROVED, approved_at=timezone.now())
    ids = list(Order.objects.order_by("pk").values_list("pk", flat=True))
    warehouses = active_warehouses()
    errors: list[str] = []
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WORKERS + 1)

    def allocator(seed: int) -> None:
        mine = ids[:]
        random.Random(seed).shuffle(mine)
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            for start in range(0, len(mine), BATCH if batched else 1):
                try:
                    if batched:
                        batch = allocate_in_batches(
                            mine[start : start + BATCH], now=timezone.now(), warehouses=warehouses
                        )
                        found = list(batch.outcomes.values())
                    else:
                        one = allocate_order_id(
                            order_id=mine[start], actor=None, at=timezone.now(), warehouses=warehouses
                        )
                        found = [one.outcome] if one is not None else []
                except Exception as error:  # a deadlock or an oversell would surface here
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}")
                else:
                    with lock:
                        outcomes.extend(found)
        finally:
            connections.close_all()

    def intake() -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            for index in range(ORDERS, ORDERS + 300):
                try:
                    order_actions.place_order(draft=_draft(index, codes), actor=None)
                except InsufficientStock:
                    pass
                except Exception as error:
                    with lock:
                        errors.append(f"intake {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    # when 4 allocators work through all 2,000 orders (each in its own order) while intake runs
    threads = [threading.Thread(target=allocator, args=(seed,)) for seed in range(WORKERS)]
    threads.append(threading.Thread(target=intake))
    with AvailabilityWatch([sku.pk for sku in skus]) as watch:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"

    # then nothing failed, and each order was allocated once (or split into allocated parts)
    assert errors == []
    assert len([outcome for outcome in outcomes if outcome in ("allocated", "split")]) == ORDERS
    assert not Order.objects.filter(pk__in=ids, status=OrderStatus.APPROVED).exists()
    # and every stock row holds exactly what the order lines say, never below 0 available
    held = {
        (row["sku_id"], row["warehouse_id"]): row["total"]
        for row in OrderLine.objects.filter(presale_pending=False, reserved_quantity__gt=0)
        .exclude(order__status=OrderStatus.CLOSED)
        .values("sku_id", "warehouse_id")
        .annotate(total=Sum("reserved_quantity"))
    }
    levels = {(level.sku_id, level.warehouse_id): level for level in StockLevel.objects.all()}
    assert {key: level.reserved for key, level in levels.items() if level.reserved} == held
    assert all(level.on_hand >= level.reserved for level in levels.values())
    assert watch.lowest is not None and watch.lowest >= 0
    # and the regional warehouses were used: the test did move reservations
    assert levels[(skus[0].pk, north.pk)].reserved > 0 and levels[(skus[0].pk, east.pk)].reserved > 0
    assert levels[(skus[0].pk, main.pk)].reserved > 0
