"""Every after-sales case type end to end on PostgreSQL (real commits, on-commit work
run), and two agents opening cases on the same order line at once: never more units
asked back than went out."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.aftersales import actions, replacements, returns
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseLine, CaseStatus
from sellerdesk.aftersales.returns import Grade, Received
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import StockLevel, StockMovement, Warehouse
from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.models import Carrier, CarrierCoverage, Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order, paid_order
from tests.factories import make_sku, make_user
from tests.pg.test_concurrency import run_together

REFUND_MOVING = (CaseStatus.REFUNDING, CaseStatus.REFUNDED)


@pytest.fixture
def people(shop: Any) -> dict[str, Any]:
    Warehouse.objects.filter(pk=default_warehouse().pk).update(
        contact_name="主仓", phone="0571-88888888", province="浙江省", city="杭州市", district="余杭区",
        address_detail="仓前街道 1 号",
    )  # fmt: skip
    load_default_carriers(Carrier, CarrierCoverage)
    make_sku("TEE-M", price="59.00", stock=100)
    make_sku("TEE-L", price="59.00", stock=100)
    return {
        "agent": make_user("agent", "agent", "阿华"),
        "boss": make_user("boss", "supervisor", "主管"),
        "picker": make_user("picker", "warehouse", "小王"),
    }


def line_of(order: Order) -> int:
    return order.lines.get().pk


@pytest.mark.django_db(transaction=True)
def test_refund_before_shipping(people: dict[str, Any]) -> None:
    order = paid_order(("TEE-M", 1))
    case = actions.open_case(
        order=order, type="refund_before_shipping", reason="no_longer_wanted", lines=[LineRequest(line_of(order), 1)],
        actor=people["agent"],
    )  # fmt: skip
    case = actions.approve_case(case=case, actor=people["agent"])
    assert case.status in REFUND_MOVING
    assert Order.objects.get(pk=order.pk).status == "closed"  # every unit refunded before shipping


@pytest.mark.django_db(transaction=True)
def test_refund_only(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(
        order=order, type="refund_only", reason="missing_parts", lines=[LineRequest(line_of(order), 1)],
        requested_amount=order.paid_amount - 40, actor=people["agent"],
    )  # fmt: skip
    assert actions.approve_case(case=case, actor=people["agent"]).status in REFUND_MOVING


@pytest.mark.django_db(transaction=True)
def test_return_and_refund_with_a_pickup(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 2))
    on_hand = StockLevel.objects.get(sku__code="TEE-M").on_hand
    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 2)],
        actor=people["agent"],
    )  # fmt: skip
    case = actions.approve_case(case=case, actor=people["agent"])
    case = returns.book_return_pickup(case=case, actor=people["agent"])
    assert Shipment.objects.get(direction="return").tracking_number == case.return_tracking_number
    found = returns.find_case_to_receive(code=case.return_tracking_number, actor=people["picker"])
    line = found.lines.get()
    returns.receive_return(case=found, lines=[Received(line.pk, 2)], actor=people["picker"])
    case = returns.inspect_return(case=found, grades=[Grade(line.pk, 1, 1, "defective")], actor=people["picker"])
    assert case.inspection_result == "partial"
    level = StockLevel.objects.get(sku__code="TEE-M")
    assert (level.on_hand, level.defective) == (on_hand + 1, 1)
    assert StockMovement.objects.filter(document=case.number).count() == 2
    assert Order.objects.get(pk=order.pk).status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_no_reason_return_goes_straight_to_its_refund(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(
        order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line_of(order), 1)],
        actor=people["agent"],
    )  # fmt: skip
    case = actions.approve_case(case=case, actor=people["agent"])
    returns.register_return_parcel(
        case=case, carrier_code="YTO", tracking_number="YT20261201", actor=None, by_buyer=True
    )
    case = returns.receive_return(case=case, lines=[Received(case.lines.get().pk, 1)], actor=people["picker"])
    assert case.status in REFUND_MOVING


@pytest.mark.django_db(transaction=True)
def test_exchange(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 1))
    large = make_sku("TEE-XL", price="59.00", stock=3)
    case = actions.open_case(
        order=order, type="exchange", reason="wrong_size",
        lines=[LineRequest(line_of(order), 1, replacement_sku_id=large.pk)], actor=people["agent"],
    )  # fmt: skip
    case = actions.approve_case(case=case, actor=people["agent"])
    line = case.lines.get()
    returns.receive_return(case=case, lines=[Received(line.pk, 1)], actor=people["picker"])
    returns.inspect_return(case=case, grades=[Grade(line.pk, 1, 0, "restock")], actor=people["picker"])
    replacement = replacements.send_replacement(case=case, actor=people["agent"])
    assert StockLevel.objects.get(sku=large).reserved == 1
    order_actions.ship_order(order=replacement, actor=None, carrier="SF", tracking_number="SF20261202")
    case = actions.close_case(case=Case.objects.get(pk=case.pk), actor=people["agent"])
    assert case.status == CaseStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_reissue_and_repair(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 3))
    reissue = actions.open_case(
        order=order, type="reissue", reason="missing_parts", lines=[LineRequest(line_of(order), 1)],
        actor=people["agent"],
    )  # fmt: skip
    reissue = actions.approve_case(case=reissue, actor=people["agent"])
    order_actions.ship_order(order=reissue.replacement_order, actor=None, carrier="SF", tracking_number="SF20261203")
    assert Case.objects.get(pk=reissue.pk).status == CaseStatus.REPLACEMENT_SHIPPED

    repair = actions.open_case(
        order=order, type="repair", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=people["agent"]
    )
    repair = actions.approve_case(case=repair, actor=people["agent"])
    line = repair.lines.get()
    returns.receive_return(case=repair, lines=[Received(line.pk, 1)], actor=people["picker"])
    returns.inspect_return(case=repair, grades=[Grade(line.pk, 0, 1, "defective")], actor=people["picker"])
    replacements.start_repair(case=repair, actor=people["agent"], note="换拉链")
    sent = replacements.send_replacement(case=repair, actor=people["agent"])
    order_actions.ship_order(order=sent, actor=None, carrier="SF", tracking_number="SF20261204")
    assert Case.objects.get(pk=repair.pk).status == CaseStatus.REPLACEMENT_SHIPPED


@pytest.mark.django_db(transaction=True)
def test_complaint(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(order=order, type="complaint", reason="service", lines=[], actor=people["agent"])
    case = actions.approve_case(case=case, actor=people["agent"])
    assert actions.close_case(case=case, actor=people["agent"]).status == CaseStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_agents_opening_cases_on_one_line_at_once_never_ask_more_than_went_out(people: dict[str, Any]) -> None:
    order = delivered_order(("TEE-M", 3))
    order_line = line_of(order)

    def open_one(index: int) -> str:
        try:
            case = actions.open_case(
                order=order, type="return_refund", reason="quality", lines=[LineRequest(order_line, 1)],
                actor=people["agent"],
            )  # fmt: skip
        except ValidationFailed as refused:
            return next(iter(refused.fields))
        return case.number

    outcomes = run_together(threads=6, rounds=1, work=open_one)

    assert outcomes.errors == []
    assert sorted(result for result in outcomes.results if not result.startswith("AS")) == ["lines[0].quantity"] * 3
    assert CaseLine.objects.filter(order_line_id=order_line).aggregate(total=Sum("quantity"))["total"] == 3
