"""The buyer's confirmation message: written to the outbox once (per channel) when an order
becomes approved, in the approval's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.notifications import templates
from sellerdesk.notifications.actions import record_order_confirmation
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.review import actions as review
from tests.conftest import ApiClient
from tests.factories import make_token
from tests.review.conftest import AFTER_BUFFER, T0, paid


@pytest.fixture
def english(settings: Any) -> None:
    """The shop's language is the site language; English makes the expected text exact
    whatever the translators do to the Chinese catalogue."""
    settings.LANGUAGE_CODE = "en"


def _messages(order: Order) -> list[tuple[str, str, str, str, Any, Any, str]]:
    return list(
        OutgoingMessage.objects.filter(order=order, kind="order_confirmation")
        .order_by("pk")
        .values_list("kind", "channel", "recipient", "status", "customer_id", "created_at", "idempotency_key")
    )


def _expected_messages(order: Order) -> list[tuple[str, str, str, str, Any, Any, str]]:
    """The shop's default channels for a confirmation: the buyer's chat and the portal
    (email only for a buyer who gave an address), queued in the outbox, keyed by the event."""
    return [
        (
            "order_confirmation",
            channel,
            recipient,
            "queued",
            order.customer_id,
            AFTER_BUFFER,
            f"confirmed:{order.number}:{channel}",
        )
        for channel, recipient in (("im", order.buyer_nickname), ("in_site", str(order.customer_id)))
    ]


def _facts(order: Order, wishes: str = "") -> dict[str, str]:
    # What the buyer is asked to check (the words around them are the shop's template).
    return {
        "buyer_name": "张三",
        "order_number": order.number,
        "goods": "红色T恤 M × 2",
        "total": str(order.total),
        "address": "浙江省 杭州市 西湖区 文三路 90 号",
        "wishes": f"\nYour wishes: {wishes}" if wishes else "",
    }


def _assert_the_words(order: Order, wishes: str = "") -> None:
    for message in OutgoingMessage.objects.filter(order=order, kind="order_confirmation"):
        assert {name: message.params[name] for name in _facts(order)} == _facts(order, wishes)
        rendered = templates.render(
            kind="order_confirmation", channel=message.channel, language="en", params=message.params
        )
        assert (message.language, message.subject, message.text) == ("en", rendered.subject, rendered.body)
        for fact in (
            "Hello 张三",
            order.number,
            "红色T恤 M × 2",
            f"¥{order.total}",
            "浙江省 杭州市 西湖区 文三路 90 号",
        ):
            assert fact in message.text
        if wishes:
            assert f"Ship to: 浙江省 杭州市 西湖区 文三路 90 号\nYour wishes: {wishes}\n" in message.text
        else:
            assert "wishes" not in message.text


@pytest.mark.usefixtures("english")
def test_approval_by_hand_records_one_confirmation(
    tee: Sku, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2))

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_order(order=order, actor=owner, at=AFTER_BUFFER)

    assert _messages(order) == _expected_messages(order)
    _assert_the_words(order)


@pytest.mark.usefixtures("english")
def test_automatic_approval_records_one_confirmation_with_the_wishes(
    tee: Sku, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="不要放价格单 易碎")

    with django_capture_on_commit_callbacks(execute=True):
        verdict = review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert verdict is not None and order.status == "approved"
    assert _messages(order) == _expected_messages(order)
    _assert_the_words(order, "No price slip in the parcel; Fragile; Reinforce the packaging")


@pytest.mark.usefixtures("english")
def test_release_records_one_confirmation_and_a_second_approval_path_none(
    tee: Sku, agent: User, supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2))
    with django_capture_on_commit_callbacks(execute=True):
        review.hold_order(order=order, actor=agent, reason="买家要改地址", at=AFTER_BUFFER)
    assert _messages(order) == []

    with django_capture_on_commit_callbacks(execute=True):
        review.release_order(order=order, actor=supervisor, note="已电话确认", at=AFTER_BUFFER)
    again = record_order_confirmation(order=order, at=AFTER_BUFFER)

    assert again is None
    assert _messages(order) == _expected_messages(order)
    _assert_the_words(order)


def test_the_confirmation_is_in_the_shops_language(tee: Sku, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="不要放价格单")

    with django_capture_on_commit_callbacks(execute=True):
        review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    told = OutgoingMessage.objects.filter(order=order, kind="order_confirmation")
    assert {message.language for message in told} == {"zh-hans"}
    assert all("请核对订单" in message.text and "您的要求：包裹内不放价格单" in message.text for message in told)


def test_a_held_order_records_no_confirmation(tee: Sku, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="周五前请联系我")

    with django_capture_on_commit_callbacks(execute=True):
        review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert order.status == "on_hold"
    assert OutgoingMessage.objects.filter(kind="order_confirmation").count() == 0


def test_a_closed_order_records_no_confirmation(tee: Sku, owner: User, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2))

    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_order(order=order, actor=owner, reason="顾客信息错误", at=T0)

    order.refresh_from_db()
    assert order.status == "closed"
    assert OutgoingMessage.objects.filter(kind="order_confirmation").count() == 0


@pytest.mark.usefixtures("english")
def test_the_order_page_shows_the_recorded_confirmation(
    tee: Sku, owner: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_order(order=order, actor=owner, at=AFTER_BUFFER)
    client.force_login(owner)

    page = client.get(f"/orders/{order.number}/").content.decode()

    assert 'id="outgoing-messages"' in page
    assert f"Hello 张三, thank you for your order at 主店! Please check order {order.number}:<br>" in page
    assert "红色T恤 M × 2" in page


@pytest.mark.usefixtures("english")
def test_the_api_reads_the_buyers_order_confirmation(
    tee: Sku, owner: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 17 C: the buyer's order confirmation (订单确认信息), recorded when the order
    became valid, is read through the API; none before approval; 404 for no such order."""
    api = ApiClient(make_token(agent))
    order = paid(("TEE-RED-M", 2), buyer_message="不要放价格单")
    before = api.get(f"/api/v1/orders/{order.number}/confirmation")
    assert (before.status_code, before.json()["messages"], before.json()["approved_at"]) == (200, [], None)

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_order(order=order, actor=owner, at=AFTER_BUFFER)
    answer = api.get(f"/api/v1/orders/{order.number}/confirmation")

    assert answer.status_code == 200
    body = answer.json()
    assert body["order"] == order.number and datetime.fromisoformat(body["approved_at"]) == AFTER_BUFFER
    recorded = OutgoingMessage.objects.filter(order=order, kind="order_confirmation").order_by("created_at", "pk")
    assert [(m["channel"], m["recipient"], m["text"]) for m in body["messages"]] == [
        (message.channel, message.recipient, message.text) for message in recorded
    ]
    assert len(body["messages"]) == 2
    assert all("No price slip in the parcel" in m["text"] for m in body["messages"])
    assert api.get("/api/v1/orders/0000/confirmation").status_code == 404
