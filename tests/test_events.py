"""The order event writers and the timeline they make."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

import sellerdesk
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from sellerdesk.orders import actions, changes, events, merging
from sellerdesk.orders.assignment import assign_order
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.orders.tasks import auto_confirm_receipts, close_unpaid_orders
from sellerdesk.shops.models import ReviewSettings
from tests.api.helpers import advance, default_shop  # noqa: F401  (default_shop: autouse)
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

T0 = TEST_NOW


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


@pytest.fixture
def order(tee: Sku) -> Order:
    return place(("TEE-RED-M", 2), placed_at=T0)


def test_write_event_stores_type_actor_time_and_data(order: Order, agent: User) -> None:
    event = events.write_event(order, OrderEventType.NOTE_ADDED, actor=agent, at=T0, note_id=7, text="已催付")

    stored = OrderEvent.objects.get(pk=event.pk)
    assert (stored.order_id, stored.type, stored.actor, stored.at, stored.data) == (
        order.pk,
        "note_added",
        agent,
        T0,
        {"note_id": 7, "text": "已催付"},
    )


def test_status_event_records_before_and_after(order: Order) -> None:
    order.status = "closed"

    event = events.status_event(order, OrderEventType.CLOSED, actor=None, at=T0, before="unpaid", reason="x")

    assert (event.actor, event.data) == (None, {"status_before": "unpaid", "status_after": "closed", "reason": "x"})


def test_order_placed_event_lists_lines_without_personal_data(order: Order) -> None:
    OrderEvent.objects.all().delete()

    event = events.order_placed_event(order, list(order.lines.all()), actor=None, at=T0)

    assert event.data == {
        "status": "unpaid",
        "total": "118.00",
        "source": "api",
        "lines": [{"sku": "TEE-RED-M", "quantity": 2, "unit_price": "59.00"}],
    }


def test_timeline_is_ordered_by_time_then_by_writing_order(order: Order, agent: User) -> None:
    later = events.write_event(order, OrderEventType.NOTE_ADDED, actor=agent, at=T0 + timedelta(hours=1), text="b")
    same_time = events.write_event(order, OrderEventType.NOTE_ADDED, actor=agent, at=T0, text="a")

    timeline = list(order.events.all())

    assert [event.pk for event in timeline][-2:] == [same_time.pk, later.pk]
    assert timeline[0].type == "placed"


def test_every_event_type_is_written_by_some_action(tee: Sku, agent: User) -> None:
    paid_and_cancelled = advance(place(("TEE-RED-M", 1)), "approved")
    actions.cancel_order(order=paid_and_cancelled, actor=agent, reason="缺货")
    repriced = place(("TEE-RED-M", 1))
    actions.change_line_prices(order=repriced, actor=agent, prices={1: repriced.total - 1})
    actions.add_note(order=repriced, actor=agent, text="已改价")
    actions.set_flag(order=repriced, actor=agent, color="red", reason="大客户")
    assign_order(order=repriced, actor=agent, assignee=agent)
    advance(place(("TEE-RED-M", 1)), "completed")
    review_actions.hold_order(order=advance(place(("TEE-RED-M", 1)), "pending_review"), actor=agent, reason="待确认")
    ReviewSettings.objects.update_or_create(shop=Order.objects.first().shop, defaults={"auto_approve": False})  # type: ignore[union-attr]
    reviewed = advance(place(("TEE-RED-M", 1)), "pending_review")
    review_actions.review_order(order_id=reviewed.pk, now=reviewed.paid_at, force=True)  # type: ignore[arg-type]
    buyer = actions.Buyer("李四", "13900139000", "lisi")
    twins = [place(("TEE-RED-M", 1), buyer=buyer), place(("TEE-RED-M", 1), buyer=buyer)]
    merging.unmerge_order(order=merging.merge_orders(orders=twins, actor=agent), actor=agent)
    halves = [[merging.PartLine(1, 1)], [merging.PartLine(1, 1)]]
    merging.split_order(order=place(("TEE-RED-M", 2)), actor=agent, parts=halves)
    changed = advance(place(("TEE-RED-M", 1)), "pending_review")
    changes.change_order_lines(order=changed, actor=agent, changes=[changes.LineChange(line=1, quantity=2)])
    changes.correct_address(
        order=changed, actor=agent, address=changes.NewAddress("浙江省", "杭州市", "上城区", "解放路 1 号")
    )
    carrier = Carrier.objects.create(code="ZTO", name="中通快递")
    CarrierCoverage.objects.create(carrier=carrier, province="浙江省")
    changes.choose_carrier(order=changed, actor=agent, carrier_code="ZTO")

    assert set(OrderEvent.objects.values_list("type", flat=True)) == set(OrderEventType.values) - LATER_TYPES


# Written by the capabilities built on the spine, each tested in its own suite: allocation
# and stockouts (tests/allocation), dropship (tests/dropship), parcels (tests/logistics),
# the warehouse (tests/fulfilment), payment reminders (tests/reminders).
LATER_TYPES = {
    "allocated",
    "stockout",
    "stockout_handled",
    "dropship_ordered",
    "dropship_paid",
    "dropship_shipped",
    "dropship_settled",
    "dropship_cancelled",
    "shipment",
    "tracking",
    "logistics_exception",
    # A parcel refused or returned ends its order; its units back in stock (issue 17 C).
    "refused",
    "restocked",
    "auto_confirm_extended",
    "picking_started",
    "packing_checked",
    "packed",
    "payment_reminded",
}


def test_every_later_event_type_is_written_by_its_suite() -> None:
    """No event type is declared without code that writes it: each name is used outside models.py."""
    source = "\n".join(
        path.read_text() for path in Path(sellerdesk.__file__).parent.rglob("*.py") if path.name != "models.py"
    )
    unused = sorted(
        kind.value
        for kind in OrderEventType
        if kind.value in LATER_TYPES and f"OrderEventType.{kind.name}" not in source
    )
    assert unused == []


def test_sweeps_write_events_as_the_system(tee: Sku) -> None:
    expired = place(("TEE-RED-M", 1), placed_at=T0)
    shipped = advance(place(("TEE-RED-M", 1)), "approved")
    actions.ship_order(order=shipped, actor=None, carrier="顺丰", tracking_number="SF1", at=timezone.now())

    close_unpaid_orders(T0 + timedelta(days=8))
    auto_confirm_receipts(timezone.now() + timedelta(days=11))

    assert list(expired.events.filter(type="closed").values_list("actor", "data__action")) == [(None, "expire")]
    assert list(shipped.events.filter(type="receipt_confirmed").values_list("actor", "data__automatic")) == [
        (None, True)
    ]
