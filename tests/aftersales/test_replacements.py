"""Goods going out for a case (aftersales.replacements): the exchange's replacement, the
reissue, the repaired goods, each an order at price 0 through the spine; the case moves on
when that order ships; parcel-problem outcomes carried out as cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sellerdesk.aftersales import actions, replacements, returns
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseStatus
from sellerdesk.aftersales.returns import Grade, Received
from sellerdesk.core.errors import Conflict
from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.exceptions import resolve_exception
from sellerdesk.logistics.models import Carrier, CarrierCoverage, LogisticsException, Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order, shipped_order
from tests.factories import make_sku

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def skus(db: Any) -> tuple[Any, Any]:
    load_default_carriers(Carrier, CarrierCoverage)
    return make_sku("TEE-M", price="59.00", stock=20), make_sku("TEE-L", price="59.00", stock=20)


def inspected_exchange(agent: Any, warehouse_user: Any, replacement_sku_id: int | None) -> Case:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(
        order=order,
        type="exchange",
        reason="wrong_size",
        lines=[LineRequest(order.lines.get().pk, 1, replacement_sku_id=replacement_sku_id)],
        actor=agent,
    )
    case = actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    case = returns.receive_return(case=case, lines=[Received(line.pk, 1)], actor=warehouse_user)
    return returns.inspect_return(case=case, grades=[Grade(line.pk, 1, 0, "restock")], actor=warehouse_user)


def test_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)

    assert replacements.replacement_due(friday, 2) == datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)
    assert replacements.replacement_due(saturday, 2) == datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    assert replacements.replacement_due(saturday, 0) == datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def test_an_exchange_extends_the_orders_receipt_confirmation(skus: Any, agent: Any) -> None:
    order = delivered_order(("TEE-M", 1))
    before = order.auto_confirm_at
    case = actions.open_case(
        order=order, type="exchange", reason="wrong_size", lines=[LineRequest(order.lines.get().pk, 1)], actor=agent
    )

    actions.approve_case(case=case, actor=agent)

    assert Order.objects.get(pk=order.pk).auto_confirm_at == before + timedelta(days=10 + 2 + 7)


def test_the_exchange_goes_out_as_a_free_approved_order_of_the_other_size(
    skus: Any, agent: Any, warehouse_user: Any
) -> None:
    _medium, large = skus
    case = inspected_exchange(agent, warehouse_user, large.pk)
    assert case.replacement_due_at is not None

    replacement = replacements.send_replacement(case=case, actor=agent)

    assert replacement.status == "approved" and replacement.payment_status == "paid"
    assert replacement.total == Decimal("0.00")
    assert [(line.sku_code, line.quantity, line.unit_price) for line in replacement.lines.all()] == [
        ("TEE-L", 1, Decimal("0.00"))
    ]
    assert (replacement.buyer_phone, replacement.address_detail) == (case.order.buyer_phone, case.order.address_detail)
    case.refresh_from_db()
    assert case.replacement_order_id == replacement.pk
    assert replacements.send_replacement(case=case, actor=agent).pk == replacement.pk  # once

    order_actions.ship_order(order=replacement, actor=None, carrier="SF", tracking_number="SF7770001")

    case.refresh_from_db()
    assert case.status == CaseStatus.REPLACEMENT_SHIPPED
    assert actions.close_case(case=case, actor=agent).status == CaseStatus.CLOSED


def test_a_replacement_waits_for_the_inspection(skus: Any, agent: Any) -> None:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(
        order=order, type="exchange", reason="wrong_size", lines=[LineRequest(order.lines.get().pk, 1)], actor=agent
    )
    case = actions.approve_case(case=case, actor=agent)

    with pytest.raises(Conflict):
        replacements.send_replacement(case=case, actor=agent)
    assert Order.objects.count() == 1


def test_late_replacements_are_listed(skus: Any, agent: Any, warehouse_user: Any) -> None:
    case = inspected_exchange(agent, warehouse_user, None)

    assert list(replacements.late_replacements(now=timezone.now())) == []
    assert list(replacements.late_replacements(now=case.replacement_due_at + timedelta(minutes=1))) == [case]


def test_a_reissue_is_sent_when_approved(skus: Any, agent: Any) -> None:
    order = delivered_order(("TEE-M", 2))
    case = actions.open_case(
        order=order, type="reissue", reason="missing_parts", lines=[LineRequest(order.lines.get().pk, 1)], actor=agent
    )

    case = actions.approve_case(case=case, actor=agent)

    assert case.status == CaseStatus.APPROVED
    assert case.replacement_order.lines.get().quantity == 1


def test_a_repair_is_inspected_repaired_then_sent_back(skus: Any, agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-M", 1))
    case = actions.open_case(
        order=order, type="repair", reason="quality", lines=[LineRequest(order.lines.get().pk, 1)], actor=agent
    )
    case = actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    returns.receive_return(case=case, lines=[Received(line.pk, 1)], actor=warehouse_user)
    returns.inspect_return(case=case, grades=[Grade(line.pk, 0, 1, "defective")], actor=warehouse_user)

    case = replacements.start_repair(case=case, actor=agent, note="换拉链")
    assert case.status == CaseStatus.REPAIRING
    replacement = replacements.send_replacement(case=case, actor=agent)
    order_actions.ship_order(order=replacement, actor=None, carrier="SF", tracking_number="SF7770002")

    case.refresh_from_db()
    assert case.status == CaseStatus.REPLACEMENT_SHIPPED


def problem_of(order: Order) -> LogisticsException:
    shipment = Shipment.objects.get(order=order, direction="outbound")
    return LogisticsException.objects.create(
        shipment=shipment,
        order=order,
        kind="lost",
        detail="丢件",
        suggestion="",
        detected_at=timezone.now(),
    )


def test_a_reship_on_the_desk_becomes_an_approved_reissue_with_its_order(skus: Any, agent: Any) -> None:
    order = shipped_order(("TEE-M", 2))

    resolve_exception(exception=problem_of(order), outcome="reship", note="补发", actor=agent)

    case = Case.objects.get(order=order)
    assert (case.type, case.source, case.reason, case.status) == (
        "reissue",
        "parcel_problem",
        "not_received",
        "approved",
    )
    assert case.replacement_order.lines.get().quantity == 2


def test_a_refund_on_the_desk_becomes_a_refund_only_case(skus: Any, agent: Any) -> None:
    order = shipped_order(("TEE-M", 1))

    resolve_exception(exception=problem_of(order), outcome="refund", note="退款", actor=agent)

    case = Case.objects.get(order=order)
    assert (case.type, case.source) == ("refund_only", "parcel_problem")
    assert case.status in (CaseStatus.REFUNDING, CaseStatus.REFUNDED)


def test_forward_and_wait_open_no_case(skus: Any, agent: Any) -> None:
    order = shipped_order(("TEE-M", 1))
    resolve_exception(
        exception=problem_of(order), outcome="forward", note="转寄", extra_fee=Decimal("8.00"), actor=agent
    )
    assert not Case.objects.exists()
