"""An agent works the logistics exception desk in a real browser: ticks a lost parcel
and assigns it to a colleague, contacts the buyer, records a reship and closes it.
Selectors use form targets and test ids, so the test holds in either language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.models import LogisticsException
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.shops.models import Shop
from tests.factories import make_user
from tests.logistics.helpers import T0, carriers, shipped


def lost_parcel() -> LogisticsException:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    carriers()
    shipment = shipped("lost")
    poll_tracking(T0 + timedelta(days=20))
    return LogisticsException.objects.get(shipment=shipment)


@pytest.mark.e2e
def test_agent_assigns_contacts_and_resolves_an_exception(live_server: Any, browser_page: Any) -> None:
    found = lost_parcel()
    make_user("agent", "agent", "阿华")
    make_user("xiaomei", "agent", "小美")
    page = browser_page

    page.goto(f"{live_server.url}/logistics/exceptions/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("pw-agent")
    page.get_by_role("button", name="登录").click()

    card = page.locator(f"article.exception-{found.kind}")
    expect(card).to_contain_text(found.shipment.tracking_number)
    expect(card.locator(".suggestion")).to_be_visible()
    card.locator("input[type=checkbox]").check()
    page.locator("#bulk-assign select[name=assignee]").select_option("xiaomei")
    page.locator("#bulk-assign button[type=submit]").click()
    expect(page.get_by_test_id(f"assignee-{found.pk}")).to_have_text("小美")

    page.locator(f"form[action$='/exceptions/{found.pk}/contact/'] button").click()
    expect(page.get_by_test_id(f"contacted-{found.pk}")).not_to_have_text("—")

    resolve = page.locator(f"form[action$='/exceptions/{found.pk}/resolve/']")
    resolve.locator("select[name=outcome]").select_option("reship")
    resolve.locator("input[name=note]").fill("补发一件")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(f"article.exception-{found.kind}")).to_have_count(0)

    found.refresh_from_db()
    assert (found.assignee.username, found.outcome, found.outcome_note) == ("xiaomei", "reship", "补发一件")
    assert found.contacted_at is not None and found.closed_at is not None
    # one message on each of the shop's channels for parcel problems (the portal, SMS)
    told = OutgoingMessage.objects.filter(order=found.order, kind="parcel_problem")
    assert sorted(told.values_list("channel", flat=True)) == ["in_site", "sms"]
