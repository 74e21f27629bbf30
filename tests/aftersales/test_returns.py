"""The return leg (aftersales.returns): the return parcel tracked without moving the order,
a pickup booked through the carrier, the warehouse finding, counting and grading the goods,
stock and ledger as they should be."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sellerdesk.aftersales import actions, returns
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseStatus
from sellerdesk.aftersales.returns import Grade, Received
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.logistics.carriers.base import CarrierTrackingEvent
from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.exceptions import detect_stale
from sellerdesk.logistics.models import Carrier, CarrierCoverage, LogisticsException, Shipment
from sellerdesk.logistics.shipped_elsewhere import register_tracking
from sellerdesk.logistics.tracking import record_events
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order, shipped_order
from tests.factories import make_sku

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def carriers(db: Any) -> None:
    from sellerdesk.inventory.actions import default_warehouse
    from sellerdesk.inventory.models import Warehouse

    # The return goes to the main warehouse, in 杭州 (an address the carriers reach).
    Warehouse.objects.filter(pk=default_warehouse().pk).update(
        contact_name="主仓", phone="0571-88888888", province="浙江省", city="杭州市", district="余杭区",
        address_detail="仓前街道 1 号",
    )  # fmt: skip
    load_default_carriers(Carrier, CarrierCoverage)


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="59.00", stock=50)


def awaiting_return(agent: Any, *, type: str = "return_refund", reason: str = "quality", units: int = 2) -> Case:
    order = delivered_order(("TEE", 2))
    case = actions.open_case(
        order=order, type=type, reason=reason, lines=[LineRequest(order.lines.get().pk, units)], actor=agent
    )
    return actions.approve_case(case=case, actor=agent)


def level(sku: Any) -> tuple[int, int]:
    row = StockLevel.objects.get(sku=sku)
    return row.on_hand, row.defective


def test_the_buyers_return_parcel_is_tracked_and_never_moves_the_order(tee: Any, agent: Any) -> None:
    case = awaiting_return(agent)

    case = returns.register_return_parcel(
        case=case, carrier_code="圆通", tracking_number="YT9876543210", actor=None, by_buyer=True
    )

    parcel = Shipment.objects.get(direction="return")
    assert (case.return_carrier, case.return_tracking_number) == ("YTO", "YT9876543210")
    assert parcel.order_id == case.order_id and parcel.status == "tracking_requested"
    assert register_tracking(shipment_id=parcel.pk)
    parcel.refresh_from_db()
    assert parcel.status == "handed_over"
    record_events(
        shipment=parcel,
        events=[CarrierTrackingEvent("yt-1", "YT9876543210", "delivered", timezone.now(), "杭州", "仓库签收")],
        source="webhook",
    )
    parcel.refresh_from_db()
    assert parcel.status == "delivered"
    assert Order.objects.get(pk=case.order_id).status == "delivered"  # as it was, not moved by the return


def test_a_return_parcel_that_goes_quiet_is_a_problem_on_the_desk(tee: Any, agent: Any) -> None:
    case = awaiting_return(agent)
    returns.register_return_parcel(case=case, carrier_code="YTO", tracking_number="YT1111111111", actor=agent)
    parcel = Shipment.objects.get(direction="return")
    register_tracking(shipment_id=parcel.pk)

    assert detect_stale(timezone.now() + timedelta(days=3)) == 1

    assert LogisticsException.objects.get().shipment_id == parcel.pk


def test_registering_a_return_refuses_bad_input_and_a_second_parcel(tee: Any, agent: Any) -> None:
    case = awaiting_return(agent)
    with pytest.raises(ValidationFailed) as refused:
        returns.register_return_parcel(case=case, carrier_code="NOPE", tracking_number="x", actor=agent)
    assert set(refused.value.fields) == {"carrier_code", "tracking_number"}
    assert not Shipment.objects.filter(direction="return").exists()

    returns.register_return_parcel(case=case, carrier_code="SF", tracking_number="SF5550001", actor=agent)
    returns.register_return_parcel(case=case, carrier_code="SF", tracking_number="SF5550001", actor=agent)  # same: fine
    with pytest.raises(Conflict):
        returns.register_return_parcel(case=case, carrier_code="SF", tracking_number="SF5550002", actor=agent)
    assert Shipment.objects.filter(direction="return").count() == 1


def test_a_return_only_once_the_case_awaits_it(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(order.lines.get().pk, 1)], actor=agent
    )
    with pytest.raises(InvalidTransition):
        returns.register_return_parcel(case=case, carrier_code="SF", tracking_number="SF5550003", actor=agent)


def test_a_pickup_is_booked_with_the_orders_carrier(tee: Any, agent: Any) -> None:
    case = awaiting_return(agent)

    case = returns.book_return_pickup(case=case, actor=agent)

    parcel = Shipment.objects.get(direction="return")
    assert case.return_shipment_id == parcel.pk
    assert parcel.status == "created" and parcel.tracking_number
    assert case.return_tracking_number == parcel.tracking_number
    assert parcel.carrier.code == "SF"
    assert parcel.booking_request["receiver"]["name"]  # the warehouse receives it


def test_the_warehouse_finds_the_case_by_number_or_tracking_number(tee: Any, agent: Any, warehouse_user: Any) -> None:
    case = awaiting_return(agent)
    returns.register_return_parcel(case=case, carrier_code="SF", tracking_number="SF5550004", actor=agent)

    assert returns.find_case_to_receive(code="SF5550004", actor=warehouse_user).pk == case.pk
    assert returns.find_case_to_receive(code=f" {case.number} ", actor=warehouse_user).pk == case.pk
    with pytest.raises(NotFound):
        returns.find_case_to_receive(code="SF0000000", actor=warehouse_user)
    with pytest.raises(PermissionDenied):
        returns.find_case_to_receive(code=case.number, actor=agent)


def test_received_then_inspected_goods_go_to_sellable_and_defective_stock(
    tee: Any, agent: Any, warehouse_user: Any
) -> None:
    case = awaiting_return(agent, reason="quality")
    line = case.lines.get()
    on_hand_before, defective_before = level(tee)

    case = returns.receive_return(case=case, lines=[Received(line.pk, 2)], actor=warehouse_user)
    assert case.status == CaseStatus.RECEIVED  # quality: inspected before the money
    assert level(tee) == (on_hand_before, defective_before)

    case = returns.inspect_return(
        case=case, grades=[Grade(line.pk, 1, 1, "defective")], actor=warehouse_user, note="一件开线"
    )

    assert case.status == CaseStatus.INSPECTED and case.inspection_result == "partial"
    assert level(tee) == (on_hand_before + 1, defective_before + 1)
    movements = StockMovement.objects.filter(document=case.number).order_by("pk")
    assert [(m.kind, m.on_hand_delta, m.defective_delta) for m in movements] == [("return", 1, 0), ("defective", 0, 1)]
    line.refresh_from_db()
    assert (line.received, line.good, line.defective, line.disposition) == (2, 1, 1, "defective")


def test_grades_must_add_up_and_defective_units_never_go_back_on_sale(
    tee: Any, agent: Any, warehouse_user: Any
) -> None:
    case = awaiting_return(agent, reason="quality")
    line = case.lines.get()
    returns.receive_return(case=case, lines=[Received(line.pk, 2)], actor=warehouse_user)
    before = StockMovement.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        returns.inspect_return(case=case, grades=[Grade(line.pk, 1, 0, "restock")], actor=warehouse_user)
    assert list(refused.value.fields) == ["grades[0].good"]
    with pytest.raises(ValidationFailed) as restocked:
        returns.inspect_return(case=case, grades=[Grade(line.pk, 0, 2, "restock")], actor=warehouse_user)
    assert list(restocked.value.fields) == ["grades[0].disposition"]
    assert StockMovement.objects.count() == before
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_receiving_more_than_asked_is_refused(tee: Any, agent: Any, warehouse_user: Any) -> None:
    case = awaiting_return(agent, units=1)
    line = case.lines.get()
    with pytest.raises(ValidationFailed) as refused:
        returns.receive_return(case=case, lines=[Received(line.pk, 2)], actor=warehouse_user)
    assert list(refused.value.fields) == ["lines[0].quantity"]
    with pytest.raises(ValidationFailed) as nothing:
        returns.receive_return(case=case, lines=[Received(line.pk, 0)], actor=warehouse_user)
    assert list(nothing.value.fields) == ["lines"]


def test_a_no_reason_return_skips_inspection_and_goes_back_on_sale(tee: Any, agent: Any, warehouse_user: Any) -> None:
    case = awaiting_return(agent, reason="no_reason", units=1)
    line = case.lines.get()
    on_hand_before, _defective = level(tee)

    case = returns.receive_return(case=case, lines=[Received(line.pk, 1)], actor=warehouse_user)

    assert level(tee)[0] == on_hand_before + 1
    assert case.status in (CaseStatus.RECEIVED, CaseStatus.REFUNDING)  # refunding once aftersales.refunds is in
    line.refresh_from_db()
    assert (line.good, line.disposition) == (1, "restock")


def test_a_shipped_orders_own_parcel_still_delivers_it(tee: Any) -> None:
    order = shipped_order(("TEE", 1))
    parcel = Shipment.objects.get(order=order, direction="outbound")
    register_tracking(shipment_id=parcel.pk)
    record_events(
        shipment=parcel,
        events=[CarrierTrackingEvent("sf-1", order.tracking_number, "delivered", timezone.now())],
        source="webhook",
    )
    assert Order.objects.get(pk=order.pk).status == "delivered"


def test_a_pickup_the_worker_booked_later_reaches_the_case(tee: Any, agent: Any) -> None:
    from unittest import mock

    from sellerdesk.aftersales.tasks import record_booked_pickups
    from sellerdesk.logistics.booking import book_requested
    from sellerdesk.logistics.carriers.base import CarrierUnavailable

    case = awaiting_return(agent)
    with (
        mock.patch("sellerdesk.aftersales.returns.book_requested", side_effect=CarrierUnavailable("down")),
        pytest.raises(CarrierUnavailable),
    ):
        returns.book_return_pickup(case=case, actor=agent)
    case.refresh_from_db()
    assert case.return_shipment_id and not case.return_tracking_number

    book_requested(shipment=case.return_shipment, actor=None)  # the worker's retry
    assert record_booked_pickups(timezone.now()) == 1

    case.refresh_from_db()
    assert case.return_tracking_number == Shipment.objects.get(direction="return").tracking_number
    assert record_booked_pickups(timezone.now()) == 0


def test_defective_goods_for_the_supplier_join_its_return_batch_and_scrap_is_written_off(
    tee: Any, agent: Any, warehouse_user: Any
) -> None:
    from decimal import Decimal

    from sellerdesk.purchasing import actions as purchasing
    from sellerdesk.purchasing.models import SupplierReturnLine

    supplier = purchasing.create_supplier(
        data=purchasing.SupplierData(code="hz-fushi", name="杭州服饰", contact_name="王经理", phone="0571-88886666"),
        actor=None,
    )
    purchasing.set_supplier_sku(
        supplier=supplier, sku=tee, data=purchasing.SupplierSkuData(cost=Decimal("20.00")), actor=None
    )
    case = awaiting_return(agent, reason="quality", units=2)
    line = case.lines.get()
    returns.receive_return(case=case, lines=[Received(line.pk, 2)], actor=warehouse_user)
    _on_hand, defective_before = level(tee)

    case = returns.inspect_return(case=case, grades=[Grade(line.pk, 0, 2, "return_to_supplier")], actor=warehouse_user)

    assert case.inspection_result == "fail"
    batch_line = SupplierReturnLine.objects.get()
    assert (batch_line.quantity, batch_line.document) == (2, case.number)
    # The supplier reads the buyer's reason, not its code (issue 17, noticed: "quality").
    assert batch_line.reason == "质量问题"
    assert level(tee)[1] == defective_before + 2
    assert case.events.filter(code="return_to_supplier_added").exists()

    scrapped = awaiting_return(agent, reason="quality", units=1)
    scrap_line = scrapped.lines.get()
    returns.receive_return(case=scrapped, lines=[Received(scrap_line.pk, 1)], actor=warehouse_user)
    returns.inspect_return(case=scrapped, grades=[Grade(scrap_line.pk, 0, 1, "scrap")], actor=warehouse_user)
    movements = StockMovement.objects.filter(document=scrapped.number).order_by("pk")
    assert [(m.kind, m.defective_delta) for m in movements] == [("defective", 1), ("defective", -1)]
    assert level(tee)[1] == defective_before + 2


def test_a_sku_no_supplier_supplies_cannot_go_back_to_one(tee: Any, agent: Any, warehouse_user: Any) -> None:
    case = awaiting_return(agent, reason="quality", units=1)
    line = case.lines.get()
    returns.receive_return(case=case, lines=[Received(line.pk, 1)], actor=warehouse_user)
    before = StockMovement.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        returns.inspect_return(case=case, grades=[Grade(line.pk, 0, 1, "return_to_supplier")], actor=warehouse_user)

    assert list(refused.value.fields) == ["grades[0].disposition"]
    assert StockMovement.objects.count() == before
