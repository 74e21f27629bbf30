"""Issue 17 D in a real browser: the owner ticks orders on the order list and approves
them in bulk, sees which one was refused, ticks the whole page, and downloads the list
as Excel after narrowing it to two pasted numbers; on a phone (390 px) an agent ticks
an order and assigns it.
Selectors use names, values and test ids, so the test holds in either language."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance
from tests.factories import make_sku, make_user, place


def orders() -> list[Order]:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE", price="59.00", stock=100)
    ready = [advance(place(("TEE", 1)), "pending_review") for _ in range(2)]
    return [*ready, place(("TEE", 1))]  # the last one is unpaid: it cannot be approved


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")


def row_box(page: Any, number: str) -> Any:
    return page.locator(f"input[data-select-row][value='{number}']")


@pytest.mark.e2e
def test_owner_approves_ticked_orders_and_exports_the_list(live_server: Any, browser_page: Any) -> None:
    first, second, unpaid = orders()
    make_user("owner", "owner", "老板")
    page = browser_page
    log_in(page, f"{live_server.url}/orders/", "owner")

    for order in (first, second, unpaid):
        row_box(page, order.number).check()
    expect(page.locator("[data-selected-count]")).to_have_text("3")
    page.get_by_test_id("bulk-action").select_option("approve")
    page.get_by_test_id("bulk-run").click()

    results = page.get_by_test_id("bulk-results")
    expect(results.locator(f"li.ok[data-number='{first.number}']")).to_be_visible()
    expect(results.locator(f"li.error[data-number='{unpaid.number}']")).to_contain_text("待付款")
    assert [Order.objects.get(pk=o.pk).status for o in (first, second, unpaid)] == ["approved", "approved", "unpaid"]

    # the header's box ticks every row of the page
    page.locator("input[data-select-all]").check()
    expect(page.locator("input[data-select-row]:checked")).to_have_count(3)

    # two numbers pasted in the search box narrow the list as typed; the export follows
    page.locator("#id_q").fill(f"{first.number}, {unpaid.number}")
    expect(page.locator("input[data-select-row]")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:
        book = load_workbook(file, read_only=True)
        numbers = sorted(row[0] for row in list(book.active.iter_rows(values_only=True))[1:])
    assert numbers == sorted(o.number for o in (first, unpaid))


@pytest.mark.e2e
def test_agent_assigns_a_ticked_order_on_a_phone(live_server: Any, browser_page: Any) -> None:
    first, _second, _unpaid = orders()
    make_user("agent", "agent", "阿华")
    make_user("xiaomei", "agent", "小美")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/orders/", "agent")

    row_box(page, first.number).check()
    page.get_by_test_id("bulk-action").select_option("assign")
    page.locator("#bulk-form select[name=assignee]").select_option("xiaomei")
    page.get_by_test_id("bulk-run").click()

    expect(page.get_by_test_id(f"assignee-{first.number}")).to_have_text("小美")
    assert Order.objects.get(pk=first.pk).assignee.username == "xiaomei"  # type: ignore[union-attr]
    # nothing on the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
