"""Each way of handling a stockout, end to end, and the B2B plan by rank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from sellerdesk.allocation.actions import after_stock_arrived, allocate_order
from sellerdesk.allocation.queries import StockoutFilter, stockout_orders
from sellerdesk.allocation.shortages import (
    allocation_plan,
    apply_allocation_plan,
    release_for_shortfall,
    resolve_stockout,
)
from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.inventory.actions import receive_transfer
from sellerdesk.inventory.models import Transfer
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, Shortage
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.allocation.conftest import T0, approved, level, lines_of, make_warehouse, paid, put
from tests.factories import make_sku

NEXT_WEEK = T0.date() + timedelta(days=7)


def short_order(main: Any, *lines: tuple[str, int], missing: dict[str, int], **fields: Any) -> Order:
    """An allocated order that a count then found short of `missing` units per SKU."""
    order = approved(*lines, **fields)
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    from sellerdesk.catalog.models import Sku

    for code, quantity in missing.items():
        sku = Sku.objects.get(code=code)
        release_for_shortfall(
            sku_id=sku.pk, warehouse_id=main.pk, quantity=quantity, document="PD-1", actor=None, at=T0
        )
    order.refresh_from_db()
    assert order.status == "stockout"
    return order


def shortage_rows(order: Order) -> list[tuple[str, int, str, str, bool]]:
    return [
        (row.sku.code, row.short_quantity, row.option, row.buyer_answer, row.resolved_at is not None)
        for row in Shortage.objects.filter(order=order).select_related("sku").order_by("pk")
    ]


def test_delay_records_the_promised_date_and_the_order_keeps_waiting(main: Any, agent: Any) -> None:
    make_sku("TEE", stock=2)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    result = resolve_stockout(
        order=order, option="delay", buyer_answer="可以等到下周", promised_date=NEXT_WEEK, actor=agent, at=T0
    )
    order.refresh_from_db()
    assert (result.order.status, order.promised_ship_date) == ("stockout", NEXT_WEEK)
    assert shortage_rows(order) == [("TEE", 2, "delay", "可以等到下周", False)]
    row = Shortage.objects.get(order=order)
    assert (row.handled_by, row.handled_at, row.promised_date) == (agent, T0, NEXT_WEEK)
    event = OrderEvent.objects.get(order=order, type=OrderEventType.STOCKOUT_HANDLED)
    assert (event.data["option"], event.data["buyer_answer"], event.actor) == ("delay", "可以等到下周", agent)


def test_cancel_closes_the_order_releases_its_units_and_refunds_the_payment(main: Any, agent: Any) -> None:
    sku = make_sku("TEE", price="50.00", stock=3)
    order = short_order(main, ("TEE", 3), missing={"TEE": 2})
    resolve_stockout(order=order, option="cancel", buyer_answer="不要了", actor=agent, at=T0)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, order.payment_status) == ("closed", Decimal("150.00"), "refunded")
    assert level(sku, main) == (3, 0, 0, 0)
    assert shortage_rows(order) == [("TEE", 2, "cancel", "不要了", True)]


def test_drop_removes_the_short_units_refunds_them_and_allocates_the_rest(main: Any, agent: Any) -> None:
    make_sku("TEE", price="50.00", stock=3)
    make_sku("CUP", price="20.00", stock=1)
    order = short_order(main, ("TEE", 3), ("CUP", 1), missing={"TEE": 2})
    resolve_stockout(order=order, option="drop", buyer_answer="缺的不要了，退款", actor=agent, at=T0)
    order.refresh_from_db()
    assert (order.status, order.total, order.refunded_amount) == ("allocated", Decimal("70.00"), Decimal("100.00"))
    assert lines_of(order) == [("TEE", 1, "main", 1, False), ("CUP", 1, "main", 1, False)]
    assert list(Payment.objects.filter(order=order, kind="refund").values_list("amount", flat=True)) == [
        Decimal("100.00")
    ]
    row = Shortage.objects.get(order=order)
    assert (row.option, row.refund_amount, row.resolved_at) == ("drop", Decimal("100.00"), T0)


def test_drop_of_every_line_is_refused_and_changes_nothing(main: Any, agent: Any) -> None:
    make_sku("TEE", stock=2)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    with pytest.raises(Conflict) as caught:
        resolve_stockout(order=order, option="drop", buyer_answer="退款", actor=agent, at=T0)
    assert caught.value.code == "nothing_left"
    order.refresh_from_db()
    assert (order.status, order.total, lines_of(order)) == (
        "stockout",
        Decimal("118.00"),
        [("TEE", 2, "main", 0, False)],
    )
    assert shortage_rows(order) == [("TEE", 2, "", "", False)]


def test_backorder_ships_what_is_there_and_the_rest_allocates_itself_on_arrival(main: Any, agent: Any) -> None:
    sku = make_sku("TEE", price="50.00", stock=3)
    make_sku("CUP", price="20.00", stock=1)
    order = short_order(main, ("TEE", 3), ("CUP", 1), missing={"TEE": 2})
    result = resolve_stockout(order=order, option="backorder", buyer_answer="先发有的", actor=agent, at=T0)
    now_part, later_part = result.parts
    order.refresh_from_db()
    now_part.refresh_from_db()
    later_part.refresh_from_db()
    assert order.status == "closed"
    assert (now_part.status, later_part.status) == ("allocated", "stockout")
    assert lines_of(now_part) == [("TEE", 1, "main", 1, False), ("CUP", 1, "main", 1, False)]
    assert lines_of(later_part) == [("TEE", 2, "main", 0, False)]
    assert shortage_rows(later_part) == [("TEE", 2, "backorder", "", False)]
    # when two units arrive
    put(sku, main, 3)
    after_stock_arrived(sku_ids=[sku.pk], warehouse_id=main.pk, actor=None, at=T0 + timedelta(days=2))
    later_part.refresh_from_db()
    assert later_part.status == "allocated"
    assert level(sku, main) == (3, 3, 0, 0)


def test_transfer_ships_units_from_another_warehouse_and_the_order_allocates_on_receipt(
    main: Any, agent: Any, owner: Any
) -> None:
    east = make_warehouse("east", priority=150)
    sku = make_sku("TEE", stock=2)
    put(sku, east, 5)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    result = resolve_stockout(
        order=order, option="transfer", buyer_answer="同意从杭州仓调货", from_warehouse="east", actor=agent, at=T0
    )
    transfer = Transfer.objects.get(number=result.transfer_number)
    assert (transfer.status, transfer.for_order, transfer.from_warehouse_id, transfer.to_warehouse_id) == (
        "shipped",
        order.number,
        east.pk,
        main.pk,
    )
    assert Order.objects.get(pk=order.pk).status == "stockout"
    assert level(sku, east) == (3, 0, 0, 0)
    receive_transfer(transfer=transfer, actor=owner, at=T0 + timedelta(days=1))
    order.refresh_from_db()
    assert (order.status, order.warehouse_id) == ("allocated", main.pk)
    assert shortage_rows(order) == [("TEE", 2, "transfer", "同意从杭州仓调货", True)]


def test_a_stockouts_transfer_note_is_a_code_read_in_the_readers_language(main: Any, agent: Any) -> None:
    east = make_warehouse("east", priority=150)
    sku = make_sku("TEE", stock=2)
    put(sku, east, 5)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    with translation.override("en"):
        result = resolve_stockout(
            order=order, option="transfer", buyer_answer="好", from_warehouse="east", actor=agent, at=T0
        )
    transfer = Transfer.objects.get(number=result.transfer_number)
    assert (transfer.note, transfer.note_data) == ("", {"code": "transfer_note_stockout", "number": order.number})
    with translation.override("zh-hans"):
        assert transfer.note_text == f"订单 {order.number} 缺货"
    with translation.override("en"):
        assert transfer.note_text == f"stockout of {order.number}"


def test_a_transfer_from_a_warehouse_without_the_units_is_refused_and_changes_nothing(main: Any, agent: Any) -> None:
    east = make_warehouse("east", priority=50)
    sku = make_sku("TEE", stock=2)
    put(sku, east, 1)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    with pytest.raises(Conflict) as caught:
        resolve_stockout(order=order, option="transfer", buyer_answer="好", from_warehouse="east", actor=agent, at=T0)
    assert caught.value.code == "no_transfer_source"
    assert (Transfer.objects.count(), shortage_rows(order), level(sku, east)) == (
        0,
        [("TEE", 2, "", "", False)],
        (1, 0, 0, 0),
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"option": "teleport", "buyer_answer": "好"}, {"option": "one of transfer, backorder, drop, delay, cancel"}),
        (
            {"option": "delay", "buyer_answer": "  "},
            {"buyer_answer": "write down what the buyer said", "promised_date": "give the date promised to the buyer"},
        ),
        (
            {"option": "delay", "buyer_answer": "好", "promised_date": T0.date() - timedelta(days=1)},
            {"promised_date": "the promised date cannot be in the past"},
        ),
    ],
)
def test_bad_input_is_a_validation_error_and_changes_nothing(main: Any, agent: Any, fields: dict, errors: dict) -> None:
    make_sku("TEE", stock=2)
    order = short_order(main, ("TEE", 2), missing={"TEE": 2})
    with pytest.raises(ValidationFailed) as caught:
        resolve_stockout(order=order, actor=agent, at=T0, **fields)
    assert caught.value.fields == errors
    assert shortage_rows(order) == [("TEE", 2, "", "", False)]
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.STOCKOUT_HANDLED).count() == 0


def test_resolving_an_order_that_is_not_a_stockout_is_refused(main: Any, agent: Any) -> None:
    make_sku("TEE", stock=2)
    order = approved(("TEE", 1))
    with pytest.raises(InvalidTransition):
        resolve_stockout(order=order, option="cancel", buyer_answer="不要了", actor=agent, at=T0)
    assert Order.objects.get(pk=order.pk).status == "approved"


def test_the_stockout_list_shows_short_quantities_and_the_earliest_restock_date(main: Any, agent: Any) -> None:
    from sellerdesk.purchasing.models import Supplier, SupplierSku

    sku = make_sku("TEE", stock=2)
    for code, day in (("s1", T0.date() + timedelta(days=19)), ("s2", T0.date() + timedelta(days=13))):
        supplier = Supplier.objects.create(code=code, name=code)
        SupplierSku.objects.create(supplier=supplier, sku=sku, cost=Decimal("10.00"), restock_date=day)
    order = short_order(main, ("TEE", 2), missing={"TEE": 1})
    found = stockout_orders(actor=agent, filters=StockoutFilter(sku="TEE"))
    assert [o.number for o in found] == [order.number]
    rows = found[0].shortage_rows  # type: ignore[attr-defined]
    assert [(row.short_quantity, row.restock_date) for row in rows] == [(1, T0.date() + timedelta(days=13))]
    assert stockout_orders(actor=agent, filters=StockoutFilter(option="delay")) == []


def test_b2b_plan_ranks_customers_and_apply_allocates_in_that_order(main: Any, owner: Any) -> None:
    # given a B2B shop and three waiting orders of 4 for 8 units that arrive
    Shop.objects.create(code="wholesale", name="批发", is_b2b=True)
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=3)
    sku = make_sku("BOX", stock=12)
    plain = paid(("BOX", 4), shop="wholesale", at=T0)
    termed = paid(("BOX", 4), shop="wholesale", at=T0 + timedelta(hours=1))
    golden = paid(("BOX", 4), shop="wholesale", at=T0 + timedelta(hours=2))
    Customer.objects.filter(pk=golden.customer_id).update(level=gold)
    Customer.objects.filter(pk=termed.customer_id).update(payment_terms_days=30)
    from sellerdesk.orders import actions as order_actions

    for order in (plain, termed, golden):
        order_actions.approve_order(order=order, actor=None, at=T0 + timedelta(hours=3))
        allocate_order(order=order, actor=None, at=T0 + timedelta(hours=3))
    release_for_shortfall(sku_id=sku.pk, warehouse_id=main.pk, quantity=12, document="PD-9", actor=None, at=T0)
    put(sku, main, 8)
    # when the plan is shown: gold first, then the one with terms, then the plain customer
    plan = allocation_plan(sku="BOX", actor=owner)
    assert [(row.order.pk, row.allocates) for row in plan] == [(golden.pk, True), (termed.pk, True), (plain.pk, False)]
    assert Order.objects.get(pk=golden.pk).status == "stockout"  # showing the plan changes nothing
    # and applied
    apply_allocation_plan(sku="BOX", actor=owner, at=T0 + timedelta(days=1))
    statuses = [Order.objects.get(pk=order.pk).status for order in (golden, termed, plain)]
    assert statuses == ["allocated", "allocated", "stockout"]
    assert level(sku, main) == (8, 8, 0, 0)
