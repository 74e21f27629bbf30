"""Concurrent edits of one order on a real PostgreSQL: real threads released together by
a barrier change the same order at the same moment. No update is lost, the stock
reserved matches the order's lines, one event per change, no deadlock; a review sweep
racing an agent's change ends in one order or the other, never half."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.inventory.models import StockLevel
from sellerdesk.orders.actions import Buyer, add_note, set_flag
from sellerdesk.orders.changes import LineChange, NewAddress, change_order_lines, correct_address
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine, OrderNote
from sellerdesk.orders.states import OrderStatus
from sellerdesk.orders.tasks import review_paid_orders
from tests.factories import make_sku, make_user, place
from tests.pg.test_concurrency import run_together

NEW_ADDRESS = NewAddress("浙江省", "杭州市", "滨江区", "江南大道 100 号")
STOCK = 1000


def cod_order(placed_at: Any) -> Order:
    """A cash-on-delivery order of 2 × EDIT-1, awaiting review (nothing paid, so a line
    change owes or refunds nothing)."""
    return place(
        ("EDIT-1", 2),
        buyer=Buyer("王五", "13700137000", "edit-buyer"),
        payment_method="cod",
        source="cod",
        placed_at=placed_at,
    )


def reserved_of(sku: Any) -> int:
    return StockLevel.objects.get(sku=sku).reserved


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_order_lose_no_update(shop: Any) -> None:
    # given one order awaiting review and an agent
    sku = make_sku("EDIT-1", stock=STOCK)
    order = cod_order(timezone.now())
    assert order.status == OrderStatus.PENDING_REVIEW
    agent = make_user("agent", "agent", "阿华")
    events_before = OrderEvent.objects.filter(order=order).count()

    def edit(index: int) -> str:
        kind, number = divmod(index, 8)
        if kind == 0:
            add_note(order=order, actor=agent, text=f"note {number}")
        elif kind == 1:
            change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, quantity=number + 1)])
        elif kind == 2:
            correct_address(order=order, actor=agent, address=NEW_ADDRESS)
        else:
            set_flag(order=order, actor=agent, color="red", reason=f"flag {number}")
        return f"{kind}:{number}"

    # when 32 threads at once add 8 notes, change the line's quantity 8 times, correct the
    # address 8 times and set the flag 8 times
    outcomes = run_together(threads=32, rounds=1, work=edit)

    # then every edit succeeded: no deadlock, no error
    assert outcomes.errors == []
    assert len(outcomes.results) == 32
    # and every note is there
    assert sorted(OrderNote.objects.filter(order=order).values_list("text", flat=True)) == [
        f"note {number}" for number in range(8)
    ]
    # and the quantity is the last applied change's, and the stock reserved is exactly the line's
    changes = list(OrderEvent.objects.filter(order=order, type=OrderEventType.LINES_CHANGED).order_by("pk"))
    assert len(changes) == 8
    last = changes[-1].data["lines_after"]
    line = OrderLine.objects.get(order=order)
    assert [(line.position, line.quantity, line.reserved_quantity)] == [
        (entry["line"], entry["quantity"], entry["quantity"]) for entry in last
    ]
    assert sorted(event.data["lines_after"][0]["quantity"] for event in changes) == list(range(1, 9))
    # each change started from the previous one's result: none was computed on stale lines
    previous = [entry["quantity"] for entry in (event.data["lines_before"][0] for event in changes)]
    assert previous == [2] + [event.data["lines_after"][0]["quantity"] for event in changes[:-1]]
    assert reserved_of(sku) == line.quantity
    assert OrderLine.objects.filter(sku=sku).aggregate(r=Sum("reserved_quantity"))["r"] == line.quantity
    # and the address and flag hold their new values, the total follows the line
    order.refresh_from_db()
    assert (order.province, order.city, order.district, order.address_detail) == (
        "浙江省",
        "杭州市",
        "滨江区",
        "江南大道 100 号",
    )
    assert order.flag_color == "red"
    flags = list(OrderEvent.objects.filter(order=order, type=OrderEventType.FLAGGED).order_by("pk"))
    assert order.flag_reason == flags[-1].data["after"]["reason"]
    assert order.total == line.unit_price * line.quantity + order.shipping_fee
    assert order.status == OrderStatus.PENDING_REVIEW
    # and one event per successful change
    counts = {
        kind: OrderEvent.objects.filter(order=order, type=kind).count()
        for kind in (
            OrderEventType.NOTE_ADDED,
            OrderEventType.LINES_CHANGED,
            OrderEventType.ADDRESS_CORRECTED,
            OrderEventType.FLAGGED,
        )
    }
    assert counts == {
        OrderEventType.NOTE_ADDED: 8,
        OrderEventType.LINES_CHANGED: 8,
        OrderEventType.ADDRESS_CORRECTED: 8,
        OrderEventType.FLAGGED: 8,
    }
    assert OrderEvent.objects.filter(order=order).count() == events_before + 32


def verdict_events(order: Order) -> list[str]:
    return list(
        OrderEvent.objects.filter(
            order=order, type__in=[OrderEventType.APPROVED, OrderEventType.HELD, OrderEventType.LINES_CHANGED]
        )
        .order_by("pk")
        .values_list("type", flat=True)
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_a_review_sweep_racing_a_line_change_ends_in_one_order_or_the_other(shop: Any, attempt: int) -> None:
    # given an order past its 30-minute hold buffer and an agent about to change its quantity
    sku = make_sku("EDIT-1", stock=STOCK)
    order = cod_order(timezone.now() - timedelta(hours=1))
    agent = make_user("agent", "agent", "阿华")
    now = timezone.now()

    def race(index: int) -> str:
        if index == 0:
            return f"reviewed:{review_paid_orders(now)}"
        try:
            change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, quantity=5)])
        except InvalidTransition:
            return "change refused"
        return "changed"

    # when the sweep and the change start at the same moment
    outcomes = run_together(threads=2, rounds=1, work=race)
    assert outcomes.errors == []
    results = sorted(outcomes.results)
    # (the sweep skips an order another transaction holds: a later sweep reviews it)
    if results == ["changed", "reviewed:0"]:
        assert review_paid_orders(now) == 1
    order.refresh_from_db()
    line = OrderLine.objects.get(order=order)

    # then the order is approved once, and either changed first then reviewed, or reviewed
    # first and the change refused (an approved order's lines no longer change)
    assert order.status == OrderStatus.APPROVED
    if "changed" in results:
        assert verdict_events(order) == [OrderEventType.LINES_CHANGED, OrderEventType.APPROVED]
        assert (line.quantity, line.reserved_quantity, reserved_of(sku)) == (5, 5, 5)
        assert order.total == line.unit_price * 5 + order.shipping_fee
    else:
        assert results == ["change refused", "reviewed:1"]
        assert verdict_events(order) == [OrderEventType.APPROVED]
        assert (line.quantity, line.reserved_quantity, reserved_of(sku)) == (2, 2, 2)
        assert order.total == line.unit_price * 2 + order.shipping_fee


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_a_review_sweep_racing_an_address_correction_keeps_both(shop: Any, attempt: int) -> None:
    # given an order past its hold buffer and an agent about to correct its address
    make_sku("EDIT-1", stock=STOCK)
    order = cod_order(timezone.now() - timedelta(hours=1))
    agent = make_user("agent", "agent", "阿华")
    now = timezone.now()

    def race(index: int) -> str:
        if index == 0:
            return f"reviewed:{review_paid_orders(now)}"
        correct_address(order=order, actor=agent, address=NEW_ADDRESS)
        return "corrected"

    # when the sweep and the correction start at the same moment
    outcomes = run_together(threads=2, rounds=1, work=race)
    assert outcomes.errors == []
    if sorted(outcomes.results) == ["corrected", "reviewed:0"]:
        assert review_paid_orders(now) == 1
    order.refresh_from_db()

    # then the order is approved once and carries the corrected address, in either order
    assert order.status == OrderStatus.APPROVED
    assert (order.district, order.address_detail) == ("滨江区", "江南大道 100 号")
    kinds = list(
        OrderEvent.objects.filter(order=order, type__in=[OrderEventType.APPROVED, OrderEventType.ADDRESS_CORRECTED])
        .order_by("pk")
        .values_list("type", flat=True)
    )
    assert sorted(kinds) == sorted([OrderEventType.APPROVED, OrderEventType.ADDRESS_CORRECTED])
