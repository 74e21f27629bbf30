"""/api/v1/suppliers, /api/v1/purchase-orders…: bodies, answers, errors and roles."""

from __future__ import annotations

from decimal import Decimal

from sellerdesk.purchasing.models import PurchaseOrder, Receipt, Supplier
from tests.purchasing.conftest import CLEARED_AT, EXPECTED_AT, RESTOCK_DATE, level, make_po


def po_body(**extra):
    body = {
        "supplier": "hz-fushi",
        "expected_at": EXPECTED_AT.isoformat(),
        "lines": [{"sku": "TEE-RED-M", "quantity": 10, "unit_cost": "25.00"}],
    }
    body.update(extra)
    return body


def test_create_supplier_and_set_its_skus(purchaser_api, tee):
    answer = purchaser_api.post(
        "/api/v1/suppliers",
        {"code": "gz-xie", "name": "广州鞋业", "contact_name": "李姐", "lead_time_days": 5, "is_overseas": False},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["name"] == "广州鞋业"
    item = purchaser_api.put(
        "/api/v1/suppliers/gz-xie/skus/TEE-RED-M",
        {
            "cost": "23.50",
            "supplier_code": "GZ-88",
            "min_order_quantity": 20,
            "is_preferred": True,
            "restock_date": RESTOCK_DATE.isoformat(),
        },
    )
    assert item.status_code == 200, item.content
    assert item.json() == {
        "sku": "TEE-RED-M",
        "name": "纯棉T恤 红色",
        "supplier_code": "GZ-88",
        "cost": "23.50",
        "min_order_quantity": 20,
        "is_preferred": True,
        "is_dropship": False,
        "restock_date": RESTOCK_DATE.isoformat(),
    }
    restock = purchaser_api.get("/api/v1/skus/TEE-RED-M/restock")
    assert restock.json() == [
        {"supplier": "广州鞋业", "restock_date": RESTOCK_DATE.isoformat(), "on_order": 0, "next_expected": None}
    ]


def test_supplier_body_is_strict(purchaser_api):
    answer = purchaser_api.post(
        "/api/v1/suppliers", {"code": "x y", "name": "", "lead_time_days": "7", "colour": "red"}
    )
    assert answer.status_code == 422
    assert set(answer.json()["details"]["fields"]) == {"code", "name", "lead_time_days", "colour"}
    assert Supplier.objects.count() == 0


def test_the_restock_dates_are_readable_by_agents(agent_api, supplier, tee):
    assert agent_api.get("/api/v1/skus/TEE-RED-M/restock").status_code == 200
    assert agent_api.get("/api/v1/purchase-orders").status_code == 403


def test_create_send_and_receive_over_the_api(purchaser_api, warehouse_api, supplier, warehouse, tee):
    created = purchaser_api.post("/api/v1/purchase-orders", po_body())
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert (body["status"], body["total"], body["warehouse"], body["actions"]) == (
        "draft",
        "250.00",
        "main",
        ["edit", "send", "cancel"],
    )
    sent = purchaser_api.post(f"/api/v1/purchase-orders/{number}/send")
    assert sent.json()["status"] == "sent"
    assert level(tee, warehouse) == (0, 0, 0, 10)
    received = warehouse_api.post(
        f"/api/v1/purchase-orders/{number}/receive", {"lines": [{"sku": "TEE-RED-M", "good": 7, "damaged": 1}]}
    )
    assert received.status_code == 201, received.content
    receipt = received.json()["receipt"]
    assert receipt["lines"] == [{"sku": "TEE-RED-M", "good": 7, "damaged": 1, "over": 0, "reason": "", "bin": None}]
    assert received.json()["purchase_order"]["status"] == "partially_received"
    assert received.json()["purchase_order"]["lines"][0]["outstanding"] == 2
    assert level(tee, warehouse) == (7, 0, 1, 2)
    closed = purchaser_api.post(f"/api/v1/purchase-orders/{number}/close", {"reason": "不补了"})
    assert closed.json()["status"] == "closed"
    assert level(tee, warehouse) == (7, 0, 1, 0)


def test_a_warehouse_user_may_receive_but_not_edit(warehouse_api, supplier, warehouse, tee):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    assert warehouse_api.get(f"/api/v1/purchase-orders/{po.number}").status_code == 200
    assert warehouse_api.post("/api/v1/purchase-orders", po_body()).status_code == 403
    assert warehouse_api.put(f"/api/v1/purchase-orders/{po.number}", po_body()).status_code == 403
    denied = warehouse_api.post(f"/api/v1/purchase-orders/{po.number}/send")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    assert warehouse_api.post(f"/api/v1/purchase-orders/{po.number}/cancel").status_code == 403
    assert PurchaseOrder.objects.get(pk=po.pk).status == "draft"
    assert PurchaseOrder.objects.count() == 1


def test_a_supplier_without_an_email_refuses_the_send_and_nothing_changes(purchaser_api, supplier, warehouse, tee):
    # Sending is emailing the purchase order (with its PDF) to the supplier: no address, no send.
    Supplier.objects.filter(pk=supplier.pk).update(email="")
    po = make_po(supplier, warehouse, ("TEE-RED-M", 10, "25.00"))

    refused = purchaser_api.post(f"/api/v1/purchase-orders/{po.number}/send")

    assert refused.status_code == 422
    assert list(refused.json()["details"]["fields"]) == ["supplier.email"]
    assert PurchaseOrder.objects.get(pk=po.pk).status == "draft"
    assert level(tee, warehouse) == (0, 0, 0, 0)


def test_unknown_skus_and_suppliers_are_named_by_path(purchaser_api, supplier, tee):
    answer = purchaser_api.post(
        "/api/v1/purchase-orders",
        po_body(supplier="nobody", lines=[{"sku": "TEE-RED-M", "quantity": 0}, {"sku": "NOPE", "quantity": 1}]),
    )
    assert answer.status_code == 422
    assert answer.json()["details"]["fields"] == {"lines[0].quantity": "Input should be greater than 0"}
    answer = purchaser_api.post("/api/v1/purchase-orders", po_body(supplier="nobody"))
    assert answer.status_code == 422 and set(answer.json()["details"]["fields"]) == {"supplier"}
    answer = purchaser_api.post(
        "/api/v1/purchase-orders", po_body(lines=[{"sku": "NOPE", "quantity": 1, "unit_cost": "1.00"}])
    )
    assert answer.status_code == 422 and set(answer.json()["details"]["fields"]) == {"lines[0].sku"}
    assert PurchaseOrder.objects.count() == 0


def test_receiving_errors_are_clear_and_change_nothing(purchaser_api, sent_po, warehouse, tee):
    url = f"/api/v1/purchase-orders/{sent_po.number}/receive"
    over = purchaser_api.post(url, {"lines": [{"sku": "TEE-RED-M", "good": 11}]})
    assert over.status_code == 409 and over.json()["code"] == "over_receipt"
    assert over.json()["details"]["fields"] == {"lines[0].reason": "give a reason for the extra units"}
    negative = purchaser_api.post(url, {"lines": [{"sku": "TEE-RED-M", "good": -1}]})
    assert negative.status_code == 422 and set(negative.json()["details"]["fields"]) == {"lines[0].good"}
    unknown = purchaser_api.post(url, {"lines": [{"sku": "NOPE", "good": 1}]})
    assert unknown.status_code == 422 and set(unknown.json()["details"]["fields"]) == {"lines[0].sku"}
    extra = purchaser_api.post(url, {"lines": [{"sku": "TEE-RED-M", "good": 1}], "who": "me"})
    assert extra.status_code == 422
    assert Receipt.objects.count() == 0
    assert level(tee, warehouse) == (0, 0, 0, 10)
    purchaser_api.post(f"/api/v1/purchase-orders/{sent_po.number}/cancel", {"reason": "错单"})
    cancelled = purchaser_api.post(url, {"lines": [{"sku": "TEE-RED-M", "good": 1}]})
    assert cancelled.status_code == 409 and cancelled.json()["code"] == "invalid_transition"
    assert cancelled.json()["details"] == {"current_status": "cancelled", "action": "receive"}


def test_customs_gate_over_the_api(purchaser_api, overseas, warehouse, tee):
    po = make_po(overseas, warehouse, ("TEE-RED-M", 4, "10.00"))
    base = f"/api/v1/purchase-orders/{po.number}"
    purchaser_api.post(f"{base}/send")
    early = purchaser_api.post(f"{base}/receive", {"lines": [{"sku": "TEE-RED-M", "good": 4}]})
    assert early.status_code == 409 and early.json()["code"] == "customs_not_cleared"
    customs = purchaser_api.post(f"{base}/customs", {"documents": "报关单 001", "prepayment": "300.00"})
    assert customs.status_code == 200
    assert customs.json()["customs"] == {"documents": "报关单 001", "prepayment": "300.00", "cleared_at": None}
    assert customs.json()["status"] == "customs"
    cleared = purchaser_api.post(f"{base}/clear", {"cleared_at": CLEARED_AT.isoformat()})
    assert cleared.json()["customs"]["cleared_at"] == CLEARED_AT.isoformat()
    done = purchaser_api.post(f"{base}/receive", {"lines": [{"sku": "TEE-RED-M", "good": 4}]})
    assert done.status_code == 201 and done.json()["purchase_order"]["status"] == "received"


def test_pdfs_over_the_api(warehouse_api, sent_po):
    for path in ("labels.pdf?per=unit", "labels.pdf", "document.pdf", "delivery-notice.pdf"):
        answer = warehouse_api.get(f"/api/v1/purchase-orders/{sent_po.number}/{path}")
        assert answer.status_code == 200, path
        assert answer["Content-Type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")
    assert warehouse_api.get("/api/v1/purchase-orders/PO000/document.pdf").status_code == 404
    assert warehouse_api.get(f"/api/v1/purchase-orders/{sent_po.number}/labels.pdf?per=box").status_code == 422


def test_list_by_status(purchaser_api, sent_po, supplier, warehouse):
    make_po(supplier, warehouse, ("TEE-RED-M", 1, "1.00"))
    answer = purchaser_api.get("/api/v1/purchase-orders", status="sent")
    assert [item["number"] for item in answer.json()["items"]] == [sent_po.number]
    assert purchaser_api.get("/api/v1/purchase-orders", status="nonsense").status_code == 422
    assert purchaser_api.get("/api/v1/purchase-orders").json()["count"] == 2


def test_idempotent_create(purchaser_api, supplier, tee):
    first = purchaser_api.post("/api/v1/purchase-orders", po_body(), headers={"Idempotency-Key": "k1"})
    again = purchaser_api.post("/api/v1/purchase-orders", po_body(), headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert PurchaseOrder.objects.count() == 1


def test_edit_a_draft(purchaser_api, supplier, warehouse, tee, jeans):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    answer = purchaser_api.put(
        f"/api/v1/purchase-orders/{po.number}",
        po_body(lines=[{"sku": "JEANS-32", "quantity": 2, "unit_cost": "70.00"}], note="改单"),
    )
    assert answer.status_code == 200, answer.content
    assert [(line["sku"], line["quantity"], line["unit_cost"]) for line in answer.json()["lines"]] == [
        ("JEANS-32", 2, "70.00")
    ]
    assert PurchaseOrder.objects.get(pk=po.pk).total == Decimal("140.00")


def test_import_upload_over_the_api(purchaser_api, supplier, warehouse, tee):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile("list.csv", "商品编码,数量,单价\nTEE-RED-M,6,25.00\n".encode("gbk"))
    answer = purchaser_api.client.post("/api/v1/purchase-orders/import", {"supplier": "hz-fushi", "file": good})
    assert answer.status_code == 201, answer.content
    assert [(line["sku"], line["quantity"]) for line in answer.json()["lines"]] == [("TEE-RED-M", 6)]
    bad = SimpleUploadedFile("list.csv", b"sku,quantity\nNOPE,1\nTEE-RED-M,-2\n")
    answer = purchaser_api.client.post("/api/v1/purchase-orders/import", {"supplier": "hz-fushi", "file": bad})
    assert answer.status_code == 422
    assert set(answer.json()["details"]["fields"]) == {"rows[2].sku", "rows[3].quantity", "rows[3].unit_cost"}
    assert PurchaseOrder.objects.count() == 1
