"""The owner finds a customer in the list by the last 4 digits of the phone, reads the
profile, edits the terms, tags, writes a note and keeps the address book (a bad phone is
shown at its field); on a phone (390 px) the page reads top to bottom without sideways
scrolling, the profile first, and the forms still work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.customers import actions as customer_actions
from sellerdesk.customers import book
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import paid_order
from tests.factories import make_sku, make_user, place


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]


def _log_in(page: Any, url: str, username: str) -> None:
    # English pages (the switch in the top bar): the assertions read English labels.
    page.goto(url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator(".login-card button[type=submit]").click()
    # Measure the page asked for, loaded with its styles, not the login page on its way out.
    page.wait_for_url(url)
    page.wait_for_load_state("load")


def _customer_li() -> Customer:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE", price="59.00", stock=100)
    buyer = order_actions.Buyer("李四", "13900139000", "wholesale_li")
    paid_order(("TEE", 2), buyer=buyer)
    place(("TEE", 1), buyer=order_actions.Buyer("王五", "13800138000", "wangwu"))
    li = Customer.objects.get(identity="wholesale_li")
    agent = make_user("ahua", "agent", "阿华")
    customer_actions.update_customer(
        customer=li,
        actor=None,
        changes={
            "level": CustomerLevel.objects.create(code="gold", name="金卡", rank=3),
            "credit_limit": Decimal("5000.00"),
            "payment_terms_days": 30,
            "agent": agent,
            "delivery_area": "杭州西湖区",
            "transport_mode": "truck",
            "vehicle": "4.2 米厢货",
            "unloading_notes": "后门卸货，需叉车",
        },
    )
    book.add_address(
        customer=li,
        actor=None,
        address=book.AddressInput(
            name="李四", phone="13900139000", province="浙江省", city="杭州市", detail="文三路 90 号"
        ),
    )
    return li


@pytest.mark.e2e
def test_the_owner_finds_reads_and_keeps_a_customer(live_server: Any, browser_page: Any) -> None:
    li = _customer_li()
    make_user("boss", "owner", "老板")
    page = browser_page

    _log_in(page, f"{live_server.url}/customers/", "boss")
    expect(page.locator(".customers-table .rowlink")).to_have_count(2)
    page.get_by_role("searchbox", name="Search customers").fill("9000")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".customers-table .rowlink")).to_have_count(1)
    page.get_by_role("link", name="李四").click()

    profile = page.get_by_test_id("profile")
    for text in [
        "金卡",
        "¥5000.00",
        "30 days",
        "阿华",
        "杭州西湖区",
        "Dedicated truck · 4.2 米厢货",
        "后门卸货，需叉车",
    ]:
        expect(profile).to_contain_text(text)
    expect(page.get_by_test_id("history")).to_contain_text("¥118.00")
    _no_sideways_scroll(page)

    # the terms
    page.get_by_text("Edit profile and terms").click()
    page.get_by_label("Customer number").fill("HZ-0007")
    page.get_by_label("Route order").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".msg-success")).to_contain_text("Profile saved.")
    expect(page.get_by_test_id("customer-number")).to_have_text("HZ-0007")
    first_row = page.get_by_test_id("timeline").locator("li").first
    expect(first_row).to_contain_text("Profile or terms changed")
    expect(first_row).to_contain_text("route order: — → 12")

    # a tag typed by hand, then taken off
    page.get_by_label("Tag", exact=True).fill("VIP")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_test_id("tags")).to_contain_text("VIP")
    page.get_by_role("button", name="Remove the tag VIP").click()
    expect(page.locator("#tags")).to_contain_text("No tags.")

    # a note
    page.locator("#notes textarea").fill("只要顺丰，周末不收货")
    page.locator("#notes").get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("notes")).to_contain_text("只要顺丰，周末不收货")

    # an address with a bad phone is refused at the field, then added
    page.get_by_text("Add an address").click()
    form = page.locator("#addresses form").filter(has=page.locator("input[value=add_address]"))
    form.get_by_label("Recipient").fill("王五")
    form.get_by_label("Phone").fill("12345")
    form.get_by_label("Province").fill("浙江省")
    form.get_by_label("City").fill("杭州市")
    form.get_by_label("Street address").fill("仓前街道 1 号")
    form.get_by_role("button", name="Add address").click()
    form = page.locator("#addresses form").filter(has=page.locator("input[value=add_address]"))
    expect(form.locator(".field-error")).to_contain_text("enter a mainland mobile or landline number")
    form.get_by_label("Phone").fill("0571-88886666")
    form.get_by_role("button", name="Add address").click()
    expect(page.get_by_test_id("addresses")).to_contain_text("057188886666")

    assert list(CustomerEvent.objects.filter(customer=li).order_by("pk").values_list("type", flat=True))[-5:] == [
        "profile_changed",
        "tagged",
        "untagged",
        "note_added",
        "address_added",
    ]
    page.screenshot(path="/tmp/h4_customer_1440.png", full_page=True)


@pytest.mark.e2e
def test_the_customer_page_on_a_phone(live_server: Any, browser_page: Any) -> None:
    li = _customer_li()
    make_user("boss", "owner", "老板")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    _log_in(page, f"{live_server.url}/customers/", "boss")
    _no_sideways_scroll(page)
    page.goto(f"{live_server.url}/customers/{li.pk}/")
    _no_sideways_scroll(page)

    # one column, the profile first, then the history; the side panels below
    profile_top = page.locator("#profile").bounding_box()["y"]
    history_top = page.locator("#history").bounding_box()["y"]
    tags_top = page.locator("#tags").bounding_box()["y"]
    assert profile_top < history_top < tags_top
    assert page.locator("#profile").bounding_box()["width"] <= 390

    # the edit form fits and works
    page.get_by_text("Edit profile and terms").click()
    field = page.get_by_label("Vehicle")
    box = field.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    field.fill("9.6 米")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".msg-success")).to_contain_text("Profile saved.")
    expect(page.get_by_test_id("profile")).to_contain_text("9.6 米")
    _no_sideways_scroll(page)
    page.screenshot(path="/tmp/h4_customer_390.png", full_page=True)
