"""The owner on a phone (390 px) edits the payment reminder's SMS and watches the preview
on the latest order follow the typing, with its length in SMS; saves it; resends a dead
message from the outbox. The buyer reads an in-site message in the portal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.notifications.models import MessageTemplate, OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


@pytest.mark.e2e
def test_the_owner_edits_a_template_on_a_phone_and_resends_a_dead_message(live_server: Any, browser_page: Any) -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("DRESS-XS", name="吊带裙", price="128.00", stock=10, attributes={"颜色": "玫红", "尺码": "XS"})
    order = place(("DRESS-XS", 1), buyer=order_actions.Buyer("张小姐", "13800138000", "zhang"))
    dead = OutgoingMessage.objects.create(
        channel="sms", recipient="13800138000", kind="paid", text="【主店】收到", status="dead", last_error="网关超时"
    )
    make_user("boss", "owner", "老板")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/notifications/templates/payment_reminder/sms/zh-hans/")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill("pw-boss")
    page.get_by_role("button", name="登录").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text(order.number)
    expect(preview).to_contain_text("吊带裙（玫红 XS）")
    _no_sideways_scroll(page)

    page.locator("textarea[name=body]").fill("【{shop_name}】{buyer_name}您好，{goods}还没付款哦")
    expect(preview).to_contain_text("【主店】张小姐您好，吊带裙（玫红 XS） × 1还没付款哦")
    expect(page.get_by_test_id("sms-length")).to_contain_text("1")
    page.locator("textarea[name=body]").fill("{buyer_nmae}您好")
    expect(preview).to_contain_text("{buyer_nmae}")

    page.locator("textarea[name=body]").fill("【{shop_name}】{buyer_name}您好，订单{order_number}还没付款哦")
    page.locator("button[name=do][value=save]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert MessageTemplate.objects.get().body == "【{shop_name}】{buyer_name}您好，订单{order_number}还没付款哦"

    page.goto(f"{live_server.url}/notifications/")
    _no_sideways_scroll(page)
    page.get_by_test_id(f"message-{dead.pk}").click()
    expect(page.get_by_text("网关超时").first).to_be_visible()
    page.get_by_test_id("resend").click()
    # The page after the resend shows the message no longer dead (by its badge's status class).
    expect(page.get_by_test_id("status")).not_to_have_class(re.compile(r"badge-msg-dead"))
    dead.refresh_from_db()
    assert dead.status in ("queued", "sending", "sent", "retrying")

    page.goto(f"{live_server.url}/notifications/settings/")
    _no_sideways_scroll(page)
