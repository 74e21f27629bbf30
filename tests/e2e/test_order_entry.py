"""Manual order entry in a browser, by keyboard alone: the agent logs in, presses Alt+N
on the order list (its search box has the focus), pastes the buyer's address as one line,
scans two SKUs, changes a quantity, writes a memo and places the order with Ctrl+Enter —
no mouse click anywhere — and the time it took is printed. At 390 px the form has no
sideways scroll, and a returning buyer is found by the last digits of the phone and
picked with the arrow keys."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.catalog.actions import create_sku
from sellerdesk.customers.book import AddressInput, add_address
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.actions import set_on_hand
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderNote
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def _shop() -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-RED-M", name="纯棉T恤", price="59.00", stock=50, attributes={"颜色": "红", "尺码": "M"})
    mug = create_sku(actor=None, code="MUG-01", name="马克杯", price=Decimal("25.00"), barcode="6901234567890")
    set_on_hand(sku=mug, on_hand=20, actor=None)


def _log_in_by_keyboard(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/?next=/orders/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(f"pw-{username}")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{url}/orders/")
    page.wait_for_load_state("load")


class _Keys:
    """The page's keyboard, counting what is pressed: the figure beside the time."""

    def __init__(self, page: Any) -> None:
        self.keyboard = page.keyboard
        self.presses = 0
        self.typed = 0

    def press(self, key: str) -> None:
        self.presses += 1
        self.keyboard.press(key)

    def type(self, text: str) -> None:
        self.typed += len(text)
        self.keyboard.type(text)


@pytest.mark.e2e
def test_an_agent_enters_a_phone_order_by_keyboard_alone(live_server: Any, browser_page: Any) -> None:
    _shop()
    agent = make_user("ahua", "agent", "阿华")
    page = browser_page
    _log_in_by_keyboard(page, live_server.url, "ahua")

    # The list opens with its search box focused: Alt+N works from there.
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.press("Alt+n")
    expect(page).to_have_url(f"{live_server.url}/orders/new/")
    expect(page.locator("#entry-find")).to_be_focused()
    keys = _Keys(page)
    started = time.monotonic()

    keys.press("Tab")
    expect(page.locator("#entry-paste")).to_be_focused()
    keys.type("张三 13800138000 浙江省杭州市西湖区文三路90号")
    keys.press("Enter")
    # The split is shown for checking, and the focus goes on to the goods.
    expect(page.locator("#entry-scan")).to_be_focused()
    expect(page.locator("#id_name")).to_have_value("张三")
    expect(page.locator("#id_phone")).to_have_value("13800138000")
    expect(page.locator("#id_province")).to_have_value("浙江省")
    expect(page.locator("#id_city")).to_have_value("杭州市")
    expect(page.locator("#id_district")).to_have_value("西湖区")
    expect(page.locator("#id_detail")).to_have_value("文三路90号")

    # Two codes as fast as a scanner types them (code, Enter): neither waits for the other.
    keys.type("TEE-RED-M")
    keys.press("Enter")
    keys.type("6901234567890")
    keys.press("Enter")
    expect(page.locator("#line-1-quantity")).to_have_value("1")
    expect(page.locator("#line-0-quantity")).to_have_value("1")
    expect(page.locator("#entry-scan")).to_have_value("")
    expect(page.locator("#line-1-price")).to_have_value("25.00")

    keys.press("Tab")
    expect(page.locator("#line-0-quantity")).to_be_focused()
    keys.press("Control+a")
    keys.type("2")
    expect(page.locator("[data-entry-total]")).to_have_text("¥143.00")
    for _field in range(6):  # the price, ×, the mug's quantity, price and ×, then the source
        keys.press("Tab")
    expect(page.locator("#id_source")).to_be_focused()
    expect(page.locator("#id_source")).to_have_value("phone")
    for _field in range(5):  # payment, shipping, fee, buyer message, memo
        keys.press("Tab")
    expect(page.locator("#id_memo")).to_be_focused()
    keys.type("电话下单，老客户介绍")
    keys.press("Control+Enter")

    expect(page).to_have_url(re.compile(rf"{live_server.url}/orders/\d+/$"))
    elapsed = time.monotonic() - started
    print(
        f"\nkeyboard entry of a phone order: {elapsed:.1f} s from the form opened to the order's page, "
        f"{keys.presses} keys pressed besides {keys.typed} characters typed (the address pasted in life)"
    )

    order = Order.objects.get()
    assert page.url.endswith(f"/orders/{order.number}/")
    assert (order.source, order.payment_method, order.buyer_name, order.buyer_phone) == (
        "phone",
        "online",
        "张三",
        "13800138000",
    )
    assert [(line.sku_code, line.quantity) for line in order.lines.order_by("position")] == [
        ("TEE-RED-M", 2),
        ("MUG-01", 1),
    ]
    assert order.total == Decimal("143.00")
    assert order.created_by == agent
    assert list(OrderNote.objects.filter(order=order).values_list("text", flat=True)) == ["电话下单，老客户介绍"]
    assert elapsed < 60


@pytest.mark.e2e
def test_the_form_at_390_px_and_a_returning_buyer_picked_by_keyboard(live_server: Any, browser_page: Any) -> None:
    _shop()
    agent = make_user("ahua", "agent", "阿华")
    place(("TEE-RED-M", 1), buyer=order_actions.Buyer("李四", "13900136789", "li_tb"))
    customer = Customer.objects.get(nickname="li_tb")
    add_address(
        customer=customer,
        actor=agent,
        address=AddressInput("李四", "13900136789", "浙江省", "杭州市", "文三路1号", district="西湖区"),
    )
    add_address(
        customer=customer,
        actor=agent,
        address=AddressInput("李四", "13900136789", "上海市", "上海市", "世纪大道2号", district="浦东新区"),
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in_by_keyboard(page, live_server.url, "ahua")
    page.keyboard.press("Escape")
    page.locator("#id_q").blur()  # out of the search box, plain N opens the form
    page.keyboard.press("n")
    expect(page).to_have_url(f"{live_server.url}/orders/new/")
    expect(page.locator("#entry-find")).to_be_focused()

    # Enter at once, before the buyers are shown: the first found, at its default address.
    page.keyboard.type("6789")
    page.keyboard.press("Enter")
    expect(page.locator("#id_detail")).to_have_value("文三路1号")
    expect(page.locator("#entry-scan")).to_be_focused()

    # Or ↓ ↑ through the addresses found, Enter on the one wanted.
    page.locator("#entry-find").focus()
    page.keyboard.press("Backspace")
    page.keyboard.type("9")
    expect(page.locator("[data-entry-pick]")).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-entry-pick]").nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_detail")).to_have_value("世纪大道2号")
    expect(page.locator("#id_nickname")).to_have_value("li_tb")
    expect(page.locator("[data-entry-pick]")).to_have_count(0)  # the list is done with
    expect(page.locator("#entry-scan")).to_be_focused()
    page.keyboard.type("TEE-RED-M")
    page.keyboard.press("Enter")
    expect(page.locator("#line-0-quantity")).to_have_value("1")

    page.keyboard.type("NOPE-1")
    page.keyboard.press("Enter")
    # Refused at the scan field, the code back in it to be corrected; the line stays.
    expect(page.locator("[data-scan-error]")).to_be_visible()
    expect(page.locator("#entry-scan")).to_have_value("NOPE-1")
    expect(page.locator("#line-0-quantity")).to_have_value("1")
    page.keyboard.press("Backspace")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("(f => f.getBoundingClientRect().right)(document.getElementById('entry-submit'))") <= 390

    # A bad phone: the page comes back with the phone focused and marked, nothing lost.
    for _field in range(5):  # back from the scan field: detail, district, city, province, phone
        page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_phone")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("123")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#id_phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_phone")).to_be_focused()
    expect(page.locator("#line-0-quantity")).to_have_value("1")
    expect(page.locator("#id_detail")).to_have_value("世纪大道2号")
    assert Order.objects.count() == 1  # the buyer's earlier order only
    page.keyboard.press("Control+a")
    page.keyboard.type("13900136789")
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(rf"{live_server.url}/orders/\d+/$"))
    order = Order.objects.order_by("pk").last()
    assert order is not None and (order.customer_id, order.city, order.buyer_nickname) == (
        customer.pk,
        "上海市",
        "li_tb",
    )
