"""A warehouse worker counts stock in a real browser: starts a count, types the counts
with the keyboard (Enter goes to the next line), sees the differences, posts them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.models import MovementKind, StockCount, StockLevel, StockMovement, Warehouse
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user


@pytest.mark.e2e
def test_a_worker_counts_and_posts_the_differences(live_server: Any, browser_page: Any) -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("CAP-BLK", name="棒球帽", stock=5)
    make_sku("TEE-RED-M", name="纯棉T恤", stock=10)
    make_user("picker", "warehouse", "小王")
    page = browser_page

    page.goto(f"{live_server.url}/stock/counts/")
    page.get_by_label("用户名").fill("picker")
    page.get_by_label("密码").fill("pw-picker")
    page.get_by_role("button", name="登录").click()

    # start a count of the main warehouse: every SKU with stock
    page.locator("#id_warehouse").select_option("main")
    page.locator("#start-count-button").click()
    expect(page.locator("#count-status")).to_be_visible()
    count = StockCount.objects.get()
    cap_line, tee_line = count.lines.order_by("sku__code")

    # type the counts: Enter moves from the first box to the second, Enter on the last saves
    first = page.locator(f"#counted-{cap_line.pk}")
    expect(first).to_be_focused()
    first.fill("7")
    first.press("Enter")
    second = page.locator(f"#counted-{tee_line.pk}")
    expect(second).to_be_focused()
    second.fill("9")
    second.press("Enter")

    # the differences are shown before posting
    differences = page.locator("#differences")
    expect(differences).to_contain_text("CAP-BLK")
    expect(differences).to_contain_text("+2")
    expect(differences).to_contain_text("TEE-RED-M")
    expect(differences).to_contain_text("-1")
    page.locator("#post-count").click()

    expect(page.locator("#post-count")).to_have_count(0)
    count.refresh_from_db()
    assert count.status == "posted"
    assert dict(StockLevel.objects.values_list("sku__code", "on_hand")) == {"CAP-BLK": 7, "TEE-RED-M": 9}
    assert sorted(
        StockMovement.objects.filter(document=count.number, kind=MovementKind.ADJUST).values_list(
            "sku__code", "on_hand_delta"
        )
    ) == [("CAP-BLK", 2), ("TEE-RED-M", -1)]
