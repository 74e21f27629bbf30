"""Races on purpose, on a real PostgreSQL: real threads (and processes) hitting the same
rows at the same moment. No oversell, no deadlock, each expired order closed once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from sellerdesk.core.errors import InsufficientStock
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine
from sellerdesk.orders.states import OrderStatus
from sellerdesk.orders.tasks import close_unpaid_orders
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place
from tests.support.clock import clocked_environment

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120.0


@dataclass
class Outcomes:
    results: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_together(threads: int, rounds: int, work: Callable[[int], Any]) -> Outcomes:
    """Run `work(i)` for i in range(threads * rounds) from `threads` threads released at
    once by a barrier. Every thread closes its own database connection at the end."""
    outcomes = Outcomes()
    barrier = threading.Barrier(threads)

    def worker(thread_index: int) -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            for round_index in range(rounds):
                index = thread_index * rounds + round_index
                try:
                    result = work(index)
                except Exception as error:  # every unexpected failure is reported, not lost in a thread
                    with outcomes.lock:
                        outcomes.errors.append(f"{type(error).__name__}: {error}")
                else:
                    with outcomes.lock:
                        outcomes.results.append(result)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in pool), "a worker thread hung"
    return outcomes


class AvailabilityWatch:
    """Samples min(on_hand - reserved) over the given SKUs from its own connection while
    the race runs, so a moment of negative availability would be seen."""

    def __init__(self, sku_ids: list[int]) -> None:
        self.sku_ids = sku_ids
        self.lowest: int | None = None
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        try:
            while not self._stop.wait(0.002):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT min(on_hand - reserved) FROM inventory_stocklevel WHERE sku_id = ANY(%s)",
                        [self.sku_ids],
                    )
                    (lowest,) = cursor.fetchone()
                self.samples += 1
                self.lowest = lowest if self.lowest is None else min(self.lowest, lowest)
        finally:
            connections.close_all()

    def __enter__(self) -> AvailabilityWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT_SECONDS)


def available_by_sql(sku_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT on_hand - reserved FROM inventory_stocklevel WHERE sku_id = %s", [sku_id])
        (available,) = cursor.fetchone()
    return int(available)


def ledger(sku_id: int) -> dict[str, int]:
    sums = StockMovement.objects.filter(sku_id=sku_id).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    return {"on_hand": sums["on_hand"] or 0, "reserved": sums["reserved"] or 0}


def order_body(nickname: str, *skus: str) -> dict[str, Any]:
    return {
        "buyer": {"name": "李四", "phone": "13900139000", "nickname": nickname},
        "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"},
        "lines": [{"sku": sku, "quantity": 1} for sku in skus],
    }


# --- no oversell -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_orders_for_50_units_make_exactly_50_orders(shop: Any) -> None:
    # given one SKU with 50 units and an agent taking orders from 40 threads at once
    sku = make_sku("FLASH-TEE", price="59.00", stock=50)
    agent = make_user("agent", "agent", "阿华")

    def order_one(index: int) -> str:
        try:
            return place(("FLASH-TEE", 1), actor=agent).number
        except InsufficientStock as short:
            return f"short:{json.dumps(short.details, sort_keys=True)}"

    # when 200 orders for one unit each arrive together
    with AvailabilityWatch([sku.pk]) as watch:
        outcomes = run_together(threads=40, rounds=5, work=order_one)

    # then exactly 50 were taken, the other 150 were refused for lack of stock
    assert outcomes.errors == []
    placed = [result for result in outcomes.results if not result.startswith("short:")]
    refused = Counter(result for result in outcomes.results if result.startswith("short:"))
    assert len(placed) == 50
    assert refused == {'short:{"lines": [{"available": 0, "requested": 1, "sku": "FLASH-TEE"}]}': 150}
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(placed)
    # and availability never went below 0 and ends at exactly 0
    assert watch.samples > 0
    assert watch.lowest is not None and watch.lowest >= 0
    level = StockLevel.objects.get(sku=sku)
    assert (level.on_hand, level.reserved, level.available) == (50, 50, 0)
    assert available_by_sql(sku.pk) == 0
    # and the ledger explains every unit: one reservation per order
    assert ledger(sku.pk) == {"on_hand": 50, "reserved": 50}
    assert StockMovement.objects.filter(sku=sku, kind=MovementKind.RESERVE).count() == 50
    assert OrderLine.objects.filter(sku=sku).aggregate(q=Sum("quantity"), r=Sum("reserved_quantity")) == {
        "q": 50,
        "r": 50,
    }
    assert OrderEvent.objects.filter(type=OrderEventType.PLACED).count() == 50
    # and the refused orders left nothing behind, not even their customers
    assert Order.objects.count() == 50
    assert shop.customers.count() == 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_two_line_orders_over_the_api_never_oversell_or_deadlock(shop: Any) -> None:
    # given three SKUs of 30 units and 2-line orders naming them in every order (AB, BA, BC, …),
    # the pattern that deadlocks when rows are locked in request order instead of a fixed one
    codes = ["PAIR-A", "PAIR-B", "PAIR-C"]
    skus = {code: make_sku(code, stock=30) for code in codes}
    pairs = [(a, b) for a in codes for b in codes if a != b]
    token = make_token(make_user("agent", "agent", "阿华"))

    def order_pair(index: int) -> tuple[int, str, dict[str, Any]]:
        first, second = pairs[index % len(pairs)]
        answer = ApiClient(token).post("/api/v1/orders", order_body(f"buyer-{index}", first, second))
        return answer.status_code, answer.json().get("code", ""), answer.json()

    # when 120 such orders (240 units asked, 90 in stock) arrive from 40 threads at once
    with AvailabilityWatch([sku.pk for sku in skus.values()]) as watch:
        outcomes = run_together(threads=40, rounds=3, work=order_pair)

    # then every answer is a 201 or a 409 insufficient_stock, never a deadlock or a 500
    assert outcomes.errors == []
    statuses = Counter((status, code) for status, code, _body in outcomes.results)
    assert set(statuses) <= {(201, ""), (409, "insufficient_stock")}
    assert sum(statuses.values()) == 120
    created = statuses[(201, "")]
    assert Order.objects.count() == created
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(
        body["number"] for status, _code, body in outcomes.results if status == 201
    )
    # and each SKU's reservations are exactly its order lines, within its stock
    assert watch.lowest is not None and watch.lowest >= 0
    for code, sku in skus.items():
        level = StockLevel.objects.get(sku=sku)
        lines = OrderLine.objects.filter(sku=sku).count()
        assert (code, level.on_hand, level.reserved) == (code, 30, lines)
        assert available_by_sql(sku.pk) == 30 - lines >= 0
        assert ledger(sku.pk) == {"on_hand": 30, "reserved": lines}
    # and demand exceeded supply, so at least one SKU sold out
    assert min(available_by_sql(sku.pk) for sku in skus.values()) == 0
    assert created <= 45
    assert OrderEvent.objects.filter(type=OrderEventType.PLACED).count() == created


@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_from_10_threads_makes_one_order(shop: Any) -> None:
    # given one order body and one Idempotency-Key
    sku = make_sku("IDEM-TEE", stock=10)
    token = make_token(make_user("agent", "agent", "阿华"))
    body = order_body("repeat-buyer", "IDEM-TEE")

    def post(_index: int) -> tuple[int, Any]:
        answer = ApiClient(token).post("/api/v1/orders", body, headers={"Idempotency-Key": "order-42"})
        return answer.status_code, answer.json()

    # when 10 threads send it at the same moment
    outcomes = run_together(threads=10, rounds=1, work=post)

    # then one order exists, one unit is reserved, and all ten got the same answer
    assert outcomes.errors == []
    assert len(outcomes.results) == 10
    first_status, first_body = outcomes.results[0]
    assert first_status == 201
    assert all(result == (first_status, first_body) for result in outcomes.results)
    assert list(Order.objects.values_list("number", flat=True)) == [first_body["number"]]
    assert StockLevel.objects.get(sku=sku).reserved == 1
    assert shop.customers.count() == 1


# --- each expired order closed once ----------------------------------------------------------


SWEEP_SKUS = 10
SWEEP_ORDERS = 500


def place_expired_orders(count: int) -> list[Any]:
    """`count` unpaid 2-line orders placed 8 days ago: their 7-day payment window is over."""
    skus = [make_sku(f"SWEEP-{index}", stock=1000) for index in range(SWEEP_SKUS)]
    placed_at = timezone.now() - timedelta(days=8)
    for index in range(count):
        first, second = skus[index % SWEEP_SKUS], skus[(index + 1) % SWEEP_SKUS]
        place((first.code, 1), (second.code, 2), placed_at=placed_at)
    assert Order.objects.filter(status=OrderStatus.UNPAID, pay_deadline__lt=timezone.now()).count() == count
    return skus


def assert_each_order_closed_once(skus: list[Any], count: int) -> None:
    assert Order.objects.filter(status=OrderStatus.CLOSED).count() == count
    assert Order.objects.exclude(status=OrderStatus.CLOSED).count() == 0
    closed_events = OrderEvent.objects.filter(type=OrderEventType.CLOSED)
    assert closed_events.count() == count
    assert not closed_events.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # one release movement per order line, and every reservation given back
    releases = StockMovement.objects.filter(kind=MovementKind.RELEASE)
    expected = sorted(OrderLine.objects.values_list("order__number", "sku_id", "quantity"))
    assert len(expected) == 2 * count
    assert sorted((m.document, m.sku_id, -m.reserved_delta) for m in releases) == expected
    assert OrderLine.objects.filter(reserved_quantity__gt=0).count() == 0
    for sku in skus:
        level = StockLevel.objects.get(sku=sku)
        assert (sku.code, level.on_hand, level.reserved) == (sku.code, 1000, 0)
        assert ledger(sku.pk) == {"on_hand": 1000, "reserved": 0}


@pytest.mark.django_db(transaction=True)
def test_two_sweeping_threads_close_each_expired_order_once(shop: Any) -> None:
    # given 500 unpaid orders past their payment deadline
    skus = place_expired_orders(SWEEP_ORDERS)
    now = timezone.now()

    # when two workers sweep at the same moment
    outcomes = run_together(threads=2, rounds=1, work=lambda _index: close_unpaid_orders(now))

    # then between them they closed 500 orders, each exactly once
    assert outcomes.errors == []
    assert sum(outcomes.results) == SWEEP_ORDERS
    assert_each_order_closed_once(skus, SWEEP_ORDERS)


def url_of_the_test_database() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def locks_waited_for(table: str) -> int:
    with connection.cursor() as cursor:
        # pg_locks is the whole server's: pytest-xdist's workers each have a database on it.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [table],
        )
        (waiting,) = cursor.fetchone()
    return int(waiting)


@pytest.mark.django_db(transaction=True)
def test_two_sweep_processes_close_each_expired_order_once(shop: Any) -> None:
    # given 500 unpaid orders past their payment deadline
    skus = place_expired_orders(SWEEP_ORDERS)
    at = timezone.now().isoformat()
    # the processes run on this test's clock (tests/support/clock.py)
    environment = clocked_environment({**os.environ, "DATABASE_URL": url_of_the_test_database()})
    command = [sys.executable, "-m", "tests.support.clocked", "sellerdesk.cli", "sweep", "--at", at]

    # when two `sellerdesk sweep` processes run at once: the orders table is held locked
    # until both have read their candidates and wait to claim the first order, so that
    # their work overlaps however fast or slow each process starts
    table = Order._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        processes = [
            subprocess.Popen(
                command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while locks_waited_for(table) < 2:
                exited = [process.returncode for process in processes if process.poll() is not None]
                assert not exited, f"a sweep exited before claiming any order: {[p.communicate() for p in processes]}"
                assert time.monotonic() < deadline, "the sweep processes never reached the orders"
                time.sleep(0.02)
        except BaseException:
            for process in processes:
                process.kill()
                process.communicate()
            raise
    outputs = [process.communicate(timeout=WAIT_SECONDS) for process in processes]

    # then both succeeded and between them closed 500 orders, each exactly once
    assert [(process.returncode, err) for process, (_out, err) in zip(processes, outputs, strict=True)] == [
        (0, ""),
        (0, ""),
    ]
    closed = [
        int(line.split(":")[1])
        for out, _err in outputs
        for line in out.splitlines()
        if line.startswith("close_unpaid_orders:")
    ]
    assert len(closed) == 2
    assert sum(closed) == SWEEP_ORDERS
    assert_each_order_closed_once(skus, SWEEP_ORDERS)
