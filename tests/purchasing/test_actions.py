"""Purchase orders: drafts, send, cancel, close, customs and receiving, each with its failure paths."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.inventory.models import BinStock, StockMovement
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.actions import ReceiveLine
from sellerdesk.purchasing.models import PurchaseOrder, PurchaseStatus, Receipt, ReceiptLine, SupplierSku
from tests.purchasing.conftest import CLEARED_AT, level, make_po

SHANGHAI = ZoneInfo("Asia/Shanghai")


def snapshot(po: PurchaseOrder) -> tuple[Any, ...]:
    po = PurchaseOrder.objects.get(pk=po.pk)
    lines = [(line.sku_id, line.quantity, line.received_good, line.received_damaged) for line in po.lines.all()]
    return (
        po.status,
        po.customs_cleared_at,
        po.customs_documents,
        lines,
        Receipt.objects.count(),
        ReceiptLine.objects.count(),
        StockMovement.objects.count(),
    )


# ---------------------------------------------------------------- drafts


def test_create_draft_takes_the_supplier_cost_when_none_is_given(supplier, warehouse, tee, purchaser):
    # given the supplier's cost of the T-shirt
    actions.set_supplier_sku(
        supplier=supplier, sku=tee, data=actions.SupplierSkuData(cost=Decimal("24.50")), actor=purchaser
    )
    # when a draft orders 12 without a cost
    po = actions.create_purchase_order(
        draft=actions.PurchaseDraft(supplier=supplier, warehouse=warehouse, lines=[actions.LineDraft("TEE-RED-M", 12)]),
        actor=purchaser,
    )
    # then
    line = po.lines.get()
    assert (po.status, po.kind, line.quantity, line.unit_cost) == ("draft", "stock", 12, Decimal("24.50"))
    assert po.number.startswith("PO") and len(po.number) == 16
    assert po.requires_customs is False
    assert po.total == Decimal("294.00")
    assert level(tee, warehouse) == (0, 0, 0, 0)  # a draft puts nothing in transit


def test_overseas_supplier_drafts_need_customs_by_default(overseas, warehouse, tee):
    po = make_po(overseas, warehouse, ("TEE-RED-M", 5, "10.00"))
    assert po.requires_customs is True


def test_bad_draft_names_every_bad_line_and_writes_nothing(supplier, warehouse, tee, purchaser):
    with pytest.raises(ValidationFailed) as caught:
        actions.create_purchase_order(
            draft=actions.PurchaseDraft(
                supplier=supplier,
                warehouse=warehouse,
                lines=[
                    actions.LineDraft("NOPE", 1, Decimal("1.00")),
                    actions.LineDraft("TEE-RED-M", 0, Decimal("1.00")),
                    actions.LineDraft("TEE-RED-M", 2),
                    actions.LineDraft("TEE-RED-M", 2, Decimal("-1.00")),
                ],
            ),
            actor=purchaser,
        )
    assert set(caught.value.fields) == {
        "lines[0].sku",
        "lines[1].quantity",
        "lines[2].sku",
        "lines[2].unit_cost",
        "lines[3].sku",
        "lines[3].unit_cost",
    }
    assert PurchaseOrder.objects.count() == 0


def test_an_agent_may_not_create_purchase_orders(supplier, warehouse, tee, agent):
    with pytest.raises(PermissionDenied):
        make_po_as(agent, supplier, warehouse)
    assert PurchaseOrder.objects.count() == 0


def make_po_as(actor, supplier, warehouse):
    return actions.create_purchase_order(
        draft=actions.PurchaseDraft(
            supplier=supplier, warehouse=warehouse, lines=[actions.LineDraft("TEE-RED-M", 1, Decimal("1.00"))]
        ),
        actor=actor,
    )


def test_edit_replaces_the_lines_of_a_draft_only(supplier, warehouse, tee, jeans, purchaser):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    draft = actions.PurchaseDraft(
        supplier=supplier, warehouse=warehouse, lines=[actions.LineDraft("JEANS-32", 4, Decimal("70.00"))], note="加急"
    )
    actions.update_purchase_order(purchase_order=po, draft=draft, actor=purchaser)
    po.refresh_from_db()
    assert [(line.sku.code, line.quantity) for line in po.lines.all()] == [("JEANS-32", 4)]
    assert po.note == "加急"
    # once sent it cannot be edited, and nothing changes
    actions.send_purchase_order(purchase_order=po, actor=purchaser)
    before = snapshot(po)
    with pytest.raises(InvalidTransition) as caught:
        actions.update_purchase_order(purchase_order=po, draft=draft, actor=purchaser)
    assert caught.value.details == {"current_status": "sent", "action": "edit"}
    assert snapshot(po) == before


# ---------------------------------------------------------------- send / cancel / close


def test_send_puts_the_units_in_transit(sent_po, warehouse, tee, jeans):
    assert sent_po.status == "sent" and sent_po.sent_at is not None
    assert level(tee, warehouse) == (0, 0, 0, 10)
    assert level(jeans, warehouse) == (0, 0, 0, 5)


def test_sending_twice_is_refused_and_changes_nothing(sent_po, warehouse, tee):
    before = snapshot(sent_po)
    with pytest.raises(InvalidTransition):
        actions.send_purchase_order(purchase_order=sent_po, actor=None)
    assert snapshot(sent_po) == before
    assert level(tee, warehouse) == (0, 0, 0, 10)


def test_a_warehouse_user_may_not_send(supplier, warehouse, tee, warehouse_user):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    with pytest.raises(PermissionDenied):
        actions.send_purchase_order(purchase_order=po, actor=warehouse_user)
    assert PurchaseOrder.objects.get(pk=po.pk).status == "draft"
    assert level(tee, warehouse) == (0, 0, 0, 0)


def test_cancel_takes_the_units_out_of_transit(sent_po, warehouse, tee, jeans, purchaser):
    actions.cancel_purchase_order(purchase_order=sent_po, actor=purchaser, reason="供应商停产")
    sent_po.refresh_from_db()
    assert sent_po.status == "cancelled" and sent_po.closed_at is not None
    assert level(tee, warehouse) == (0, 0, 0, 0)
    assert level(jeans, warehouse) == (0, 0, 0, 0)


def test_cancel_after_a_receipt_is_refused(sent_po, warehouse, tee, purchaser):
    actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 4)], actor=purchaser)
    before = snapshot(sent_po)
    with pytest.raises(InvalidTransition):
        actions.cancel_purchase_order(purchase_order=sent_po, actor=purchaser)
    assert snapshot(sent_po) == before
    assert level(tee, warehouse) == (4, 0, 0, 6)


def test_close_short_removes_only_the_outstanding_units(sent_po, warehouse, tee, jeans, purchaser):
    actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 7, 1)], actor=purchaser)
    actions.close_purchase_order(purchase_order=sent_po, actor=purchaser, reason="余数不补")
    sent_po.refresh_from_db()
    assert sent_po.status == "closed"
    assert level(tee, warehouse) == (7, 0, 1, 0)
    assert level(jeans, warehouse) == (0, 0, 0, 0)


def test_closing_a_draft_is_refused(supplier, warehouse, tee, purchaser):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    with pytest.raises(InvalidTransition):
        actions.close_purchase_order(purchase_order=po, actor=purchaser)
    assert PurchaseOrder.objects.get(pk=po.pk).status == "draft"


# ---------------------------------------------------------------- customs


def test_imported_goods_cannot_be_received_before_clearance(overseas, warehouse, tee, purchaser):
    po = make_po(overseas, warehouse, ("TEE-RED-M", 6, "10.00"))
    actions.send_purchase_order(purchase_order=po, actor=purchaser)
    before = snapshot(po)
    # sent, not in customs yet
    with pytest.raises(Conflict) as caught:
        actions.receive_purchase_order(purchase_order=po, lines=[ReceiveLine("TEE-RED-M", 6)], actor=purchaser)
    assert caught.value.code == "customs_not_cleared"
    assert snapshot(po) == before
    # in customs, not cleared
    actions.record_customs(
        purchase_order=po, actor=purchaser, documents="装箱单, 发票, 报关单 2026-88", prepayment=Decimal("1200.00")
    )
    before = snapshot(po)
    with pytest.raises(Conflict) as caught:
        actions.receive_purchase_order(purchase_order=po, lines=[ReceiveLine("TEE-RED-M", 6)], actor=purchaser)
    assert caught.value.code == "customs_not_cleared"
    assert snapshot(po) == before
    assert level(tee, warehouse) == (0, 0, 0, 6)
    # cleared: now it can be received
    cleared_at = CLEARED_AT
    actions.clear_customs(purchase_order=po, actor=purchaser, cleared_at=cleared_at)
    actions.receive_purchase_order(purchase_order=po, lines=[ReceiveLine("TEE-RED-M", 6)], actor=purchaser)
    po.refresh_from_db()
    assert (po.status, po.customs_cleared_at, po.customs_prepayment) == ("received", cleared_at, Decimal("1200.00"))
    assert po.customs_documents == "装箱单, 发票, 报关单 2026-88"
    assert level(tee, warehouse) == (6, 0, 0, 0)


def test_customs_needs_documents_and_a_purchase_order_that_requires_it(sent_po, purchaser):
    before = snapshot(sent_po)
    with pytest.raises(ValidationFailed) as caught:
        actions.record_customs(purchase_order=sent_po, actor=purchaser, documents=" ", prepayment=Decimal("-1"))
    assert set(caught.value.fields) == {"documents", "prepayment"}
    with pytest.raises(Conflict) as conflict:
        actions.record_customs(purchase_order=sent_po, actor=purchaser, documents="发票", prepayment=None)
    assert conflict.value.code == "customs_not_required"
    assert snapshot(sent_po) == before


def test_clearing_before_customs_is_refused(overseas, warehouse, tee, purchaser):
    po = make_po(overseas, warehouse, ("TEE-RED-M", 6, "10.00"))
    actions.send_purchase_order(purchase_order=po, actor=purchaser)
    before = snapshot(po)
    with pytest.raises(InvalidTransition):
        actions.clear_customs(purchase_order=po, actor=purchaser)
    assert snapshot(po) == before


# ---------------------------------------------------------------- receiving


def test_receiving_puts_good_units_away_and_damaged_to_defective(
    sent_po, warehouse, tee, jeans, bin_a1, warehouse_user
):
    receipt = actions.receive_purchase_order(
        purchase_order=sent_po,
        lines=[ReceiveLine("TEE-RED-M", 8, 2), ReceiveLine("JEANS-32", 3)],
        bin="A-01",
        actor=warehouse_user,
    )
    sent_po.refresh_from_db()
    assert sent_po.status == "partially_received"
    assert level(tee, warehouse) == (8, 0, 2, 0)
    assert level(jeans, warehouse) == (3, 0, 0, 2)
    assert BinStock.objects.get(bin=bin_a1, sku=tee).quantity == 8
    rows = [
        (r.line.sku.code, r.good, r.damaged, r.over, r.bin.code)
        for r in receipt.lines.select_related("line__sku", "bin")
    ]
    assert sorted(rows) == [("JEANS-32", 3, 0, 0, "A-01"), ("TEE-RED-M", 8, 2, 0, "A-01")]
    lines = {
        line.sku.code: (line.received_good, line.received_damaged, line.outstanding) for line in sent_po.lines.all()
    }
    assert lines == {"TEE-RED-M": (8, 2, 0), "JEANS-32": (3, 0, 2)}
    # the rest arrives: received
    actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("JEANS-32", 2)], actor=warehouse_user)
    sent_po.refresh_from_db()
    assert sent_po.status == "received"
    assert level(jeans, warehouse) == (5, 0, 0, 0)


def test_short_delivery_stays_partially_received_with_the_difference(sent_po, warehouse, tee, purchaser):
    actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 6)], actor=purchaser)
    sent_po.refresh_from_db()
    line = sent_po.lines.get(sku=tee)
    assert (sent_po.status, line.received_good, line.outstanding) == ("partially_received", 6, 4)
    assert level(tee, warehouse) == (6, 0, 0, 4)


def test_over_receipt_without_a_reason_is_refused(sent_po, warehouse, tee, purchaser):
    before = snapshot(sent_po)
    with pytest.raises(Conflict) as caught:
        actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 12)], actor=purchaser)
    assert caught.value.code == "over_receipt"
    assert caught.value.details["lines"] == [
        {"sku": "TEE-RED-M", "ordered": 10, "outstanding": 10, "receiving": 12, "over": 2, "field": "lines[0].reason"}
    ]
    assert snapshot(sent_po) == before
    assert level(tee, warehouse) == (0, 0, 0, 10)


def test_over_receipt_with_a_reason_is_recorded_as_over(sent_po, warehouse, tee, purchaser):
    receipt = actions.receive_purchase_order(
        purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 12, reason="供应商多发 2 件, 已同意")], actor=purchaser
    )
    row = receipt.lines.get()
    assert (row.good, row.over, row.reason) == (12, 2, "供应商多发 2 件, 已同意")
    assert level(tee, warehouse) == (12, 0, 0, 0)


@pytest.mark.parametrize(
    ("lines", "fields"),
    [
        ([ReceiveLine("TEE-RED-M", -1)], {"lines[0].good"}),
        ([ReceiveLine("TEE-RED-M", 1, -2)], {"lines[0].damaged"}),
        ([ReceiveLine("NOT-ON-PO", 1)], {"lines[0].sku"}),
        ([ReceiveLine("TEE-RED-M", 0)], {"lines"}),
        ([ReceiveLine("TEE-RED-M", 1), ReceiveLine("TEE-RED-M", 1)], {"lines[1].sku"}),
        ([ReceiveLine("TEE-RED-M", 1, bin="Z-99")], {"lines[0].bin"}),
    ],
)
def test_bad_receipts_are_refused_and_change_nothing(sent_po, warehouse, tee, purchaser, lines, fields):
    before = snapshot(sent_po)
    with pytest.raises(ValidationFailed) as caught:
        actions.receive_purchase_order(purchase_order=sent_po, lines=lines, actor=purchaser)
    assert set(caught.value.fields) == fields
    assert snapshot(sent_po) == before
    assert level(tee, warehouse) == (0, 0, 0, 10)


def test_receiving_a_cancelled_purchase_order_is_refused(sent_po, warehouse, tee, purchaser):
    actions.cancel_purchase_order(purchase_order=sent_po, actor=purchaser)
    before = snapshot(sent_po)
    with pytest.raises(InvalidTransition) as caught:
        actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 1)], actor=purchaser)
    assert caught.value.details == {"current_status": "cancelled", "action": "receive"}
    assert snapshot(sent_po) == before
    assert level(tee, warehouse) == (0, 0, 0, 0)


def test_an_agent_may_not_receive(sent_po, tee, agent):
    before = snapshot(sent_po)
    with pytest.raises(PermissionDenied):
        actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 1)], actor=agent)
    assert snapshot(sent_po) == before


# ---------------------------------------------------------------- suppliers


def test_supplier_crud_and_preferred_is_one_per_sku(supplier, overseas, tee, purchaser):
    actions.set_supplier_sku(
        supplier=supplier,
        sku=tee,
        data=actions.SupplierSkuData(cost=Decimal("25.00"), is_preferred=True),
        actor=purchaser,
    )
    actions.set_supplier_sku(
        supplier=overseas,
        sku=tee,
        data=actions.SupplierSkuData(cost=Decimal("20.00"), is_preferred=True, min_order_quantity=50),
        actor=purchaser,
    )
    preferred = list(SupplierSku.objects.filter(sku=tee, is_preferred=True).values_list("supplier__code", flat=True))
    assert preferred == ["kr-style"]
    data = actions.SupplierData(code="hz-fushi", name="杭州服饰", lead_time_days=10, email="sales@example.com")
    actions.update_supplier(supplier=supplier, data=data, actor=purchaser)
    supplier.refresh_from_db()
    assert (supplier.name, supplier.lead_time_days, supplier.email) == ("杭州服饰", 10, "sales@example.com")


def test_supplier_with_a_taken_code_or_bad_fields_is_refused(supplier, purchaser):
    with pytest.raises(Conflict) as caught:
        actions.create_supplier(data=actions.SupplierData(code="hz-fushi", name="别家"), actor=purchaser)
    assert caught.value.code == "duplicate_supplier"
    with pytest.raises(ValidationFailed) as invalid:
        actions.create_supplier(
            data=actions.SupplierData(code="bad code", name="", email="nope", lead_time_days=999), actor=purchaser
        )
    assert set(invalid.value.fields) == {"code", "name", "email", "lead_time_days"}
    assert list(type(supplier).objects.values_list("code", flat=True)) == ["hz-fushi"]


def test_a_supplier_with_purchase_orders_cannot_be_deleted(supplier, warehouse, tee, purchaser):
    make_po(supplier, warehouse, ("TEE-RED-M", 1, "1.00"))
    with pytest.raises(Conflict):
        actions.delete_supplier(supplier=supplier, actor=purchaser)
    assert type(supplier).objects.filter(pk=supplier.pk).exists()


def test_warehouse_staff_may_not_edit_suppliers(supplier, warehouse_user):
    with pytest.raises(PermissionDenied):
        actions.update_supplier(supplier=supplier, data=actions.SupplierData(code="x", name="y"), actor=warehouse_user)
    supplier.refresh_from_db()
    assert (supplier.code, supplier.name) == ("hz-fushi", "杭州服饰有限公司")


def test_status_values_of_the_table_exist():
    assert {status for status, _action in actions.TRANSITIONS} <= set(PurchaseStatus.values)


def test_every_change_of_a_purchase_order_is_in_its_timeline(sent_po: PurchaseOrder, purchaser: Any) -> None:
    actions.receive_purchase_order(purchase_order=sent_po, lines=[ReceiveLine("TEE-RED-M", 4)], actor=purchaser)

    timeline = list(sent_po.events.values_list("type", "actor"))
    assert [kind for kind, _actor in timeline][-1] == "received"
    assert timeline[-1][1] == purchaser.pk
    assert "sent" in [kind for kind, _actor in timeline]
    received = sent_po.events.get(type="received")
    assert received.data["lines"][0]["good"] == 4
