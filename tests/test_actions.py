"""The order actions called directly: what each changes, the event it writes (type,
actor, data with before and after), and that a refused call writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import (
    Conflict,
    InsufficientStock,
    InvalidTransition,
    PermissionDenied,
    ShortLine,
    ValidationFailed,
)
from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.actions import set_on_hand
from sellerdesk.inventory.models import MovementKind, StockMovement
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderEvent, OrderNote
from sellerdesk.orders.timeline import describe_event
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop, snapshot, stock  # noqa: F401  (default_shop: autouse)
from tests.factories import make_sku, order_draft, place
from tests.support.clock import TEST_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = TEST_NOW


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


@pytest.fixture
def order(tee: Sku) -> Order:
    return place(("TEE-RED-M", 2), placed_at=T0)


def _events(order: Order) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [
        (event.type, event.actor.username if event.actor else None, event.data)
        for event in OrderEvent.objects.filter(order_id=order.pk).select_related("actor").order_by("at", "pk")
    ]


def _last(order: Order) -> tuple[str, str | None, dict[str, Any]]:
    return _events(order)[-1]


# --- place_order -------------------------------------------------------------------


def test_place_order_reserves_stock_records_the_customer_and_writes_placed(tee: Sku, agent: User) -> None:
    order = place(("TEE-RED-M", 2), actor=agent, placed_at=T0, source="inquiry", external_id="TB1")

    assert (order.status, order.payment_status, order.total, order.pay_deadline) == (
        "unpaid",
        "unpaid",
        Decimal("118.00"),
        T0 + timedelta(days=7),
    )
    assert stock("TEE-RED-M") == (100, 2)
    assert Customer.objects.get().order_count == 1
    assert _events(order) == [
        (
            "placed",
            "agent",
            {
                "status": "unpaid",
                "total": "118.00",
                "source": "inquiry",
                "lines": [{"sku": "TEE-RED-M", "quantity": 2, "unit_price": "59.00"}],
            },
        )
    ]
    event = OrderEvent.objects.get()
    assert event.at == T0


def test_placed_event_stores_no_personal_data(order: Order) -> None:
    text = str(OrderEvent.objects.get().data)

    assert "张三" not in text and "13800138000" not in text and "文三路" not in text


def test_place_order_uses_the_shops_payment_window(tee: Sku) -> None:
    Shop.objects.create(code="fast", name="快店", payment_window_days=1)

    order = place(("TEE-RED-M", 1), shop="fast", placed_at=T0)

    assert order.pay_deadline == T0 + timedelta(days=1)


def test_place_cod_order(tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), payment_method="cod", source="cod")

    assert (order.status, order.payment_status, order.pay_deadline) == ("pending_review", "cod", None)
    assert _last(order)[2]["status"] == "pending_review"


def test_place_order_unknown_sku_writes_nothing(tee: Sku) -> None:
    before = snapshot()

    with pytest.raises(ValidationFailed) as raised:
        place(("TEE-RED-M", 1), ("NOPE", 1), ("ALSO-NOPE", 1))

    assert set(raised.value.fields) == {"lines[1].sku", "lines[2].sku"}
    assert snapshot() == before


def test_place_order_short_stock_names_each_line_and_writes_nothing(tee: Sku) -> None:
    make_sku("MUG-1", stock=3)
    before = snapshot()

    with pytest.raises(InsufficientStock) as raised:
        place(("MUG-1", 4), ("TEE-RED-M", 101))

    assert sorted(raised.value.lines, key=lambda line: line.sku) == [
        ShortLine("MUG-1", 4, 3),
        ShortLine("TEE-RED-M", 101, 100),
    ]
    assert snapshot() == before


def test_place_order_duplicate_external_id_is_a_conflict(order: Order) -> None:
    actions.place_order(draft=order_draft(("TEE-RED-M", 1), external_id="X1"), actor=None)
    before = snapshot()

    with pytest.raises(Conflict) as raised:
        actions.place_order(draft=order_draft(("TEE-RED-M", 1), external_id="X1"), actor=None)

    assert raised.value.code == "duplicate_order"
    assert snapshot() == before


def test_place_order_by_warehouse_staff_is_denied(tee: Sku, warehouse_user: User) -> None:
    before = snapshot()

    with pytest.raises(PermissionDenied):
        place(("TEE-RED-M", 1), actor=warehouse_user)

    assert snapshot() == before


def test_place_order_unknown_shop(tee: Sku) -> None:
    with pytest.raises(ValidationFailed) as raised:
        place(("TEE-RED-M", 1), shop="nowhere")

    assert set(raised.value.fields) == {"shop"}


# --- cancel and expire -------------------------------------------------------------


def test_cancel_order_closes_releases_and_writes_closed(order: Order, agent: User) -> None:
    closed = actions.cancel_order(order=order, actor=agent, reason=" 买家不要了 ")

    assert (closed.status, closed.close_reason) == ("closed", "买家不要了")
    assert stock("TEE-RED-M") == (100, 0)
    assert list(closed.lines.values_list("reserved_quantity", flat=True)) == [0]
    assert _last(order) == (
        "closed",
        "agent",
        {"status_before": "unpaid", "status_after": "closed", "reason": "买家不要了", "action": "cancel"},
    )


def test_cancel_paid_order_writes_closed_then_refund(order: Order, agent: User) -> None:
    advance(order, "approved")

    actions.cancel_order(order=order, actor=agent, reason="缺货")

    assert _events(order)[-2:] == [
        (
            "closed",
            "agent",
            {"status_before": "approved", "status_after": "closed", "reason": "缺货", "action": "cancel"},
        ),
        ("refund_recorded", "agent", {"amount": "118.00", "reason": "缺货"}),
    ]
    assert Order.objects.get().payment_status == "refunded"


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_without_reason_writes_nothing(order: Order, agent: User, reason: str) -> None:
    before = snapshot()

    with pytest.raises(ValidationFailed) as raised:
        actions.cancel_order(order=order, actor=agent, reason=reason)

    assert set(raised.value.fields) == {"reason"}
    assert snapshot() == before


@pytest.mark.parametrize("status", ["shipped", "delivered", "completed", "closed"])
def test_cancel_in_a_later_state_is_an_invalid_transition(order: Order, agent: User, status: str) -> None:
    advance(order, status)
    before = snapshot()

    with pytest.raises(InvalidTransition) as raised:
        actions.cancel_order(order=order, actor=agent, reason="x")

    assert (raised.value.current, raised.value.action) == (status, "cancel")
    assert snapshot() == before


def test_close_expired_order_once_and_only_after_the_deadline(order: Order) -> None:
    deadline = T0 + timedelta(days=7)

    with translation.override("en"):
        early = actions.close_expired_order(order_id=order.pk, now=deadline - timedelta(seconds=1))
        on_time = actions.close_expired_order(order_id=order.pk, now=deadline)
        again = actions.close_expired_order(order_id=order.pk, now=deadline)

    assert (early, on_time, again) == (False, True, False)
    closed = Order.objects.get()
    assert (closed.status, closed.closed_at) == ("closed", deadline)
    assert stock("TEE-RED-M") == (100, 0)
    assert [event for event in _events(order) if event[0] == "closed"] == [
        (
            "closed",
            None,
            {
                "status_before": "unpaid",
                "status_after": "closed",
                "reason": {"code": "closed_not_paid"},
                "action": "expire",
            },
        )
    ]
    with translation.override("en"):  # the reason is a code, read in the reader's language
        assert (closed.close_reason_text, describe_event(closed.events.get(type="closed"))) == (
            "Not paid in time",
            "Not paid in time",
        )


# --- approve, ship, deliver, confirm ----------------------------------------------


def test_approve_order_writes_approved(order: Order, agent: User) -> None:
    advance(order, "pending_review")

    approved = actions.approve_order(order=order, actor=agent)

    assert approved.status == "approved"
    assert _last(order) == ("approved", "agent", {"status_before": "pending_review", "status_after": "approved"})


def test_approve_an_unpaid_order_is_refused(order: Order, agent: User) -> None:
    before = snapshot()

    with pytest.raises(InvalidTransition):
        actions.approve_order(order=order, actor=agent)

    assert snapshot() == before


def test_approve_by_warehouse_staff_is_denied(order: Order, warehouse_user: User) -> None:
    advance(order, "pending_review")
    before = snapshot()

    with pytest.raises(PermissionDenied):
        actions.approve_order(order=order, actor=warehouse_user)

    assert snapshot() == before


def test_ship_order_moves_stock_and_writes_shipped(order: Order, warehouse_user: User) -> None:
    advance(order, "approved")
    at = timezone.now() + timedelta(hours=1)

    shipped = actions.ship_order(order=order, actor=warehouse_user, carrier="顺丰", tracking_number=" SF123 ", at=at)

    assert (shipped.status, shipped.carrier, shipped.tracking_number, shipped.shipped_at, shipped.auto_confirm_at) == (
        "shipped",
        "顺丰",
        "SF123",
        at,
        at + timedelta(days=10),
    )
    assert stock("TEE-RED-M") == (98, 0)
    assert _last(order) == (
        "shipped",
        "picker",
        {"status_before": "approved", "status_after": "shipped", "carrier": "顺丰", "tracking_number": "SF123"},
    )
    movement = StockMovement.objects.get(kind=MovementKind.SHIP)
    assert (movement.on_hand_delta, movement.reserved_delta, movement.actor, movement.at) == (
        -2,
        -2,
        warehouse_user,
        at,
    )


def test_ship_by_post_auto_confirms_after_30_days(tee: Sku) -> None:
    order = advance(place(("TEE-RED-M", 1), shipping_method="post"), "approved")

    shipped = actions.ship_order(order=order, actor=None, carrier="中国邮政", tracking_number="PO1", at=T0)

    assert shipped.auto_confirm_at == T0 + timedelta(days=30)


@pytest.mark.parametrize(
    ("carrier", "tracking", "fields"),
    [("", "SF1", {"carrier"}), ("顺丰", " ", {"tracking_number"}), (" ", "", {"carrier", "tracking_number"})],
)
def test_ship_without_carrier_or_tracking_writes_nothing(
    order: Order, carrier: str, tracking: str, fields: set[str]
) -> None:
    advance(order, "approved")
    before = snapshot()

    with pytest.raises(ValidationFailed) as raised:
        actions.ship_order(order=order, actor=None, carrier=carrier, tracking_number=tracking)

    assert set(raised.value.fields) == fields
    assert snapshot() == before


def test_ship_before_approval_writes_nothing(order: Order) -> None:
    advance(order, "pending_review")
    before = snapshot()

    with pytest.raises(InvalidTransition) as raised:
        actions.ship_order(order=order, actor=None, carrier="顺丰", tracking_number="SF1")

    assert (raised.value.current, raised.value.action) == ("pending_review", "ship")
    assert snapshot() == before


def test_deliver_and_confirm_receipt_write_their_events(order: Order, agent: User) -> None:
    advance(order, "shipped")

    actions.deliver_order(order=order, actor=agent)
    completed = actions.confirm_receipt(order=order, actor=agent)

    assert completed.status == "completed"
    assert _events(order)[-2:] == [
        ("delivered", "agent", {"status_before": "shipped", "status_after": "delivered"}),
        ("receipt_confirmed", "agent", {"status_before": "delivered", "status_after": "completed", "automatic": False}),
    ]
    done = Order.objects.get()
    assert done.shipped_at <= done.delivered_at <= done.completed_at  # type: ignore[operator]


def test_auto_confirm_receipt_is_done_by_the_system_when_due(order: Order) -> None:
    advance(order, "approved")
    actions.ship_order(order=order, actor=None, carrier="顺丰", tracking_number="SF1", at=T0)
    due = T0 + timedelta(days=10)

    early = actions.auto_confirm_receipt(order_id=order.pk, now=due - timedelta(seconds=1))
    on_time = actions.auto_confirm_receipt(order_id=order.pk, now=due)
    again = actions.auto_confirm_receipt(order_id=order.pk, now=due)

    assert (early, on_time, again) == (False, True, False)
    assert Order.objects.get().completed_at == due
    assert _last(order) == (
        "receipt_confirmed",
        None,
        {"status_before": "shipped", "status_after": "completed", "automatic": True},
    )


def test_confirm_receipt_by_warehouse_staff_is_denied(order: Order, warehouse_user: User) -> None:
    advance(order, "shipped")
    before = snapshot()

    with pytest.raises(PermissionDenied):
        actions.confirm_receipt(order=order, actor=warehouse_user)

    assert snapshot() == before


# --- prices, notes, flags, payment -------------------------------------------------


def test_change_line_prices_writes_before_and_after(order: Order, agent: User) -> None:
    changed = actions.change_line_prices(order=order, actor=agent, prices={1: Decimal("50")}, reason="议价")

    assert (changed.subtotal, changed.total) == (Decimal("100.00"), Decimal("100.00"))
    assert _last(order) == (
        "price_changed",
        "agent",
        {
            "lines": [{"sku": "TEE-RED-M", "position": 1, "before": "59.00", "after": "50.00"}],
            "total_before": "118.00",
            "total_after": "100.00",
            "reason": "议价",
        },
    )


def test_change_line_prices_on_a_paid_order_writes_nothing(order: Order, agent: User) -> None:
    advance(order, "pending_review")
    before = snapshot()

    with pytest.raises(InvalidTransition):
        actions.change_line_prices(order=order, actor=agent, prices={1: Decimal("1")})

    assert snapshot() == before


def test_change_line_prices_of_a_missing_line_writes_nothing(order: Order, agent: User) -> None:
    before = snapshot()

    with pytest.raises(ValidationFailed):
        actions.change_line_prices(order=order, actor=agent, prices={1: Decimal("1"), 9: Decimal("1")})

    assert snapshot() == before


def test_add_note_writes_note_added(order: Order, agent: User) -> None:
    note = actions.add_note(order=order, actor=agent, text=" 已催付 ")

    assert (note.text, note.author) == ("已催付", agent)
    local = note.at.astimezone(SHANGHAI)
    assert note.display == f"{local.month}.{local.day} 阿华 已催付"
    assert _last(order) == ("note_added", "agent", {"note_id": note.pk, "text": "已催付"})


@pytest.mark.parametrize("text", ["", "  ", "x" * 501])
def test_bad_note_writes_nothing(order: Order, agent: User, text: str) -> None:
    before = snapshot()

    with pytest.raises(ValidationFailed):
        actions.add_note(order=order, actor=agent, text=text)

    assert snapshot() == before
    assert OrderNote.objects.count() == 0


def test_set_flag_writes_before_and_after(order: Order, agent: User) -> None:
    actions.set_flag(order=order, actor=agent, color="orange", reason="地址可疑")

    assert _last(order) == (
        "flagged",
        "agent",
        {"before": {"color": "", "reason": ""}, "after": {"color": "orange", "reason": "地址可疑"}},
    )


def test_full_payment_writes_payment_recorded_and_paid(order: Order, agent: User) -> None:
    payment = record_payment(
        order=order, amount=Decimal("118"), method="remittance", reference="B1", actor=agent, at=T0
    )

    assert _events(order)[-2:] == [
        (
            "payment_recorded",
            "agent",
            {
                "payment_id": payment.pk,
                "amount": "118.00",
                "method": "remittance",
                "gateway": "",
                "reference": "B1",
                "paid_amount": "118.00",
            },
        ),
        ("paid", "agent", {"status_before": "unpaid", "status_after": "pending_review"}),
    ]


def test_stock_count_by_an_agent_is_denied(tee: Sku, agent: User) -> None:
    before = snapshot()

    with pytest.raises(PermissionDenied):
        set_on_hand(sku=tee, on_hand=1, actor=agent)

    assert snapshot() == before
