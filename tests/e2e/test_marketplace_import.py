"""In a real browser: an agent opens Marketplace files from the top bar, uploads the
Taobao sample export (orders file and items file), reads the preview — the counts and
the two refused rows with their line numbers — imports it and watches the progress bar
fill; the same screens on a phone (390 px) need no sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.marketplaces import importing
from sellerdesk.marketplaces.models import ImportStatus, OrderImport
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.factories import make_user
from tests.marketplaces.catalogue_helpers import demo_catalogue

SAMPLES = Path(settings.BASE_DIR) / "sellerdesk" / "marketplaces" / "samples"
pytestmark = pytest.mark.skipif(not (SAMPLES / "taobao-orders.csv").exists(), reason="H1's samples not committed yet")


def _shop() -> None:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Shop.objects.create(code="tmall", name="暖阳小铺 天猫旗舰店", platform="tmall")
    demo_catalogue()


def _log_in(page: Any, url: str, username: str) -> None:
    # English pages (the switch in the top bar): the assertions read English labels.
    page.goto(url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator(".login-card button[type=submit]").click()
    page.wait_for_url(url)
    page.wait_for_load_state("load")


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]


def _upload_the_sample(page: Any) -> OrderImport:
    page.get_by_label("Shop").select_option("tmall")
    page.locator("#upload-file").set_input_files(str(SAMPLES / "taobao-orders.csv"))
    page.locator("#upload-items").set_input_files(str(SAMPLES / "taobao-items.csv"))
    page.get_by_test_id("upload-button").click()
    page.wait_for_url("**/marketplaces/imports/*/")
    return OrderImport.objects.get()


@pytest.mark.e2e
def test_an_agent_previews_and_imports_the_taobao_sample(live_server: Any, browser_page: Any) -> None:
    _shop()
    make_user("agent", "agent", "阿华")
    page = browser_page
    _log_in(page, f"{live_server.url}/orders/", "agent")

    page.locator("details.more summary").click()
    page.get_by_role("link", name="Marketplace files").click()
    expect(page.get_by_role("heading", name="Import an order export")).to_be_visible()

    found = _upload_the_sample(page)
    assert found.status == ImportStatus.PREVIEWED
    expect(page.get_by_test_id("count-refused")).to_have_text("2")
    expect(page.get_by_test_id("count-create")).to_have_text(str(found.to_create))
    refused = page.get_by_test_id("refused-rows").locator("tbody tr")
    expect(refused).to_have_count(2)
    for index, row in enumerate(sorted(found.refused_rows, key=lambda row: row["line"])):
        expect(refused.nth(index).get_by_test_id("refused-line")).to_have_text(str(row["line"]))
    assert Order.objects.count() == 0  # the preview wrote nothing
    page.screenshot(path="/tmp/h3_import_preview_1440.png", full_page=True)

    page.get_by_test_id("commit-button").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Queued")
    expect(page.get_by_role("progressbar")).to_be_visible()
    importing.run_import(found.pk)  # what the worker does with the queued task

    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("import-result")).to_contain_text(f"{found.to_create} orders created")
    assert Order.objects.filter(shop__code="tmall").count() == found.to_create


@pytest.mark.e2e
def test_the_import_screens_on_a_phone(live_server: Any, browser_page: Any) -> None:
    _shop()
    make_user("agent", "agent", "阿华")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, f"{live_server.url}/marketplaces/", "agent")
    _no_sideways_scroll(page)
    button = page.get_by_test_id("upload-button").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 390

    found = _upload_the_sample(page)
    _no_sideways_scroll(page)
    page.screenshot(path="/tmp/h3_import_preview_390.png", full_page=True)
    commit = page.get_by_test_id("commit-button").bounding_box()
    assert commit["x"] >= 0 and commit["x"] + commit["width"] <= 390
    page.get_by_test_id("discard-button").click()
    page.wait_for_url(f"{live_server.url}/marketplaces/")
    assert OrderImport.objects.get(pk=found.pk).status == ImportStatus.DISCARDED

    page.goto(f"{live_server.url}/marketplaces/bulk-ship/")
    _no_sideways_scroll(page)
