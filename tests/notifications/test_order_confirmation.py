"""The buyer's confirmation message: recorded once when an order becomes approved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.notifications.actions import record_order_confirmation
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.review import actions as review
from tests.review.conftest import AFTER_BUFFER, T0, paid


@pytest.fixture
def english(settings: Any) -> None:
    """The shop's language is the site language; English makes the expected text exact
    whatever the translators do to the Chinese catalogue."""
    settings.LANGUAGE_CODE = "en"


def _messages(order: Order) -> list[tuple[str, str, str, str, Any, Any]]:
    return list(
        OutgoingMessage.objects.filter(order=order)
        .order_by("pk")
        .values_list("kind", "channel", "recipient", "status", "customer_id", "created_at")
    )


def _expected_text(order: Order, wishes: str = "") -> str:
    lines = [
        f"Hello 张三, thank you for your order {order.number}. Please check the details:",
        "红色T恤 M × 2",
        f"Total: ¥{order.total}",
        "Ship to: 浙江省 杭州市 西湖区 文三路 90 号, 张三, 13800138000",
    ]
    if wishes:
        lines.append(f"Your wishes: {wishes}")
    lines.append("If anything is wrong, please reply to this message before the order ships.")
    return "\n".join(lines)


@pytest.mark.usefixtures("english")
def test_approval_by_hand_records_one_confirmation(
    tee: Sku, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2))

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_order(order=order, actor=owner, at=AFTER_BUFFER)

    assert _messages(order) == [
        ("order_confirmation", "im", order.buyer_nickname, "recorded", order.customer_id, AFTER_BUFFER)
    ]
    assert OutgoingMessage.objects.get(order=order).text == _expected_text(order)


@pytest.mark.usefixtures("english")
def test_automatic_approval_records_one_confirmation_with_the_wishes(
    tee: Sku, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="不要放价格单 易碎")

    with django_capture_on_commit_callbacks(execute=True):
        verdict = review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert verdict is not None and order.status == "approved"
    assert _messages(order) == [
        ("order_confirmation", "im", order.buyer_nickname, "recorded", order.customer_id, AFTER_BUFFER)
    ]
    assert OutgoingMessage.objects.get(order=order).text == _expected_text(
        order, "No price slip in the parcel; Fragile; Reinforce the packaging"
    )


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
    assert _messages(order) == [
        ("order_confirmation", "im", order.buyer_nickname, "recorded", order.customer_id, AFTER_BUFFER)
    ]
    assert OutgoingMessage.objects.get(order=order).text == _expected_text(order)


def test_the_confirmation_is_in_the_shops_language(tee: Sku, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="不要放价格单")

    with django_capture_on_commit_callbacks(execute=True):
        review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    assert "包裹内不放价格单" in OutgoingMessage.objects.get(order=order).text


def test_a_held_order_records_no_confirmation(tee: Sku, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2), buyer_message="周五前请联系我")

    with django_capture_on_commit_callbacks(execute=True):
        review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert order.status == "on_hold"
    assert OutgoingMessage.objects.count() == 0


def test_a_closed_order_records_no_confirmation(tee: Sku, owner: User, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 2))

    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_order(order=order, actor=owner, reason="顾客信息错误", at=T0)

    order.refresh_from_db()
    assert order.status == "closed"
    assert OutgoingMessage.objects.count() == 0


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
    assert f"Hello 张三, thank you for your order {order.number}. Please check the details:<br>" in page
    assert "红色T恤 M × 2" in page
