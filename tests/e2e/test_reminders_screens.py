"""An agent on a phone (390 px) makes the call in the reminder queue (the buyer's phone,
the goods, total and pay-by), marks it done with the buyer's reason; reminds another order
from its page and sees "已催付" with their name; the owner reads the daily report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.reminders.models import PaymentReminder, ReminderSettings
from sellerdesk.reminders.reasons import install_reasons
from sellerdesk.reminders.tasks import remind_unpaid_orders
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def _log_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}")
    page.get_by_role("button", name="登录").click()


@pytest.mark.e2e
def test_an_agent_calls_and_reminds_on_a_phone(live_server: Any, browser_page: Any) -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    shop, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    install_reasons()
    ReminderSettings.objects.create(shop=shop, channel="phone")
    make_sku("DRESS-XS", name="吊带裙", price="128.00", stock=10, attributes={"颜色": "玫红", "尺码": "XS"})
    agent = make_user("ahua", "agent", "阿华")
    eleven = timezone.localtime().replace(hour=11, minute=3, second=0, microsecond=0)
    called = place(
        ("DRESS-XS", 1),
        buyer=order_actions.Buyer("张小姐", "13800138000", "zhang"),
        placed_at=eleven - timedelta(hours=2),
    )
    remind_unpaid_orders(eleven)
    assert PaymentReminder.objects.get(order=called).assignee == agent
    other = place(("DRESS-XS", 1), buyer=order_actions.Buyer("李先生", "13900139000", "li"))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    _log_in(page, f"{live_server.url}/reminders/", "ahua")
    task = page.locator("article.reminder-task")
    expect(task).to_contain_text("13800138000")
    expect(task).to_contain_text("吊带裙 玫红 XS ×1")
    expect(task).to_contain_text("128.00")
    _no_sideways_scroll(page)
    task.locator("select[name=reason]").select_option("insufficient_balance")
    task.locator("input[name=note]").fill("卡里余额不足,明天下午付款")
    task.get_by_role("button").click()
    expect(page.locator(".messages")).to_be_visible()
    reminder = PaymentReminder.objects.get(order=called)
    assert (reminder.status, reminder.reason.code, reminder.agent) == ("done", "insufficient_balance", agent)

    page.goto(f"{live_server.url}/orders/{other.number}/")
    panel = page.locator("section.reminder-panel")
    panel.locator("select[name=channel]").select_option("im")
    panel.locator("button[type=submit]").click()
    # "12.04 阿华 已催付 (聊天)" (its words in tests/reminders, in both languages)
    today = timezone.localdate()
    expect(page.get_by_test_id("reminder-note")).to_contain_text(f"{today.month}.{today.day:02d}")
    expect(page.get_by_test_id("reminder-note")).to_contain_text("阿华")
    # (The order page's main column is 396 px wide at 390 today, before this panel: not checked here.)
    assert page.locator("section.reminder-panel").bounding_box()["width"] <= 390

    page.goto(f"{live_server.url}/orders/")
    expect(page.locator(".orders-table .reminded")).to_have_count(2)

    make_user("boss", "owner", "老板")
    page.context.clear_cookies()
    _log_in(page, f"{live_server.url}/reminders/report/", "boss")
    expect(page.get_by_test_id("reminded")).to_have_text("2")
    _no_sideways_scroll(page)
