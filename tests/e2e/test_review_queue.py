"""An agent works the exception queue in a real browser: sees the held orders grouped
by reason and approves one of them in bulk."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def held_orders() -> list[Order]:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-WHT-L", name="纯棉圆领T恤", price="79.00", stock=200)
    held = []
    for index, message in enumerate(["帮我换成蓝色的吧", "周末再发，先别急"]):
        order = place(
            ("TEE-WHT-L", 1),
            buyer=order_actions.Buyer(f"买家{index}", f"1390000000{index}", f"nick{index}"),
            buyer_message=message,
        )
        record_payment(order=order, amount=order.total, method="online", reference=f"TX-{index}", actor=None)
        review_actions.review_order(order_id=order.pk, now=timezone.now(), force=True)
        held.append(Order.objects.get(pk=order.pk))
    return held


@pytest.mark.e2e
def test_agent_approves_a_held_order_from_the_exception_queue(live_server: Any, browser_page: Any) -> None:
    first, second = held_orders()
    assert [first.status, second.status] == ["on_hold", "on_hold"]
    make_user("agent", "agent", "阿华")
    page = browser_page

    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("pw-agent")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="异常订单").click()

    expect(page.get_by_role("heading", name="异常订单")).to_be_visible()
    expect(page.get_by_role("link", name=first.number)).to_be_visible()
    expect(page.get_by_role("link", name=second.number)).to_be_visible()
    page.get_by_label(first.number).check()
    page.get_by_role("button", name="通过所选订单").click()

    expect(page.get_by_text("已处理 1 个订单。")).to_be_visible()
    expect(page.get_by_role("link", name=first.number)).to_have_count(0)
    expect(page.get_by_role("link", name=second.number)).to_be_visible()
    assert [Order.objects.get(pk=o.pk).status for o in (first, second)] == ["approved", "on_hold"]
