"""A supplier logs in with its own login, opens its paid dropship purchase order and marks
it shipped with a tracking number: the buyer's order ships with that parcel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder, Supplier, SupplierMember, SupplierSku
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def paid_purchase() -> PurchaseOrder:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    owner = make_user("boss", "owner", "老板")
    supplier = Supplier.objects.create(code="acme", name="杭州优品供应链")
    SupplierMember.objects.create(user=make_user("acme", "supplier", "优品发货员"), supplier=supplier)
    sku = make_sku("MUG-DS", name="手绘马克杯", price="99.00", stock=5)
    Sku.objects.filter(pk=sku.pk).update(is_dropship=True)
    SupplierSku.objects.create(supplier=supplier, sku=sku, cost=Decimal("30.00"), is_dropship=True, is_preferred=True)
    order = place(("MUG-DS", 1), buyer=order_actions.Buyer("李四", "13900001111", "lisi"))
    record_payment(order=order, amount=order.total, method="online", reference="E2E-1", actor=None)
    order = Order.objects.get(pk=order.pk)
    if not PurchaseOrder.objects.filter(for_order=order).exists():
        dropship.on_order_paid(order=order, actor=None, at=order.paid_at)  # type: ignore[arg-type]
    order_actions.approve_order(order=order, actor=owner)
    return dropship.pay_dropship_purchase(purchase=PurchaseOrder.objects.get(for_order=order), actor=owner)


@pytest.mark.e2e
def test_a_supplier_marks_its_purchase_order_shipped(live_server: Any, browser_page: Any) -> None:
    purchase = paid_purchase()
    page = browser_page

    page.goto(f"{live_server.url}/supplier/")
    page.get_by_label("用户名").fill("acme")
    page.get_by_label("密码").fill("pw-acme")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name=purchase.number).click()
    expect(page.locator("#ship-to")).to_contain_text("李四")
    expect(page.locator("#ship-to")).to_contain_text("13900001111")
    page.locator("#id_carrier").fill("顺丰速运")
    page.locator("#id_tracking_number").fill("SF 12")  # a typo first: refused, nothing changed
    page.locator("#ship-button").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert PurchaseOrder.objects.get(pk=purchase.pk).status == "sent"

    page.locator("#id_tracking_number").fill("SF1234567890")
    page.locator("#ship-button").click()

    expect(page.locator("#purchase-tracking")).to_contain_text("SF1234567890")
    expect(page.locator("#ship-form")).to_have_count(0)
    purchase.refresh_from_db()
    order = Order.objects.get(pk=purchase.for_order_id)
    assert (purchase.status, order.status, order.carrier, order.tracking_number) == (
        "shipped",
        "shipped",
        "顺丰速运",
        "SF1234567890",
    )
