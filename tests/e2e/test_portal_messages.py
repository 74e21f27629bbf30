"""A buyer on a phone (390 px) signs in to the portal, sees one unread message counted in
the header, opens it (read), and chooses no reminders in the preferences."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.notifications.models import BuyerPreference, OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, place

PHONE = "13800138000"


@pytest.mark.e2e
def test_the_buyer_reads_a_message_and_opts_out_on_a_phone(live_server: Any, browser_page: Any, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "PORTAL_SHOW_CODES": True}
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-M", name="纯棉T恤 M", price="59.00", stock=10)
    order = place(("TEE-M", 1), buyer=order_actions.Buyer("王小丽", PHONE, "xiaoli"))
    message = OutgoingMessage.objects.create(
        order=order, customer_id=order.customer_id, channel="in_site", recipient=str(order.customer_id),
        kind="parcel_shipped", subject="您的订单已发货", text=f"您的订单{order.number}已发货啦！", status="sent",
    )  # fmt: skip
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/portal/sign-in/")
    page.locator("#id_order_number").fill(order.number)
    page.locator("#id_phone").fill(PHONE)
    page.locator("#send-code").click()
    code = page.locator("#shown-code .code-shown").inner_text().strip()
    page.locator("#id_code").fill(code)
    page.locator("#sign-in").click()

    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.get_by_test_id("inbox-link").click()
    page.get_by_test_id(f"message-{message.pk}").click()
    expect(page.locator(".message-text")).to_contain_text("已发货啦")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    message.refresh_from_db()
    assert message.read_at is not None

    page.goto(f"{live_server.url}/portal/preferences/")
    page.locator("#email").fill("xiaoli@example.com")
    page.locator("input[name=opt_out]").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg")).to_be_visible()
    preference = BuyerPreference.objects.get()
    assert (preference.email, preference.opt_out) == ("xiaoli@example.com", True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
