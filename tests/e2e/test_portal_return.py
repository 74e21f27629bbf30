"""A buyer on a phone (390×844) signs in to the portal with the code, asks for the return
of one T-shirt of two with a photo from the camera, and posts it back; the shop approves,
the warehouse receives and inspects it (good: back on sale), the refund goes through the
simulated gateway. The buyer sees it refunded; the money, the stock and the ledger add up."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from PIL import Image
from playwright.sync_api import expect

from sellerdesk.aftersales.models import Case, CaseStatus, Evidence, Refund
from sellerdesk.inventory.models import StockLevel, StockMovement, Warehouse
from sellerdesk.logistics.models import Carrier
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import delivered_order
from tests.factories import make_sku, make_user

PHONE = "13800138000"


def photo_png() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (320, 240), (230, 230, 230))
    for x in range(100, 220):
        image.putpixel((x, 120), (200, 0, 0))  # the open seam
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def a_delivered_order() -> Order:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Carrier.objects.get_or_create(code="SF", defaults={"name": "顺丰速运"})
    make_sku("TEE-M", name="纯棉T恤 M", price="59.00", stock=10, attributes={"尺码": "M"})
    return delivered_order(("TEE-M", 2), buyer=order_actions.Buyer("王小丽", PHONE, "xiaoli"))


def on_hand(code: str) -> int:
    return sum(level.on_hand for level in StockLevel.objects.filter(sku__code=code))


@pytest.fixture
def browser(live_server: Any) -> Any:
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, playwright_on_the_test_database

    with playwright_on_the_test_database() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Any, **options: Any) -> Any:
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    return context.new_page()


def staff_page(browser: Any, live_server: Any, username: str) -> Any:
    """A member of staff at a desktop, logged in."""
    page = new_page(browser, viewport={"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".whoami")).to_be_visible()
    return page


@pytest.mark.e2e
def test_a_buyer_returns_a_tshirt_from_the_phone(live_server: Any, browser: Any, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "PORTAL_SHOW_CODES": True}
    order = a_delivered_order()
    agent = make_user("ahua", "agent", "阿华")
    picker = make_user("picker", "warehouse", "小王")
    stock_before = on_hand("TEE-M")
    # The buyer's phone: 390×844, touch.
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

    # Sign in: order number, phone, the code (shown on the page while no SMS is sent).
    page.goto(f"{live_server.url}/portal/")
    page.locator("#id_order_number").fill(order.number)
    page.locator("#id_phone").fill(PHONE)
    page.locator("#send-code").click()
    code = page.locator("#shown-code .code-shown").inner_text().strip()
    page.locator("#id_code").fill(code)
    page.locator("#sign-in").click()

    # My orders → the order → ask for after-sales.
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("#order-status")).to_contain_text("已签收")
    page.locator("#ask-after-sales").click()
    page.locator("input[name=type][value=return_refund]").check()
    line = order.lines.get()
    page.locator(f"#id_qty_{line.pk}").fill("1")
    page.locator("#id_reason").select_option("quality")
    page.locator("#id_description").fill("领口开线了")
    camera = page.locator("#photos")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*,video/*"
    camera.set_input_files([{"name": "seam.png", "mimeType": "image/png", "buffer": photo_png()}])
    page.locator("#send-request").click()

    expect(page.locator("#case-status")).to_be_visible()
    case = Case.objects.get(order=order)
    assert (case.type, case.source, case.status) == ("return_refund", "portal", "requested")
    photo = Evidence.objects.get(case=case)
    assert photo.from_buyer and photo.content_type == "image/png"
    # Readable on the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#photos-section img")).to_have_count(1)
    # The photo is served and decodes (waited for: the page may show before the image loads).
    page.wait_for_function(
        "() => { const img = document.querySelector('#photos-section img');"
        " return img.complete && img.naturalWidth > 0; }",
        timeout=10_000,
    )

    # The agent approves on the after-sales case page: the goods are to come back.
    desk = staff_page(browser, live_server, agent.username)
    desk.goto(f"{live_server.url}/aftersales/cases/{case.number}/")
    desk.get_by_test_id("approve").click()
    with translation.override("zh-hans"):
        awaiting = str(CaseStatus.AWAITING_RETURN.label)
    expect(desk.get_by_test_id("case-status")).to_contain_text(awaiting)
    assert Case.objects.get(pk=case.pk).status == "awaiting_return"
    page.reload()
    expect(page.locator("#case-status")).to_contain_text(awaiting)

    # The buyer posts it back and says with what.
    page.locator("#id_carrier_code").fill("顺丰速运")
    page.locator("#id_tracking_number").fill("SF7700112233")
    page.locator("#send-return-parcel").click()
    expect(page.locator("#return-parcel")).to_contain_text("SF7700112233")

    # The warehouse counts it in and finds the unit good (the inspection desk); the agent
    # refunds what the case page proposes.
    case_line = Case.objects.get(pk=case.pk).lines.get()
    warehouse = staff_page(browser, live_server, picker.username)
    warehouse.goto(f"{live_server.url}/aftersales/inspection/{case.number}/")
    warehouse.locator(f"input[name=received_{case_line.pk}]").fill("1")
    warehouse.locator(f"input[name=good_{case_line.pk}]").fill("1")
    warehouse.locator(f"input[name=defective_{case_line.pk}]").fill("0")
    warehouse.get_by_test_id("save-inspection").click()
    expect(warehouse.locator(".msg-success")).to_be_visible()
    assert Case.objects.get(pk=case.pk).status == "inspected"

    desk.goto(f"{live_server.url}/aftersales/cases/{case.number}/")
    expect(desk.get_by_test_id("refund-total")).to_contain_text("69.00")
    desk.get_by_test_id("refund").click()
    expect(desk.get_by_test_id("refunds")).to_be_visible()

    page.reload()
    expect(page.locator("#case-refunded")).to_contain_text("¥69.00")

    # Exact: one unit's price (59.00; the other unit and the order's shipping fee stay) and
    # the return postage the buyer paid (10.00: a quality problem's postage is the seller's),
    # through the gateway, as the payments ledger's refund row.
    order.refresh_from_db()
    case.refresh_from_db()
    refund = Refund.objects.get(case=case)
    assert (refund.status, refund.goods_amount, refund.shipping_amount, refund.amount) == (
        "succeeded",
        Decimal("59.00"),
        Decimal("10.00"),
        Decimal("69.00"),
    )
    # Refunded, then closed (nothing more is owed).
    assert (case.status, case.refunded_amount, order.refunded_amount) == (
        "closed",
        Decimal("69.00"),
        Decimal("69.00"),
    )
    assert case.events.filter(status_after="refunded", buyer_visible=True).exists()
    row = Payment.objects.get(order=order, kind="refund")
    assert (row.amount, refund.payment_id) == (Decimal("69.00"), row.pk)
    # The good unit is back on the shelf, written in the ledger as a return.
    assert on_hand("TEE-M") == stock_before + 1
    movement = StockMovement.objects.get(kind="return")
    assert (movement.sku.code, movement.on_hand_delta) == ("TEE-M", 1)
