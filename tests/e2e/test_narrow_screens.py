"""Every staff screen on a phone (issue 17 D): at 390 px no page is wider than the
screen — a wide table scrolls inside its card, forms and grids fall to one column — and
the top bar holds on one line from 720 px to 1400 px, in both languages.

"Every staff screen" is not a hand-kept list: the URL patterns without parameters are
walked, each is fetched as the owner, and every one that answers a whole HTML page is
opened in the browser, with the detail pages of an order in each of a few states."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sellerdesk.orders import actions as order_actions
from tests.api.helpers import advance
from tests.factories import make_sku, make_user, place

# Not screens: sign-out, downloads and the parts a page fetches (answered without <html>
# anyway; named so that a download is not fetched for nothing).
NOT_SCREENS = ("logout/", ".xlsx", "export", "/chat/", "/api/", "/admin/", "/i18n/", "/portal/")
# Room for a sub-pixel rounding of the layout.
SLACK = 1


def _paths_without_parameters() -> list[str]:
    paths: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route:
                paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return [path for path in paths if not any(part in path for part in NOT_SCREENS)]


def _screens(client: Client, orders: list[Any]) -> list[str]:
    """The paths that answer the owner with a whole page."""
    screens = []
    for path in _paths_without_parameters() + [f"/orders/{order.number}/" for order in orders]:
        answer = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        is_page = answer.status_code == 200 and answer["Content-Type"].startswith("text/html")
        if is_page and b"<html" in answer.content[:400]:
            screens.append(path)
    return screens


def _log_in(page: Any, url: str, username: str, language: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_role("button", name=language).click()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator(".login-card button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state("load")


@pytest.mark.e2e
def test_every_staff_screen_fits_a_phone_and_the_bar_holds_one_line(live_server: Any, browser_page: Any) -> None:
    make_sku("TEE", price="59.00", stock=100)
    buyer = order_actions.Buyer("李四", "13900136789", "li_tb")
    orders = [place(("TEE", 1), buyer=buyer), advance(place(("TEE", 2), buyer=buyer), "shipped")]
    owner = make_user("boss", "owner", "老板")
    client = Client()
    client.force_login(owner)
    screens = _screens(client, orders)
    # The walk finds the screens (a broken walk would check nothing).
    for expected in ("/orders/", "/stock/", "/warehouse/", "/service/", "/customers/", f"/orders/{orders[1].number}/"):
        assert expected in screens
    assert len(screens) >= 40

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, live_server.url, "boss", "English")
    too_wide = {}
    for path in screens:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390 + SLACK:
            too_wide[path] = width
    assert too_wide == {}
    # The menu is one row of links that scrolls, not one character per line.
    page.goto(live_server.url + "/orders/")
    page.wait_for_load_state("load")
    link_heights = page.evaluate(
        "[...document.querySelectorAll('.mainnav-links a')].map(a => a.getBoundingClientRect().height)"
    )
    assert link_heights and max(link_heights) < 50

    for language in ("English", "中文"):
        page.get_by_role("button", name=language).click()
        page.wait_for_load_state("load")
        for width in (720, 1024, 1100, 1280, 1400):
            page.set_viewport_size({"width": width, "height": 900})
            height = page.evaluate("document.querySelector('.topbar-inner').getBoundingClientRect().height")
            assert height <= 60, (language, width, height)
            assert page.evaluate("document.documentElement.scrollWidth") <= width + SLACK, (language, width)
