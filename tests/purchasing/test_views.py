"""The purchasing screens: every page renders, and each form calls its action (or shows why not)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from sellerdesk.inventory.actions import set_reorder_point
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder, Receipt, Supplier, SupplierSku
from tests.purchasing.conftest import CLEARED_AT, EXPECTED_AT, RESTOCK_DATE, level, make_po


@pytest.fixture
def purchaser_client(purchaser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(purchaser)
    return client


@pytest.fixture
def warehouse_client(warehouse_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(warehouse_user)
    return client


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_every_page_renders(purchaser_client, sent_po, supplier):
    for url in (
        "/purchasing/",
        "/purchasing/?status=sent",
        "/purchasing/orders/new/",
        f"/purchasing/orders/{sent_po.number}/",
        f"/purchasing/orders/{sent_po.number}/receive/",
        "/purchasing/suppliers/",
        "/purchasing/suppliers/new/",
        f"/purchasing/suppliers/{supplier.code}/",
        "/purchasing/suggestions/",
        "/purchasing/import/",
    ):
        answer = purchaser_client.get(url)
        assert answer.status_code == 200, url
    page = purchaser_client.get(f"/purchasing/orders/{sent_po.number}/").content.decode()
    assert "Receive goods" in page and "Delivery notice (PDF)" in page and "Close short" in page


def test_pdf_links(purchaser_client, sent_po):
    for path in ("labels.pdf?per=unit", "labels.pdf?per=line", "document.pdf", "delivery-notice.pdf"):
        answer = purchaser_client.get(f"/purchasing/orders/{sent_po.number}/{path}")
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf", path


def test_create_a_draft_from_the_form_then_send_it(purchaser_client, supplier, warehouse, tee):
    answer = purchaser_client.post(
        "/purchasing/orders/new/",
        {
            "supplier": "hz-fushi",
            "warehouse": "main",
            "expected_at": EXPECTED_AT.isoformat(),
            "requires_customs": "",
            "note": "",
            "sku_0": "TEE-RED-M",
            "quantity_0": "12",
            "unit_cost_0": "25.00",
            "sku_1": "",
            "quantity_1": "",
            "unit_cost_1": "",
        },
    )
    po = PurchaseOrder.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/purchasing/orders/{po.number}/"
    assert [(line.sku.code, line.quantity, line.unit_cost) for line in po.lines.all()] == [
        ("TEE-RED-M", 12, Decimal("25.00"))
    ]
    purchaser_client.post(f"/purchasing/orders/{po.number}/send/")
    assert PurchaseOrder.objects.get().status == "sent"
    assert level(tee, warehouse) == (0, 0, 0, 12)


def test_a_bad_line_shows_the_form_again_and_writes_nothing(purchaser_client, supplier, warehouse, tee):
    answer = purchaser_client.post(
        "/purchasing/orders/new/",
        {"supplier": "hz-fushi", "warehouse": "main", "sku_0": "NOPE", "quantity_0": "2", "unit_cost_0": "1.00"},
    )
    assert answer.status_code == 422
    assert "unknown SKU NOPE" in answer.content.decode()
    assert PurchaseOrder.objects.count() == 0


def test_receiving_by_scanning_then_posting(warehouse_client, sent_po, warehouse, tee):
    url = f"/purchasing/orders/{sent_po.number}/receive/"
    tee_line = sent_po.lines.get(sku=tee)
    jeans_line = sent_po.lines.exclude(sku=tee).get()
    counts = {f"good_{tee_line.pk}": "0", f"damaged_{tee_line.pk}": "0", f"good_{jeans_line.pk}": "0"}
    # a scan of the T-shirt's barcode adds one good unit
    answer = warehouse_client.post(url, {**counts, "op": "scan", "scan": "6901234567892", "mode": "good"})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-kind="ok"' in page and f'name="good_{tee_line.pk}" value="1"' in page
    # an unknown barcode: red, nothing counted
    answer = warehouse_client.post(url, {**counts, "op": "scan", "scan": "999", "mode": "good"})
    assert 'data-kind="unknown"' in answer.content.decode() and "Unknown barcode 999" in answer.content.decode()
    # one more than outstanding: the over warning
    over = {**counts, f"good_{tee_line.pk}": "10"}
    answer = warehouse_client.post(url, {**over, "op": "scan", "scan": "6901234567892", "mode": "good"})
    assert 'data-kind="over"' in answer.content.decode()
    # posting 11 without a reason is refused; nothing changes
    answer = warehouse_client.post(url, {**counts, f"good_{tee_line.pk}": "11", "op": "receive"})
    assert answer.status_code == 409 and Receipt.objects.count() == 0
    assert level(tee, warehouse) == (0, 0, 0, 10)
    # a negative count is refused too
    answer = warehouse_client.post(url, {**counts, f"good_{tee_line.pk}": "-1", "op": "receive"})
    assert answer.status_code == 422 and Receipt.objects.count() == 0
    # 9 good and 1 damaged are received
    answer = warehouse_client.post(
        url, {**counts, f"good_{tee_line.pk}": "9", f"damaged_{tee_line.pk}": "1", "op": "receive"}
    )
    assert answer.status_code == 302
    assert level(tee, warehouse) == (9, 0, 1, 0)
    assert PurchaseOrder.objects.get(pk=sent_po.pk).status == "partially_received"


def test_warehouse_staff_cannot_open_the_edit_screens(warehouse_client, sent_po):
    assert warehouse_client.get("/purchasing/orders/new/").status_code == 403
    assert warehouse_client.get("/purchasing/import/").status_code == 403
    answer = warehouse_client.post(f"/purchasing/orders/{sent_po.number}/cancel/")
    assert answer.status_code == 302
    assert PurchaseOrder.objects.get(pk=sent_po.pk).status == "sent"


def test_customs_and_clearance_from_the_page(purchaser_client, overseas, warehouse, tee):
    po = actions.send_purchase_order(purchase_order=make_po(overseas, warehouse, ("TEE-RED-M", 2, "9.00")), actor=None)
    page = purchaser_client.get(f"/purchasing/orders/{po.number}/").content.decode()
    assert "record the customs clearance before receiving" in page
    purchaser_client.post(f"/purchasing/orders/{po.number}/customs/", {"documents": "报关单 7", "prepayment": "88.00"})
    purchaser_client.post(f"/purchasing/orders/{po.number}/clear/", {"cleared_at": f"{CLEARED_AT:%Y-%m-%dT%H:%M}"})
    po.refresh_from_db()
    assert (po.status, po.customs_documents, po.customs_prepayment) == ("customs", "报关单 7", Decimal("88.00"))
    assert po.customs_cleared_at is not None
    assert "Receive goods" in purchaser_client.get(f"/purchasing/orders/{po.number}/").content.decode()


def test_supplier_form_and_its_skus(purchaser_client, tee):
    answer = purchaser_client.post(
        "/purchasing/suppliers/new/",
        {"code": "nb-bao", "name": "宁波箱包", "lead_time_days": "9", "is_active": "on"},
    )
    assert answer.status_code == 302
    supplier = Supplier.objects.get(code="nb-bao")
    assert (supplier.name, supplier.lead_time_days, supplier.is_active) == ("宁波箱包", 9, True)
    purchaser_client.post(
        "/purchasing/suppliers/nb-bao/skus/",
        {"sku": "TEE-RED-M", "cost": "18.00", "min_order_quantity": "5", "restock_date": RESTOCK_DATE.isoformat()},
    )
    item = SupplierSku.objects.get(supplier=supplier)
    assert (item.cost, item.min_order_quantity, str(item.restock_date)) == (
        Decimal("18.00"),
        5,
        RESTOCK_DATE.isoformat(),
    )
    duplicate = purchaser_client.post(
        "/purchasing/suppliers/new/", {"code": "nb-bao", "name": "x", "lead_time_days": "1"}
    )
    assert duplicate.status_code == 422 and Supplier.objects.count() == 1


def test_suggestions_become_drafts(purchaser_client, supplier, warehouse, tee):
    actions.set_supplier_sku(
        supplier=supplier, sku=tee, data=actions.SupplierSkuData(cost=Decimal("25.00")), actor=None
    )
    set_reorder_point(sku=tee, warehouse=warehouse, reorder_point=3, reorder_quantity=20, actor=None)
    page = purchaser_client.get("/purchasing/suggestions/").content.decode()
    assert "reorder point 3" in page
    key = "hz-fushi|main|TEE-RED-M"
    answer = purchaser_client.post(
        "/purchasing/suggestions/", {"pick": key, f"qty|{key}": "24", f"cost|{key}": "25.00"}
    )
    assert answer.status_code == 302
    po = PurchaseOrder.objects.get()
    assert [(line.sku.code, line.quantity) for line in po.lines.all()] == [("TEE-RED-M", 24)]


def test_import_shows_the_bad_rows(purchaser_client, supplier, warehouse, tee):
    book = Workbook()
    book.active.append(["SKU", "Quantity", "Unit cost"])
    book.active.append(["TEE-RED-M", 2, "1.00"])
    book.active.append(["NOPE", "x", "1.00"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "list.xlsx"
    answer = purchaser_client.post("/purchasing/import/", {"supplier": "hz-fushi", "file": buffer})
    page = answer.content.decode()
    assert answer.status_code == 422
    assert 'data-line="3"' in page and "unknown SKU NOPE" in page
    assert PurchaseOrder.objects.count() == 0


def test_the_damaged_toggle_counts_one_unit_and_goes_back_to_good(warehouse_client, sent_po, tee):
    """Issue 17 D: the good/damaged toggle stuck from one unit to the next: every unit
    scanned after a damaged one was counted damaged too."""
    url = f"/purchasing/orders/{sent_po.number}/receive/"
    line = sent_po.lines.get(sku=tee)

    damaged = warehouse_client.post(url, {"op": "scan", "scan": "6901234567892", "mode": "damaged"}).content.decode()
    unknown = warehouse_client.post(url, {"op": "scan", "scan": "999", "mode": "damaged"}).content.decode()

    assert f'name="damaged_{line.pk}" value="1"' in damaged and f'name="good_{line.pk}" value="0"' in damaged
    assert 'name="mode" value="good" checked' in damaged and 'value="damaged" checked' not in damaged
    # A scan that counted nothing keeps the toggle as it was set.
    assert 'name="mode" value="damaged" checked' in unknown
