"""In a real browser: an agent merges two orders of one buyer, splits the merged order
back into its originals and splits a part off an order; a supervisor reviews the whole
queue as a background run and watches its progress bar fill."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, ReviewRun
from sellerdesk.orders.review import runs
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place

BUYER = order_actions.Buyer("王小明", "13900000001", "xiaoming")


def _paid(*lines: tuple[str, int], buyer: order_actions.Buyer = BUYER) -> Order:
    order = place(*lines, buyer=buyer)
    record_payment(order=order, amount=order.total, method="online", reference=f"TX-{order.number}", actor=None)
    return Order.objects.get(pk=order.pk)


def _shop() -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-WHT-L", name="纯棉圆领T恤", price="79.00", stock=200)
    make_sku("CAP-BLK", name="棒球帽", price="39.00", stock=200)


def _log_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/orders/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}")
    page.get_by_role("button", name="登录").click()


@pytest.mark.e2e
def test_agent_merges_two_orders_and_splits_them_back(live_server: Any, browser_page: Any) -> None:
    _shop()
    first, second = _paid(("TEE-WHT-L", 1)), _paid(("CAP-BLK", 2))
    make_user("agent", "agent", "阿华")
    page = browser_page
    _log_in(page, live_server.url, "agent")

    page.goto(f"{live_server.url}/orders/{first.number}/")
    page.locator("#merge-button").click()

    merged = Order.objects.get(status="pending_review", merged_into__isnull=True, split_from__isnull=True)
    expect(page).to_have_url(f"{live_server.url}/orders/{merged.number}/")
    assert sorted(merged.lines.values_list("sku_code", "quantity")) == [("CAP-BLK", 2), ("TEE-WHT-L", 1)]
    assert merged.total == first.total + second.total
    expect(page.get_by_role("link", name=first.number)).to_be_visible()

    page.locator("#unmerge-button").click()

    expect(page.locator("#merge-split")).to_be_visible()
    assert sorted(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == [
        "pending_review",
        "pending_review",
    ]
    assert Order.objects.get(pk=merged.pk).status == "closed"


@pytest.mark.e2e
def test_agent_splits_a_part_off_an_order(live_server: Any, browser_page: Any) -> None:
    _shop()
    order = _paid(("TEE-WHT-L", 3), ("CAP-BLK", 1))
    make_user("agent", "agent", "阿华")
    page = browser_page
    _log_in(page, live_server.url, "agent")

    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.locator("input[name=move_1]").fill("1")
    page.locator("input[name=move_2]").fill("1")
    page.locator("#split-button").click()

    parts = list(Order.objects.filter(split_from=order).order_by("pk"))
    assert len(parts) == 2
    expect(page).to_have_url(f"{live_server.url}/orders/{parts[0].number}/")
    assert [sorted(part.lines.values_list("sku_code", "quantity")) for part in parts] == [
        [("TEE-WHT-L", 2)],
        [("CAP-BLK", 1), ("TEE-WHT-L", 1)],
    ]
    assert sum(part.total for part in parts) == order.total


@pytest.mark.e2e
def test_supervisor_reviews_the_queue_and_watches_the_progress(live_server: Any, browser_page: Any) -> None:
    _shop()
    for index in range(3):  # three buyers: one buyer's orders would be held as merge candidates
        _paid(("TEE-WHT-L", 1), buyer=order_actions.Buyer(f"买家{index}", f"1380000000{index}", f"nick{index}"))
    make_user("boss", "supervisor", "主管")
    page = browser_page
    _log_in(page, live_server.url, "boss")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="异常订单").click()
    page.get_by_label("包括仍在暂存期内的订单").check()
    page.get_by_role("button", name="立即审核全部待审订单").click()

    expect(page.get_by_test_id("review-run-status")).to_contain_text("0 / 3")
    run = ReviewRun.objects.get()
    runs.execute_review_run(run.pk, force=True)  # what the worker does with the queued task

    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("review-run-status")).to_contain_text("3 / 3")
    assert set(Order.objects.values_list("status", flat=True)) == {"approved"}
