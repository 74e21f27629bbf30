"""The after-sales desk in a browser: an agent finds the buyer's return request in the
queue and approves it; the warehouse scans the case at the inspection desk, counts the
two units in and grades them with the keyboard (one good, one defective); the case page
shows it received and inspected. No error in the browser's console on the way."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.aftersales import actions
from sellerdesk.aftersales.models import Case, CaseSource
from sellerdesk.inventory.models import Warehouse
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import delivered_order
from tests.factories import make_sku, make_user


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


@pytest.mark.e2e
def test_an_agent_approves_and_the_warehouse_grades_with_the_keyboard(
    live_server: Any, browser_page: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-RED-M", name="纯棉T恤 红 M", price="59.00")
    make_user("agent", "agent", "阿华")
    make_user("picker", "warehouse", "小王")
    order = delivered_order(("TEE-RED-M", 2))
    line = order.lines.get()
    case = actions.open_case(
        order=order,
        type="return_refund",
        reason="quality",
        lines=[actions.LineRequest(order_line_id=line.pk, quantity=2)],
        description="衣服开线了",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
    )
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # The agent: the queue lists the request; its page approves it.
    log_in(page, f"{live_server.url}/aftersales/", "agent")
    expect(page).to_have_url(f"{live_server.url}/aftersales/")
    page.get_by_role("link", name=case.number).click()
    expect(page).to_have_url(f"{live_server.url}/aftersales/cases/{case.number}/")
    expect(page.get_by_test_id("case-lines")).to_contain_text("TEE-RED-M")
    page.get_by_test_id("approve").click()
    expect(page.locator(".msg-success")).to_contain_text(case.number)
    expect(page.get_by_test_id("approve")).to_have_count(0)
    expect(page.get_by_test_id("to-inspection")).to_have_count(0)  # the agent does not receive
    case.refresh_from_db()
    assert case.status == "awaiting_return"

    # The warehouse: scan the case number, count two units in, grade them G then D.
    page.context.clear_cookies()
    log_in(page, f"{live_server.url}/aftersales/inspection/", "picker")
    scan = page.locator("#scan-input")
    expect(scan).to_be_focused()
    page.keyboard.type(case.number)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/aftersales/inspection/{case.number}/")
    grader = page.locator("[data-grader]")
    expect(grader).to_be_focused()
    expect(page.locator("[data-grader-current]")).to_contain_text("1")
    page.keyboard.press("g")
    # The toggle starts empty again for the second unit.
    expect(page.locator('[data-grade="good"]')).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("d")
    expect(page.locator("[data-grader-current]")).to_have_attribute("data-done", "1")
    expect(page.locator(f'input[name="good_{case.lines.get().pk}"]')).to_have_value("1")
    expect(page.locator(f'input[name="defective_{case.lines.get().pk}"]')).to_have_value("1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/aftersales/inspection/")
    expect(page.locator(".msg-success")).to_contain_text(case.number)

    case.refresh_from_db()
    graded = case.lines.get()
    assert (case.status, case.inspection_result) == ("inspected", "partial")
    assert (graded.received, graded.good, graded.defective) == (2, 1, 1)

    # The case page shows it received and inspected, to the warehouse as to the agent.
    page.goto(f"{live_server.url}/aftersales/cases/{case.number}/")
    expect(page.get_by_test_id("inspection-result")).to_be_visible()
    expect(page.get_by_test_id("case-lines")).to_contain_text("2")
    expect(page.get_by_test_id("approve")).to_have_count(0)
    assert problems == []
    assert Case.objects.count() == 1
