"""The reminders' screens (queue, report with export, do-not-remind, settings, the order
page's panel) and API (list, remind: 409/422, reason, report, settings)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.reminders import actions
from sellerdesk.reminders.models import DoNotRemind, PaymentReminder, ReminderSettings
from sellerdesk.reminders.tasks import remind_unpaid_orders
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, assert_error, assert_invalid, default_shop  # noqa: F401
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

DAY = TEST_NOW.replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


def unpaid() -> Any:
    return place(("TEE-RED-M", 1), placed_at=DAY.replace(hour=8))


# --- API -----------------------------------------------------------------------------------


def test_api_remind_an_order_then_409_and_422(tee: Sku, agent_api: Any) -> None:
    order = unpaid()
    other = unpaid()
    paid = advance(unpaid(), "pending_review")

    created = agent_api.post(f"/api/v1/orders/{order.number}/remind", {"channel": "im"})
    assert created.status_code == 201, created.content
    assert (created.json()["order"], created.json()["channel"], created.json()["agent"]) == (order.number, "im", "阿华")

    assert_error(agent_api.post(f"/api/v1/orders/{order.number}/remind", {"channel": "sms"}), 409, "already_reminded")
    assert_error(agent_api.post(f"/api/v1/orders/{paid.number}/remind", {}), 409, "order_not_remindable")
    assert_invalid(agent_api.post(f"/api/v1/orders/{other.number}/remind", {"channel": "fax"}), "channel")
    assert PaymentReminder.objects.count() == 1


def test_api_list_reason_and_report(tee: Sku, agent_api: Any, api: Any) -> None:
    order = unpaid()
    reminder = agent_api.post(f"/api/v1/orders/{order.number}/remind", {"channel": "phone"}).json()

    listed = agent_api.get("/api/v1/reminders")
    assert [item["order"] for item in listed.json()] == [order.number]
    reason = agent_api.post(f"/api/v1/reminders/{reminder['id']}/reason", {"reason": "forgot", "note": "晚上付"})
    assert (reason.json()["reason"], reason.json()["reason_note"]) == ("forgot", "晚上付")
    assert_invalid(agent_api.post(f"/api/v1/reminders/{reminder['id']}/reason", {"reason": "nope"}), "reason")
    assert agent_api.get("/api/v1/reminders/report").status_code == 403

    report = api.get("/api/v1/reminders/report", day=str(TEST_NOW.date()), period="day").json()
    assert (report["total"]["reminded"], report["total"]["reasons"]) == (1, {"forgot": 1})


def test_api_settings(db: Any, api: Any) -> None:
    assert api.get("/api/v1/shops/main/reminder-settings").json()["windows"] == [["11:00", "12:00"], ["16:00", "17:00"]]

    saved = api.put("/api/v1/shops/main/reminder-settings", {"windows": [["10:00", "11:30"]], "channel": "phone"})
    assert saved.status_code == 200, saved.content
    assert ReminderSettings.objects.get().windows == [["10:00", "11:30"]]
    assert_invalid(api.put("/api/v1/shops/main/reminder-settings", {"windows": [["23:00", "23:30"]]}), "windows.0")
    assert_invalid(api.put("/api/v1/shops/main/reminder-settings", {"channel": "fax"}), "channel")


# --- screens -------------------------------------------------------------------------------


def test_the_order_page_panel_reminds_and_shows_the_note(tee: Sku, agent: User, client: Any) -> None:
    order = unpaid()
    client.force_login(agent)

    with translation.override("en"):
        panel = client.get(f"/reminders/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Remind to pay" in panel
        response = client.post(f"/reminders/orders/{order.number}/remind/", {"channel": "sms"})
        assert response.status_code == 302
        panel = client.get(f"/reminders/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reminded to pay on" in panel and "阿华" in panel
    assert "Remind to pay</button>" not in panel
    detail = client.get(f"/orders/{order.number}/").content.decode()
    assert f"/reminders/orders/{order.number}/" in detail


def test_the_queue_shows_my_calls_and_marks_one_done(tee: Sku, agent: User, client: Any) -> None:
    ReminderSettings.objects.create(shop=Shop.objects.get(code="main"), channel="phone")
    order = unpaid()
    remind_unpaid_orders(DAY.replace(hour=11))
    task = PaymentReminder.objects.get(order=order)
    assert task.assignee == agent
    client.force_login(agent)

    page = client.get("/reminders/").content.decode()
    assert order.buyer_phone in page and order.number in page and "59.00" in page

    client.post(f"/reminders/{task.pk}/done/", {"reason": "price_too_high", "note": ""})
    task.refresh_from_db()
    assert (task.status, task.reason.code) == ("done", "price_too_high")
    # Gone from my calls (the page lists the latest reminders below them).
    assert order.number not in client.get("/reminders/?who=me").content.decode().split('id="latest-reminders"')[0]


def test_report_page_and_export(tee: Sku, owner: User, client: Any) -> None:
    unpaid()
    remind_unpaid_orders(DAY.replace(hour=11))
    client.force_login(owner)

    page = client.get("/reminders/report/", {"day": str(DAY.date())})
    assert page.status_code == 200
    assert 'data-testid="reminded">1<' in page.content.decode()
    export = client.get("/reminders/report.xlsx", {"day": str(DAY.date())})
    book = load_workbook(io.BytesIO(export.content))
    assert book.worksheets[0].cell(row=3, column=2).value == 1


def test_do_not_remind_and_settings_screens(tee: Sku, owner: User, client: Any) -> None:
    order = unpaid()
    client.force_login(owner)

    client.post("/reminders/do-not-remind/", {"phone": order.buyer_phone, "reason": "不要打扰"})
    assert DoNotRemind.objects.filter(customer_id=order.customer_id).exists()
    assert "不要打扰" in client.get("/reminders/do-not-remind/").content.decode()
    client.post(f"/reminders/do-not-remind/{order.customer_id}/remove/")
    assert not DoNotRemind.objects.exists()

    assert client.get("/reminders/settings/").status_code == 200
    client.post(
        "/reminders/settings/main/",
        {
            "enabled": "on",
            "windows": "11:00-12:00, 15:00-16:30",
            "channel": "im",
            "min_unpaid_minutes": "45",
            "cod_zero_reputation_daily_cap": "2",
        },
    )
    found = ReminderSettings.objects.get()
    assert (found.windows, found.channel, found.min_unpaid_minutes) == (
        [["11:00", "12:00"], ["15:00", "16:30"]],
        "im",
        45,
    )
    assert actions.in_window(found, DAY.replace(hour=15, minute=10))
    assert not actions.in_window(found, DAY.replace(hour=15) - timedelta(minutes=1))
