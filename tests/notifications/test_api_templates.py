"""The templates and sending-rules API: a broken placeholder is a 422 naming the field and
the placeholder, nothing written; an agent may read but not change."""

from __future__ import annotations

from typing import Any

from sellerdesk.notifications.models import MessageKind, MessageTemplate, NotificationSettings
from tests.api.helpers import assert_error, assert_invalid
from tests.conftest import ApiClient
from tests.factories import make_sku, place

URL = "/api/v1/notifications/templates/paid/sms/en"


def test_every_template_is_listed_with_its_placeholders(api: ApiClient) -> None:
    listed = api.get("/api/v1/notifications/templates").json()
    assert len(listed) == len(MessageKind.values) * 4 * 2
    paid = next(item for item in listed if (item["kind"], item["channel"], item["language"]) == ("paid", "sms", "en"))
    assert paid["own"] is False
    assert "{order_number}" in paid["body"]
    assert "total" in paid["placeholders"]


def test_a_broken_placeholder_is_refused_and_nothing_is_written(api: ApiClient) -> None:
    answer = api.put(URL, {"body": "Hi {buyer_nmae}", "subject": ""})
    fields = assert_invalid(answer, "body")
    assert "{buyer_nmae}" in fields["body"]
    assert not MessageTemplate.objects.exists()


def test_save_read_and_reset(api: ApiClient) -> None:
    saved = api.put(URL, {"body": "Hi {buyer_name}, ¥{total} received."})
    assert saved.status_code == 200, saved.content
    assert saved.json()["own"] is True
    assert api.get(URL).json()["body"] == "Hi {buyer_name}, ¥{total} received."

    reset = api.client.delete(URL)
    assert reset.status_code == 200
    assert reset.json()["own"] is False
    assert not MessageTemplate.objects.exists()


def test_the_preview_renders_on_the_latest_order(api: ApiClient, db: Any) -> None:
    make_sku("TEE", name="T恤", price="59.00", attributes={"颜色": "红"})
    order = place(("TEE", 1))
    answer = api.post(URL + "/preview", {"body": "{buyer_name}: {goods} ¥{total}"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["order"] == order.number
    assert body["body"] == f"张三: T恤（红） × 1 ¥{order.total}"
    assert (body["sms_length"], body["sms_segments"]) == (len(body["body"]), 1)
    assert_invalid(api.post(URL + "/preview", {"body": "{x"}), "body")
    assert_error(api.get("/api/v1/notifications/templates/paid/webhook/en"), 404, "not_found")


def test_an_agent_reads_but_may_not_change(agent_api: ApiClient) -> None:
    assert agent_api.get(URL).status_code == 200
    assert_error(agent_api.put(URL, {"body": "x"}), 403, "permission_denied")
    assert_error(agent_api.patch("/api/v1/notifications/settings", {"daily_cap": 1}), 403, "permission_denied")
    assert not MessageTemplate.objects.exists()


def test_the_sending_rules(api: ApiClient) -> None:
    current = api.get("/api/v1/notifications/settings").json()
    assert (current["enabled"], current["quiet_start"], current["daily_cap"]) == (True, "21:00:00", 5)

    refused = api.patch("/api/v1/notifications/settings", {"quiet_end": "8h", "channels": {"paid": ["pigeon"]}})
    assert_invalid(refused, "quiet_end", "channels.paid")
    assert not NotificationSettings.objects.exists()

    changed = api.patch("/api/v1/notifications/settings", {"quiet_end": "07:30", "daily_cap": 2})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["quiet_end"], changed.json()["daily_cap"]) == ("07:30:00", 2)
