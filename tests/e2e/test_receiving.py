"""A warehouse worker receives a purchase order by scanning barcodes in a real browser:
the focus stays in the scan field, Enter adds the unit, an unknown or over-ordered scan
shows its colour and message, and "Receive" posts the counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import StockLevel
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder, ReceiptLine
from tests.factories import make_sku, make_user


def sent_purchase_order() -> PurchaseOrder:
    warehouse = default_warehouse()
    for code, name, barcode in (
        ("TEE-RED-M", "纯棉T恤 红色", "6901234567892"),
        ("CAP-BLK", "棒球帽 黑色", "6901234567816"),
    ):
        sku = make_sku(code, name=name, stock=0)
        sku.barcode = barcode
        sku.save(update_fields=["barcode"])
    supplier = actions.create_supplier(
        data=actions.SupplierData(code="hz-fushi", name="杭州服饰", email="sales@hz-fushi.example.cn"), actor=None
    )
    draft = actions.PurchaseDraft(
        supplier=supplier,
        warehouse=warehouse,
        lines=[actions.LineDraft("TEE-RED-M", 2, Decimal("25.00")), actions.LineDraft("CAP-BLK", 1, Decimal("9.00"))],
    )
    return actions.send_purchase_order(
        purchase_order=actions.create_purchase_order(draft=draft, actor=None), actor=None
    )


def scan(page: Any, code: str) -> None:
    field = page.get_by_test_id("scan")
    expect(field).to_be_focused()
    field.fill(code)
    field.press("Enter")


@pytest.mark.e2e
def test_receiving_by_scanning(live_server: Any, browser_page: Any) -> None:
    po = sent_purchase_order()
    make_user("picker", "warehouse", "小王")
    page = browser_page
    page.goto(f"{live_server.url}/purchasing/orders/{po.number}/receive/")
    page.get_by_label("用户名").fill("picker")
    page.get_by_label("密码").fill("pw-picker")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_test_id("scan")).to_be_focused()
    scan(page, "6901234567892")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-kind", "ok")
    expect(page.get_by_test_id("good-TEE-RED-M")).to_have_value("1")

    scan(page, "0000000000000")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-kind", "unknown")
    expect(result).to_contain_text("0000000000000")
    expect(result).to_have_css("background-color", "rgb(253, 236, 236)")  # red: --danger-soft
    expect(page.get_by_test_id("good-TEE-RED-M")).to_have_value("1")

    # Scans as fast as a scanner fires them: none is lost.
    scan(page, "6901234567892")
    scan(page, "6901234567816")
    expect(page.get_by_test_id("good-TEE-RED-M")).to_have_value("2")
    expect(page.get_by_test_id("good-CAP-BLK")).to_have_value("1")
    scan(page, "6901234567816")  # one cap more than ordered
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-kind", "over")
    expect(page.get_by_test_id("good-CAP-BLK")).to_have_value("2")

    # the extra cap goes back: count it off, then receive
    page.get_by_test_id("good-CAP-BLK").fill("1")
    page.get_by_test_id("receive-submit").click()

    expect(page.get_by_test_id("po-status")).to_have_attribute("data-status", "received")
    assert PurchaseOrder.objects.get(pk=po.pk).status == "received"
    assert sorted(ReceiptLine.objects.values_list("line__sku__code", "good", "over")) == [
        ("CAP-BLK", 1, 0),
        ("TEE-RED-M", 2, 0),
    ]
    assert sorted(StockLevel.objects.values_list("sku__code", "on_hand", "in_transit")) == [
        ("CAP-BLK", 1, 0),
        ("TEE-RED-M", 2, 0),
    ]


@pytest.mark.e2e
def test_the_damaged_toggle_counts_one_unit_then_goes_back_to_good(live_server: Any, browser_page: Any) -> None:
    """Issue 17 D: in the Chinese UI the good/damaged toggle stuck from one unit to the
    next (every unit after a damaged one was counted damaged), and the count read "1 of 2"."""
    po = sent_purchase_order()
    make_user("picker", "warehouse", "小王")
    page = browser_page
    page.goto(f"{live_server.url}/purchasing/orders/{po.number}/receive/")
    page.get_by_label("用户名").fill("picker")
    page.get_by_label("密码").fill("pw-picker")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    page.get_by_role("radio", name="残次").check()
    page.get_by_test_id("scan").focus()
    scan(page, "6901234567892")

    expect(page.get_by_test_id("damaged-TEE-RED-M")).to_have_value("1")
    expect(page.get_by_role("radio", name="良品")).to_be_checked()
    expect(page.get_by_test_id("scan-result")).to_contain_text("1 / 2")
    expect(page.get_by_test_id("scan-result")).not_to_contain_text(" of ")
    scan(page, "6901234567892")
    expect(page.get_by_test_id("good-TEE-RED-M")).to_have_value("1")
    expect(page.get_by_test_id("damaged-TEE-RED-M")).to_have_value("1")
