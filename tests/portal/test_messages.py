"""The buyer's messages in the portal (in-site and chat, once sent, newest first, unread
marked and counted in the header, read when opened) and their preferences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sellerdesk.notifications.models import BuyerPreference, OutgoingMessage
from sellerdesk.orders.models import Order
from tests.conftest import ApiClient
from tests.portal.test_api import buyer_token


def _message(
    order: Order, *, channel: str = "in_site", status: str = "sent", ago: int = 0, **fields: Any
) -> OutgoingMessage:
    defaults: dict[str, Any] = {
        "order": order,
        "customer_id": order.customer_id,
        "channel": channel,
        "recipient": str(order.customer_id),
        "kind": "parcel_shipped",
        "subject": "您的订单已发货",
        "text": f"您的订单{order.number}已发货啦！",
        "created_at": timezone.now() - timedelta(minutes=ago),
    }
    defaults.update(fields)
    return OutgoingMessage.objects.create(status=status, **defaults)


def test_the_inbox_lists_the_buyers_sent_in_site_and_chat_messages_newest_first(
    alice: Client, alice_order: Order, bob_order: Order
) -> None:
    older = _message(alice_order, ago=30, subject="已收到付款", kind="paid")
    newer = _message(alice_order, channel="im", ago=5, subject="")
    _message(alice_order, channel="sms")  # an SMS is not in the portal
    _message(alice_order, status="queued")  # not sent yet
    _message(alice_order, status="suppressed")
    _message(bob_order)  # someone else's

    page = alice.get("/portal/messages/")

    assert page.status_code == 200
    assert [message.pk for message in page.context["page"]] == [newer.pk, older.pk]
    assert 'data-testid="unread-count">2<' in page.content.decode()


def test_opening_a_message_marks_it_read_once(alice: Client, alice_order: Order) -> None:
    message = _message(alice_order)
    other = _message(alice_order, ago=1)

    page = alice.get(f"/portal/messages/{message.pk}/")

    assert page.status_code == 200
    assert f"您的订单{alice_order.number}已发货啦！" in page.content.decode()
    message.refresh_from_db()
    first_read = message.read_at
    assert first_read is not None
    assert 'data-testid="unread-count">1<' in page.content.decode()

    alice.get(f"/portal/messages/{message.pk}/")
    message.refresh_from_db()
    assert message.read_at == first_read
    other.refresh_from_db()
    assert other.read_at is None


def test_another_buyers_message_is_404_and_stays_unread(alice: Client, bob_order: Order) -> None:
    theirs = _message(bob_order)
    assert alice.get(f"/portal/messages/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_a_signed_in_buyer(alice_order: Order) -> None:
    assert Client().get("/portal/messages/").status_code == 302
    assert Client().get("/portal/preferences/").status_code == 302


def test_the_buyer_saves_preferences(alice: Client, alice_order: Order) -> None:
    answer = alice.post("/portal/preferences/", {"email": "xiaoli@example.com", "language": "en", "opt_out": "on"})

    assert answer.status_code == 302
    preference = BuyerPreference.objects.get(customer_id=alice_order.customer_id)
    assert (preference.email, preference.language, preference.opt_out) == ("xiaoli@example.com", "en", True)

    alice.post("/portal/preferences/", {"email": "", "language": ""})
    preference.refresh_from_db()
    assert (preference.email, preference.language, preference.opt_out) == ("", "", False)


def test_a_bad_email_is_refused_and_nothing_is_written(alice: Client, alice_order: Order) -> None:
    answer = alice.post("/portal/preferences/", {"email": "not-an-email", "language": "fr"})

    assert answer.status_code == 422
    assert set(answer.context["errors"]) == {"email", "language"}
    assert not BuyerPreference.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_render_in_both_languages(alice: Client, alice_order: Order, language: str) -> None:
    message = _message(alice_order)
    for url in ("/portal/messages/", f"/portal/messages/{message.pk}/", "/portal/preferences/"):
        page = alice.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200, url
    english = alice.get("/portal/preferences/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Language of messages" in english


# --- the API --------------------------------------------------------------------------------


def test_the_buyer_api_lists_reads_and_saves_preferences(alice_order: Order, bob_order: Order) -> None:
    api = ApiClient(buyer_token(alice_order))
    mine = _message(alice_order)
    theirs = _message(bob_order)

    listed = api.get("/api/v1/portal/messages").json()
    assert (listed["unread"], [item["id"] for item in listed["items"]]) == (1, [mine.pk])

    read = api.post(f"/api/v1/portal/messages/{mine.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert api.get("/api/v1/portal/messages").json()["unread"] == 0
    assert api.post(f"/api/v1/portal/messages/{theirs.pk}/read").status_code == 404

    refused = api.put("/api/v1/portal/preferences", {"email": "nope", "language": "en", "opt_out": True})
    assert refused.status_code == 422
    assert not BuyerPreference.objects.exists()
    saved = api.put("/api/v1/portal/preferences", {"email": "a@example.com", "language": "en", "opt_out": True})
    assert saved.json() == {"email": "a@example.com", "language": "en", "opt_out": True}
