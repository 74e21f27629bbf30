"""change_order_lines, correct_address, choose_carrier: success and failure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import InsufficientStock, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.orders import changes
from sellerdesk.orders.changes import LineChange, NewAddress
from sellerdesk.orders.models import Order, OrderEventType, OrderHold
from sellerdesk.orders.review import actions as review
from sellerdesk.payments.models import Payment, PaymentKind
from tests.api.helpers import advance, stock
from tests.changes.conftest import everything, ledger, paid
from tests.review.conftest import cod


def _event(order: Order, kind: str) -> dict:
    return order.events.filter(type=kind).get().data


def test_swap_colour_reserves_new_sku_releases_old_and_owes_difference(tee: Sku, blue: Sku, agent: User) -> None:
    # given a paid order of 2 red tees at 59
    order = paid(("TEE-RED-M", 2))
    # when the agent swaps it for the blue one (list price 69)
    changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, sku="TEE-BLU-M")])
    # then stock moved exactly
    order.refresh_from_db()
    assert stock("TEE-RED-M") == (100, 0)
    assert stock("TEE-BLU-M") == (5, 2)
    assert ledger(order) == [("reserve", "TEE-RED-M", 2), ("reserve", "TEE-BLU-M", 2), ("release", "TEE-RED-M", -2)]
    assert list(order.lines.values_list("position", "sku_code", "quantity", "unit_price", "reserved_quantity")) == [
        (1, "TEE-BLU-M", 2, Decimal("69.00"), 2)
    ]
    # and the buyer owes 20: the order is held until it is paid
    assert (order.total, order.subtotal, order.payment_status) == (Decimal("138.00"), Decimal("138.00"), "paid")
    assert order.status == "on_hold"
    hold = OrderHold.objects.get(order=order)
    assert (hold.reason, hold.suggestion, hold.resolved_at) == ("balance_due", {"balance_due": "20.00"}, None)
    data = _event(order, changes.LINES_CHANGED)
    assert data["lines_before"] == [{"line": 1, "sku": "TEE-RED-M", "quantity": 2, "unit_price": "59.00"}]
    assert data["lines_after"] == [{"line": 1, "sku": "TEE-BLU-M", "quantity": 2, "unit_price": "69.00"}]
    assert (data["total_before"], data["total_after"], data["balance_due"], data["refund"]) == (
        "118.00",
        "138.00",
        "20.00",
        "0.00",
    )
    assert _event(order, OrderEventType.HELD)["status_before"] == "pending_review"
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 0


def test_lower_quantity_refunds_the_difference(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 3))
    changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, quantity=1)])
    order.refresh_from_db()
    assert stock("TEE-RED-M") == (100, 1)
    assert ledger(order) == [("reserve", "TEE-RED-M", 3), ("release", "TEE-RED-M", -2)]
    assert (order.total, order.refunded_amount, order.payment_status, order.status) == (
        Decimal("59.00"),
        Decimal("118.00"),
        "partially_refunded",
        "pending_review",
    )
    refund = Payment.objects.get(kind=PaymentKind.REFUND)
    assert (refund.order_id, refund.amount) == (order.pk, Decimal("118.00"))
    assert _event(order, OrderEventType.REFUND_RECORDED)["amount"] == "118.00"
    assert _event(order, changes.LINES_CHANGED)["refund"] == "118.00"
    assert not OrderHold.objects.filter(order=order).exists()


def test_add_and_remove_lines(tee: Sku, cap: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1), ("CAP-1", 2))
    changes.change_order_lines(
        order=order,
        actor=agent,
        changes=[LineChange(line=2, remove=True), LineChange(sku="CAP-1", quantity=1, unit_price=Decimal("15.00"))],
    )
    order.refresh_from_db()
    assert list(order.lines.values_list("position", "sku_code", "quantity", "unit_price")) == [
        (1, "TEE-RED-M", 1, Decimal("59.00")),
        (3, "CAP-1", 1, Decimal("15.00")),
    ]
    assert stock("CAP-1") == (10, 1)
    assert ledger(order)[-1] == ("release", "CAP-1", -1)
    assert (order.total, order.refunded_amount) == (Decimal("74.00"), Decimal("25.00"))


def test_cod_order_only_changes_its_total(tee: Sku, agent: User) -> None:
    order = cod(("TEE-RED-M", 1))
    changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, quantity=2)])
    order.refresh_from_db()
    assert (order.total, order.status, order.payment_status, order.refunded_amount) == (
        Decimal("118.00"),
        "pending_review",
        "cod",
        Decimal("0.00"),
    )
    assert stock("TEE-RED-M") == (100, 2)


def test_insufficient_stock_changes_nothing(tee: Sku, blue: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 6))
    before = everything(order)
    with pytest.raises(InsufficientStock) as raised:
        changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, sku="TEE-BLU-M")])
    assert [line.sku for line in raised.value.lines] == ["TEE-BLU-M"]
    assert everything(order) == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (LineChange(line=9, quantity=1), "changes[0].line"),
        (LineChange(line=1, sku="NOPE"), "changes[0].sku"),
        (LineChange(line=1, quantity=0), "changes[0].quantity"),
        (LineChange(line=1), "changes[0]"),
        (LineChange(sku="TEE-RED-M"), "changes[0].quantity"),
        (LineChange(line=1, remove=True), "changes"),
    ],
)
def test_bad_changes_are_422_and_change_nothing(tee: Sku, agent: User, change: LineChange, path: str) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    with pytest.raises(ValidationFailed) as raised:
        changes.change_order_lines(order=order, actor=agent, changes=[change])
    assert list(raised.value.fields) == [path]
    assert everything(order) == before


def test_approved_order_lines_cannot_change(tee: Sku, agent: User) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "approved")
    before = everything(order)
    with pytest.raises(InvalidTransition):
        changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, quantity=2)])
    assert everything(order) == before


def test_correct_address_resolves_address_holds(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    review.hold_order(order=order, actor=agent, reason="地址待确认")
    OrderHold.objects.create(order=order, reason="address", message="区不对", created_at=order.created_at)
    changes.correct_address(order=order, actor=agent, address=NewAddress("浙江省", "杭州市", "滨江区", "江南大道 1 号"))
    order.refresh_from_db()
    assert (order.province, order.city, order.district, order.address_detail) == (
        "浙江省",
        "杭州市",
        "滨江区",
        "江南大道 1 号",
    )
    assert list(OrderHold.objects.filter(order=order).order_by("pk").values_list("reason", "resolved_by")) == [
        ("manual", None),
        ("address", agent.pk),
    ]
    data = _event(order, changes.ADDRESS_CORRECTED)
    assert data["before"] == {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"}
    assert data["after"]["district"] == "滨江区"
    assert data["resolved_holds"] == 1


def test_unreal_address_is_422_naming_fields(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    with pytest.raises(ValidationFailed) as raised:
        changes.correct_address(order=order, actor=agent, address=NewAddress("浙江省", "杭州市", "天河区", ""))
    assert set(raised.value.fields) == {"district", "detail"}
    assert everything(order) == before


def test_shipped_order_address_cannot_change(tee: Sku, agent: User) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "shipped")
    before = everything(order)
    with pytest.raises(InvalidTransition):
        changes.correct_address(
            order=order, actor=agent, address=NewAddress("浙江省", "杭州市", "滨江区", "江南大道 1 号")
        )
    assert everything(order) == before


def test_an_approved_order_address_and_carrier_still_change(tee: Sku, agent: User) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "approved")
    changes.correct_address(order=order, actor=agent, address=NewAddress("浙江省", "杭州市", "滨江区", "江南大道 1 号"))
    changes.choose_carrier(order=order, actor=agent, carrier_code="ZTO")
    order.refresh_from_db()
    assert (order.status, order.district, order.carrier) == ("approved", "滨江区", "ZTO")


def test_once_the_warehouse_has_the_order_its_address_and_carrier_cannot_change(tee: Sku, agent: User) -> None:
    # Not only a shipped order: allocation chose the warehouse by the address, and the
    # warehouse books the parcel with the carrier (the docs' "until it ships" predates allocation).
    order = advance(paid(("TEE-RED-M", 1)), "approved")
    allocate_order(order=order, actor=None)
    before = everything(order)
    assert before["order"][0] == "allocated"
    with pytest.raises(InvalidTransition):
        changes.correct_address(
            order=order, actor=agent, address=NewAddress("浙江省", "杭州市", "滨江区", "江南大道 1 号")
        )
    with pytest.raises(InvalidTransition):
        changes.choose_carrier(order=order, actor=agent, carrier_code="ZTO")
    assert everything(order) == before


def test_choose_carrier_records_it_and_resolves_carrier_holds(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    OrderHold.objects.create(order=order, reason="carrier", message="超区", created_at=order.created_at)
    changes.choose_carrier(order=order, actor=agent, carrier_code="ZTO")
    order.refresh_from_db()
    assert order.carrier == "ZTO"
    assert OrderHold.objects.get(order=order).resolved_by_id == agent.pk
    data = _event(order, changes.CARRIER_CHOSEN)
    assert (data["before"], data["after"], data["resolved_holds"]) == ("", "ZTO", 1)


def test_carrier_that_does_not_reach_is_422(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    changes.correct_address(
        order=order, actor=agent, address=NewAddress("西藏自治区", "阿里地区", "噶尔县", "狮泉河镇 1 号")
    )
    before = everything(order)
    for code in ("ZTO", "NOPE"):
        with pytest.raises(ValidationFailed) as raised:
            changes.choose_carrier(order=order, actor=agent, carrier_code=code)
        assert list(raised.value.fields) == ["carrier"]
    assert everything(order) == before
    changes.choose_carrier(order=order, actor=agent, carrier_code="SF")
    assert Order.objects.get(pk=order.pk).carrier == "SF"
