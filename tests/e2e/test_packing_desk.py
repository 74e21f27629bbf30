"""A packer at the packing desk, keyboard (scanner) only: scans the order number, one
wrong unit (refused in red with the reason, nothing counted), the right units (green),
then labels the parcel."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.fulfilment.models import WaveOrder
from sellerdesk.inventory.models import Bin, Warehouse
from sellerdesk.logistics.models import Shipment
from sellerdesk.shops.models import Shop
from tests.factories import make_user


@pytest.mark.e2e
def test_a_wrong_scan_is_refused_and_the_right_ones_pack_the_order(
    live_server: Any, browser_page: Any, settings: Any
) -> None:
    warehouse, _created = Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Bin.objects.create(warehouse=warehouse, code="A-01", zone="A", route_order=1)
    Bin.objects.create(warehouse=warehouse, code="A-02", zone="A", route_order=2)
    from tests.fulfilment.conftest import picked, sku
    from tests.logistics.helpers import carriers

    carriers()
    sku("TEE-RED-M", stock_in={"A-01": 5}, barcode="6900000000011", weight=200)
    sku("TEE-BLUE-M", stock_in={"A-02": 5}, barcode="6900000000028", weight=200)
    user = make_user("picker", "warehouse", "小王")
    order = picked(("TEE-RED-M", 2), actor=user)
    page = browser_page

    page.goto(f"{live_server.url}/warehouse/pack/")
    page.get_by_label("用户名").fill("picker")
    page.get_by_label("密码").fill("pw-picker")
    page.get_by_role("button", name="登录").click()

    # the scan field has the focus: the scanner types the order number and Enter
    scan = page.locator("#scan-input")
    expect(scan).to_be_focused()
    page.keyboard.type(order.number)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/warehouse/pack/{order.number}/")
    expect(page.locator("#progress")).to_contain_text("0 / 2")

    # a blue shirt instead of a red one: refused in red with the reason, nothing counted
    expect(page.locator("#scan-input")).to_be_focused()
    page.keyboard.type("6900000000028")
    page.keyboard.press("Enter")
    feedback = page.locator("#scan-feedback")
    expect(feedback).to_have_class("scan-feedback bad")
    expect(feedback).to_contain_text("TEE-BLUE-M")
    expect(page.locator("#progress")).to_contain_text("0 / 2")
    assert WaveOrder.objects.get(order=order).scanned == {}
    expect(page.locator("#label-button")).to_be_disabled()

    # the two red shirts, scanned as fast as a scanner fires: both counted, in green
    expect(page.locator("#scan-input")).to_be_focused()
    for _shirt in range(2):
        page.keyboard.type("6900000000011")
        page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("2 / 2")
    expect(feedback).to_have_class("scan-feedback good")

    page.locator("#label-button").click()
    expect(page.locator("#label-ready")).to_be_visible()
    shipment = Shipment.objects.get(order=order)
    expect(page.locator("#label-ready")).to_contain_text(shipment.tracking_number)
    order.refresh_from_db()
    assert order.status == "packed"
