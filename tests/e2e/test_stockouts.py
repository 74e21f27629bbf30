"""An agent handles a stockout in a real browser: the order is on the stockout list with
its short quantity; the agent records the buyer's answer (wait until a promised date)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, Shortage
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def stockout_order() -> Order:
    main, _created = Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    sku = make_sku("TEE-NAVY-L", name="纯棉T恤 藏青 L", price="79.00", stock=3)
    order = place(("TEE-NAVY-L", 3), buyer=order_actions.Buyer("陈静", "13912345001", "静静"))
    record_payment(order=order, amount=order.total, method="online", reference="TX-SO-1", actor=None)
    order_actions.approve_order(order=order, actor=None)
    allocate_order(order=order, actor=None)
    release_for_shortfall(
        sku_id=sku.pk, warehouse_id=main.pk, quantity=2, document="PD-1", actor=None, at=timezone.now()
    )
    return Order.objects.get(pk=order.pk)


@pytest.mark.e2e
def test_agent_records_the_buyers_answer_to_a_stockout(live_server: Any, browser_page: Any) -> None:
    order = stockout_order()
    assert order.status == "stockout"
    make_user("agent", "agent", "阿华")
    page = browser_page

    page.goto(f"{live_server.url}/stockouts/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("pw-agent")
    page.get_by_role("button", name="登录").click()

    section = page.locator("section.stockout", has=page.get_by_role("link", name=order.number))
    expect(section).to_be_visible()
    expect(section.locator("tbody tr td.num").nth(1)).to_have_text("2")  # short 2 of 3
    form = section.locator(f"form[action='/stockouts/{order.number}/resolve/']")
    form.locator("select[name=option]").select_option("delay")
    form.locator("input[name=buyer_answer]").fill("可以等到下周")
    promised = (timezone.localdate() + timedelta(days=7)).isoformat()
    form.locator("input[name=promised_date]").fill(promised)
    form.locator("button[type=submit]").click()

    expect(page.locator(".messages")).to_contain_text(order.number)
    expect(section.get_by_text("可以等到下周")).to_be_visible()
    row = Shortage.objects.get(order=order)
    assert (row.option, row.buyer_answer, row.promised_date.isoformat(), row.handled_by.username) == (
        "delay",
        "可以等到下周",
        promised,
        "agent",
    )
    assert Order.objects.get(pk=order.pk).status == "stockout"
