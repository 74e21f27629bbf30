"""Purchase suggestions from each source: stockouts, presale not covered, reorder points."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.inventory.actions import set_on_hand, set_reorder_point
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.states import OrderStatus as S
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder
from sellerdesk.purchasing.suggestions import PRESALE_DEMAND_STATUSES, compute_suggestions
from tests.factories import make_sku, place
from tests.purchasing.conftest import make_po
from tests.support.clock import TEST_NOW

T0 = TEST_NOW - timedelta(days=2)


def offer(supplier, sku, cost="20.00", **extra):
    data = actions.SupplierSkuData(cost=Decimal(cost), **extra)
    return actions.set_supplier_sku(supplier=supplier, sku=sku, data=data, actor=None)


def approved(*lines):
    order = place(*lines, placed_at=T0)
    record_payment(order=order, amount=order.total, method="online", reference=f"r-{order.number}", actor=None, at=T0)
    order.refresh_from_db()
    order_actions.approve_order(order=order, actor=None, at=T0 + timedelta(minutes=1))
    order.refresh_from_db()
    return order


def rows(groups):
    return [
        (
            group.supplier.code if group.supplier else None,
            group.warehouse.code,
            [(item.sku.code, item.quantity, [reason.source for reason in item.reasons]) for item in group.suggestions],
        )
        for group in groups
    ]


def test_presale_demand_counts_orders_from_placing_until_they_are_picked_or_ship() -> None:
    assert {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.STOCKOUT, S.ALLOCATED} == PRESALE_DEMAND_STATUSES


def test_nothing_to_suggest(db, warehouse):
    assert compute_suggestions(actor=None) == []


def test_a_stockout_is_suggested_from_the_preferred_supplier_rounded_to_its_minimum(supplier, overseas, warehouse):
    # given an order short of 2 pens, and two suppliers of pens, the dearer one preferred
    pen = make_sku("PEN", stock=3)
    offer(supplier, pen, "3.00", is_preferred=True, min_order_quantity=10)
    offer(overseas, pen, "1.00")
    order = approved(("PEN", 3))
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    release_for_shortfall(sku_id=pen.pk, warehouse_id=warehouse.pk, quantity=2, document="PD-1", actor=None, at=T0)
    # when
    groups = compute_suggestions(actor=None)
    # then
    assert rows(groups) == [("hz-fushi", "main", [("PEN", 10, ["stockout", "minimum"])])]
    item = groups[0].suggestions[0]
    assert item.unit_cost == Decimal("3.00")
    assert item.why == "stockout: 2 short on 1 orders; rounded up to the minimum order 10"
    assert groups[0].total == Decimal("30.00")


def test_goods_in_transit_cover_a_stockout(supplier, warehouse):
    pen = make_sku("PEN", stock=3)
    offer(supplier, pen)
    order = approved(("PEN", 3))
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    release_for_shortfall(sku_id=pen.pk, warehouse_id=warehouse.pk, quantity=2, document="PD-1", actor=None, at=T0)
    actions.send_purchase_order(purchase_order=make_po(supplier, warehouse, ("PEN", 2, "1.00")), actor=None)
    assert compute_suggestions(actor=None) == []


def test_reorder_point_against_available_plus_in_transit(supplier, warehouse, tee):
    set_on_hand(sku=tee, on_hand=4, actor=None, warehouse=warehouse)
    set_reorder_point(sku=tee, warehouse=warehouse, reorder_point=5, reorder_quantity=30, actor=None)
    offer(supplier, tee, "25.00")
    assert rows(compute_suggestions(actor=None)) == [("hz-fushi", "main", [("TEE-RED-M", 30, ["reorder"])])]
    # 2 more on the way: 6 > 5, nothing to order
    actions.send_purchase_order(purchase_order=make_po(supplier, warehouse, ("TEE-RED-M", 2, "25.00")), actor=None)
    assert compute_suggestions(actor=None) == []


def test_presale_not_covered_when_the_goods_it_counted_on_are_cancelled(supplier, warehouse):
    # given presale buyers of 4 units reserved against a purchase order of 4
    cup = make_sku("CUP-PRE", stock=0)
    Sku.objects.filter(pk=cup.pk).update(is_presale=True, presale_ship_by=T0.date() + timedelta(days=25))
    offer(supplier, cup, "12.00")
    po = actions.send_purchase_order(purchase_order=make_po(supplier, warehouse, ("CUP-PRE", 4, "12.00")), actor=None)
    place(("CUP-PRE", 4), placed_at=T0)
    assert compute_suggestions(actor=None) == []
    # when the supplier cannot deliver and the purchase order is cancelled
    actions.cancel_purchase_order(purchase_order=po, actor=None, reason="停产")
    # then the presale demand is suggested
    groups = compute_suggestions(actor=None)
    assert rows(groups) == [("hz-fushi", "main", [("CUP-PRE", 4, ["presale"])])]
    assert groups[0].suggestions[0].why == "presale: 4 sold, 0 in transit"


def test_a_sku_without_supplier_is_shown_apart(db, warehouse, tee):
    set_reorder_point(sku=tee, warehouse=warehouse, reorder_point=0, reorder_quantity=5, actor=None)
    assert rows(compute_suggestions(actor=None)) == [(None, "main", [("TEE-RED-M", 5, ["reorder"])])]


def test_agents_may_not_see_suggestions(agent):
    with pytest.raises(PermissionDenied):
        compute_suggestions(actor=agent)


def test_drafts_from_suggestions_all_or_none(supplier, overseas, warehouse, tee, purchaser):
    good = actions.PurchaseDraft(
        supplier=supplier, warehouse=warehouse, lines=[actions.LineDraft("TEE-RED-M", 3, Decimal("1.00"))]
    )
    bad = actions.PurchaseDraft(
        supplier=overseas, warehouse=warehouse, lines=[actions.LineDraft("NOPE", 3, Decimal("1.00"))]
    )
    with pytest.raises(ValidationFailed) as caught:
        actions.create_purchase_orders(drafts=[good, bad], actor=purchaser)
    assert set(caught.value.fields) == {"orders[1].lines[0].sku"}
    assert PurchaseOrder.objects.count() == 0
    created = actions.create_purchase_orders(drafts=[good], actor=purchaser)
    assert [po.status for po in created] == ["draft"]
