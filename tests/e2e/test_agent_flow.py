"""The issue's browser scenario: an agent logs in, finds a paid order by the buyer's
phone, approves and ships it, sees the timeline, and switches to English."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place

PHONE = "13912345678"


def given_a_shop_with_orders() -> Order:
    """A handful of orders in several states, and the one the agent will work on: paid,
    waiting for review, bought by 陈静 (phone 13912345678)."""
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Shop.objects.get_or_create(code="tmall", defaults={"name": "天猫旗舰店", "platform": "tmall"})
    make_sku("TEE-WHT-L", name="纯棉圆领T恤", price="79.00", stock=200, attributes={"颜色": "白", "尺码": "L"})
    make_sku("LIP-03", name="丝绒哑光口红 #03", price="129.00", stock=200, attributes={"色号": "03 豆沙"})
    now = timezone.now()
    buyers = [
        ("王芳", "13700001111"),
        ("李娜", "13600002222"),
        ("刘洋", "13500003333"),
        ("张伟", "13300004444"),
        ("赵磊", "13200005555"),
        ("周敏", "15800006666"),
    ]
    for index, (name, phone) in enumerate(buyers):
        order = place(
            ("TEE-WHT-L", 1 + index % 2),
            ("LIP-03", 1),
            shop="tmall" if index % 2 else "main",
            buyer=order_actions.Buyer(name, phone, f"nick{index}"),
            placed_at=now - timedelta(hours=5 + index),
        )
        if index >= 2:
            record_payment(order=order, amount=order.total, method="online", reference=f"TX-{index}", actor=None)
        if index >= 3:
            order_actions.approve_order(order=order, actor=None)
        if index == 4:
            order_actions.ship_order(order=order, actor=None, carrier="中通快递", tracking_number="ZT5550001")
        if index == 5:
            order_actions.set_flag(order=order, actor=None, color="orange", reason="要发票")
    target = place(
        ("TEE-WHT-L", 2),
        ("LIP-03", 1),
        buyer=order_actions.Buyer("陈静", PHONE, "chenjing"),
        buyer_message="麻烦发顺丰，谢谢！",
        placed_at=now - timedelta(hours=1),
    )
    record_payment(order=target, amount=Decimal("287.00"), method="online", reference="TX-TARGET", actor=None)
    return Order.objects.get(pk=target.pk)


@pytest.mark.e2e
def test_agent_finds_approves_and_ships_an_order_then_switches_to_english(live_server: Any, browser_page: Any) -> None:
    order = given_a_shop_with_orders()
    make_user("agent", "agent", "阿华")
    page = browser_page

    # Log in (the order list asks for it first).
    page.goto(f"{live_server.url}/orders/")
    expect(page.get_by_role("heading", name="登录 sellerdesk")).to_be_visible()
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("pw-agent")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="订单", exact=True)).to_be_visible()
    expect(page.locator(".orders-table tbody tr")).to_have_count(7)
    expect(page.locator("#id_q")).to_be_focused()
    page.screenshot(path="/tmp/ui-list.png", full_page=True)

    # Search by the buyer's phone: typing is enough, the results follow (htmx) and the
    # address keeps the search.
    page.locator("#id_q").fill(PHONE)
    expect(page.locator(".orders-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"/orders/\?q={PHONE}&"))
    row = page.locator(".orders-table tbody tr").first
    expect(row).to_contain_text("陈静")
    expect(row).to_contain_text("待审核")
    row.get_by_role("link", name=order.number).click()

    # Open it and approve.
    expect(page.get_by_role("heading", name=f"订单 {order.number}")).to_be_visible()
    expect(page.locator("#buyer-message")).to_have_text("麻烦发顺丰，谢谢！")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator(".msg-success")).to_have_text("订单已审核。")
    expect(page.get_by_test_id("order-status")).to_have_text("已审核")

    # Ship it with carrier and tracking number.
    page.get_by_label("快递公司").fill("顺丰速运")
    page.get_by_label("运单号").fill("SF1002003004")
    page.get_by_role("button", name="发货", exact=True).click()
    expect(page.locator(".msg-success")).to_have_text("订单已发货。")
    expect(page.get_by_test_id("order-status")).to_have_text("已发货")

    # The timeline, oldest first, ends with approval and shipping.
    entries = page.locator(".timeline li")
    expect(entries).to_have_count(5)
    expect(entries.nth(0)).to_contain_text("下单")
    expect(entries.nth(3)).to_contain_text("已审核")
    expect(entries.nth(3)).to_contain_text("阿华")
    expect(entries.nth(4)).to_contain_text("已发货")
    expect(entries.nth(4)).to_contain_text("顺丰速运，运单号 SF1002003004")
    expect(entries.nth(4)).to_contain_text("已审核 → 已发货")
    page.screenshot(path="/tmp/ui-order.png", full_page=True)

    # Switch to English: same page, English labels.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(page.get_by_role("button", name="Mark delivered")).to_be_visible()
    expect(entries.nth(4)).to_contain_text("顺丰速运, tracking number SF1002003004")
    assert page.url == f"{live_server.url}/orders/{order.number}/"

    # And the database agrees.
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "顺丰速运", "SF1002003004")
    assert list(order.events.order_by("at", "pk").values_list("type", "actor__username")) == [
        ("placed", None),
        ("payment_recorded", None),
        ("paid", None),
        ("approved", "agent"),
        ("shipped", "agent"),
    ]
