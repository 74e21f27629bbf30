"""The top bar's search box in a browser: "/" focuses it on a page without its own search,
the last 4 digits of a phone list the buyer's orders and customer, a tracking number opens
its order; the bar holds on one line at 1400 px (both languages) and at 390 px the box and
every link under "More" are reachable without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.orders import actions as order_actions
from tests.api.helpers import advance
from tests.factories import make_sku, make_user, place


def _log_in(page: Any, url: str, username: str, language: str) -> None:
    page.goto(url)
    page.get_by_role("button", name=language).click()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator(".login-card button[type=submit]").click()


def _orders() -> dict[str, Any]:
    make_sku("TEE", price="59.00", stock=100)
    buyer = order_actions.Buyer("李四", "13900136789", "li_tb")
    first = place(("TEE", 1), buyer=buyer)
    shipped = advance(place(("TEE", 2), buyer=buyer), "shipped")
    other = place(("TEE", 1), buyer=order_actions.Buyer("王五", "13800131111", ""))
    return {"first": first, "shipped": shipped, "other": other}


@pytest.mark.e2e
def test_the_search_box_finds_by_phone_tail_and_opens_by_tracking_number(live_server: Any, browser_page: Any) -> None:
    orders = _orders()
    make_user("boss", "owner", "老板")
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 900})

    _log_in(page, f"{live_server.url}/orders/{orders['other'].number}/", "boss", "English")
    expect(page).to_have_url(f"{live_server.url}/orders/{orders['other'].number}/")
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("document.querySelector('.topbar-inner').getBoundingClientRect().height") <= 60
    # ... and no link of the bar is cut off (its links scroll only when the bar is narrow).
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.mainnav-links'))")
    page.locator("body").press("/")
    expect(page.locator("#topbar-q")).to_be_focused()
    page.keyboard.type("6789")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/search/?q=6789")
    results = page.locator("#search-orders").locator("xpath=..")
    expect(results.get_by_role("link", name=orders["first"].number)).to_be_visible()
    expect(results.get_by_role("link", name=orders["shipped"].number)).to_be_visible()
    expect(results.get_by_role("link", name=orders["other"].number)).to_have_count(0)
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()

    page.locator("#topbar-q").fill(orders["shipped"].tracking_number)
    page.locator("#topbar-q").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/orders/{orders['shipped'].number}/")


@pytest.mark.e2e
def test_the_top_bar_at_1400_px_in_chinese_and_at_390_px(live_server: Any, browser_page: Any) -> None:
    orders = _orders()
    make_user("boss", "owner", "老板")
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 900})

    _log_in(page, f"{live_server.url}/orders/", "boss", "中文")
    expect(page).to_have_url(f"{live_server.url}/orders/")
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.evaluate("document.querySelector('.topbar-inner').getBoundingClientRect().height") <= 60
    # ... and no link of the bar is cut off (its links scroll only when the bar is narrow).
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.mainnav-links'))")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/orders/{orders['first'].number}/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    expect(page.locator("#topbar-q")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    nav.locator("summary").click()
    nav.get_by_role("link", name="库存", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/stock/")
    page.wait_for_load_state("load")  # the stock page's own filter form is set up by then
    page.locator("#topbar-q").fill("6789")
    page.locator("#topbar-q").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/search/?q=6789")
    expect(page.get_by_role("link", name=orders["first"].number)).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
