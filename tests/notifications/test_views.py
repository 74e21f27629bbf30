"""The notifications screens: templates with a preview on a real order, sending rules, the
outbox with dead letters first and the resend button; in zh-Hans and en."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.notifications.models import DeliveryAttempt, MessageTemplate, NotificationSettings, OutgoingMessage
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place


def client_for(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def owner(db: Any) -> User:
    return make_user("owner1", "owner", "老板")


@pytest.fixture
def dress(db: Any) -> Sku:
    return make_sku("DRESS-XS", price="128.00", name="吊带裙", attributes={"颜色": "玫红", "尺码": "XS"})


def _message(status: str, **fields: Any) -> OutgoingMessage:
    defaults: dict[str, Any] = {"channel": "sms", "recipient": "13800138000", "kind": "paid", "text": "【主店】收到"}
    defaults.update(fields)
    return OutgoingMessage.objects.create(status=status, **defaults)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Outbox", "Message templates", "Sending rules"]), ("zh-hans", ["发件箱", "消息模板", "发送规则"])],
)
@pytest.mark.parametrize(
    "url",
    [
        "/notifications/",
        "/notifications/templates/",
        "/notifications/templates/payment_reminder/sms/zh-hans/",
        "/notifications/templates/parcel_shipped/email/en/",
        "/notifications/settings/",
        "/notifications/webhooks/",
    ],
)
def test_the_screens_render_in_both_languages(owner: User, url: str, language: str, words: list[str]) -> None:
    _message("dead", last_error="gateway down")
    page = client_for(owner, language).get(url)

    assert page.status_code == 200
    text = page.content.decode()
    if language == "en":
        for word in words:
            assert word in text
    # Whatever the catalogue holds, the page is the language asked.
    assert f'lang="{language}"' in text


def test_the_template_editor_previews_on_the_latest_order_with_the_sms_length(owner: User, dress: Sku) -> None:
    order = place((dress.code, 1))
    page = client_for(owner).get("/notifications/templates/payment_reminder/sms/zh-hans/")

    text = page.content.decode()
    assert order.number in text
    assert "吊带裙（玫红 XS） × 1" in text  # the goods with colour and size, from the order
    assert "characters, sent as" in text
    preview = page.context["preview"]
    assert preview["order"] == order
    assert preview["sms"]["segments"] == 2


def test_the_live_preview_renders_the_text_being_typed_on_the_order_picked(owner: User, dress: Sku) -> None:
    first = place((dress.code, 1))
    place((dress.code, 2))
    answer = client_for(owner).post(
        "/notifications/templates/paid/sms/en/preview/",
        {"body": "Hi {buyer_name}, {order_number} paid", "order": first.number},
    )
    assert answer.status_code == 200
    text = f"Hi 张三, {first.number} paid"
    assert text in answer.content.decode()
    assert f"{len(text)} characters, sent as 1 SMS" in answer.content.decode()

    refused = client_for(owner).post("/notifications/templates/paid/sms/en/preview/", {"body": "Hi {nick}"})
    assert "{nick}" in refused.content.decode()


def test_saving_checks_the_placeholders(owner: User) -> None:
    client = client_for(owner)
    url = "/notifications/templates/paid/sms/en/"
    refused = client.post(url, {"body": "Hi {buyer_nmae}", "do": "save"})
    assert refused.status_code == 422
    assert "{buyer_nmae}" in refused.content.decode()
    assert not MessageTemplate.objects.exists()

    saved = client.post(url, {"body": "Hi {buyer_name}, thanks!", "do": "save"})
    assert saved.status_code == 302
    row = MessageTemplate.objects.get()
    assert (row.shop, row.kind, row.channel, row.language, row.body) == (
        Shop.objects.get(is_default=True),
        "paid",
        "sms",
        "en",
        "Hi {buyer_name}, thanks!",
    )
    assert client.post(url, {"do": "reset"}).status_code == 302
    assert not MessageTemplate.objects.exists()


def test_an_agent_sees_but_may_not_save(db: Any) -> None:
    agent = make_user("agent1", "agent")
    client = client_for(agent)
    assert client.get("/notifications/templates/paid/sms/en/").status_code == 200
    client.post("/notifications/templates/paid/sms/en/", {"body": "x", "do": "save"})
    assert not MessageTemplate.objects.exists()


def test_the_sending_rules_form(owner: User) -> None:
    answer = client_for(owner).post(
        "/notifications/settings/",
        {
            "enabled": "on",
            "quiet_start": "22:00",
            "quiet_end": "08:30",
            "holiday_quiet_end": "10:00",
            "daily_cap": "3",
            "channels-parcel_shipped": ["sms", "in_site"],
        },
    )
    assert answer.status_code == 302
    row = NotificationSettings.objects.get()
    assert (str(row.quiet_start), str(row.quiet_end), row.daily_cap) == ("22:00:00", "08:30:00", 3)
    assert row.channels["parcel_shipped"] == ["in_site", "sms"]
    assert row.channels["paid"] == []


def test_the_outbox_lists_dead_letters_first_and_filters(owner: User) -> None:
    now = timezone.now()
    sent = _message("sent", created_at=now)
    dead = _message("dead", created_at=now - timedelta(days=2), last_error="gateway down")
    page = client_for(owner).get("/notifications/")
    assert [message.pk for message in page.context["page"]] == [dead.pk, sent.pk]

    only_sent = client_for(owner).get("/notifications/?status=sent")
    assert [message.pk for message in only_sent.context["page"]] == [sent.pk]


def test_a_dead_message_shows_its_attempts_and_is_resent(owner: User) -> None:
    dead = _message("dead", attempts=2, last_error="gateway down")
    for number in (1, 2):
        DeliveryAttempt.objects.create(
            message=dead, number=number, started_at=timezone.now(), ok=False, status_code=503, error="gateway down"
        )
    client = client_for(owner)
    page = client.get(f"/notifications/messages/{dead.pk}/")
    assert page.content.decode().count("gateway down") >= 2
    assert 'data-testid="resend"' in page.content.decode()

    answer = client.post(f"/notifications/messages/{dead.pk}/resend/")

    assert answer.status_code == 302
    dead.refresh_from_db()
    assert dead.status == "queued"


def test_a_message_names_its_language_not_its_code(owner: User) -> None:
    """Issue 17 D (walkthrough): a message's page read "Language zh-hans"."""
    message = _message("sent", language="zh-hans")

    page = client_for(owner).get(f"/notifications/messages/{message.pk}/").content.decode()

    assert "<dd>简体中文</dd>" in page
    assert "<dd>zh-hans</dd>" not in page


def test_a_queued_message_has_no_resend_button(owner: User) -> None:
    queued = _message("queued")
    page = client_for(owner).get(f"/notifications/messages/{queued.pk}/")
    assert 'data-testid="resend"' not in page.content.decode()
    client_for(owner).post(f"/notifications/messages/{queued.pk}/resend/")
    queued.refresh_from_db()
    assert queued.status == "queued"


def test_webhooks_are_added_tested_and_removed_from_the_screen(owner: User, settings: Any) -> None:
    from sellerdesk.notifications.models import WebhookEndpoint

    client = client_for(owner)
    refused = client.post("/notifications/webhooks/", {"url": "ftp://example.com/x", "do": "add"}, follow=True)
    assert not WebhookEndpoint.objects.exists()
    assert refused.status_code == 200

    added = client.post(
        "/notifications/webhooks/",
        {"url": "https://93.184.215.14/hook", "events": ["order.paid"], "do": "add"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["order.paid"]
    assert endpoint.secret in added.content.decode()
    assert "https://93.184.215.14/hook" in client.get("/notifications/webhooks/").content.decode()

    client.post("/notifications/webhooks/", {"id": endpoint.pk, "do": "ping"})
    assert OutgoingMessage.objects.filter(webhook=endpoint).count() == 1

    client.post("/notifications/webhooks/", {"id": endpoint.pk, "do": "remove"})
    assert not WebhookEndpoint.objects.exists()
