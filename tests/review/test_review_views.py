"""The exception-queue page, its bulk actions, and holds on the order page."""

from __future__ import annotations

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.actions import Buyer
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.review import actions as review
from tests.api.helpers import snapshot, stock
from tests.factories import make_user
from tests.review.conftest import AFTER_BUFFER, paid

QUEUE = "/orders/review-queue/"


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def held(tee: Sku, agent: User) -> list[Order]:
    """Two held orders: one by hand, one by the automatic review (buyer message)."""
    by_hand = paid(("TEE-RED-M", 1))
    review.hold_order(order=by_hand, actor=agent, reason="地址待确认")
    message = paid(("TEE-RED-M", 2), buyer_message="帮我换个颜色吧", buyer=Buyer("赵六", "13600136000", "zhaoliu"))
    review.review_order(order_id=message.pk, now=AFTER_BUFFER)
    return [Order.objects.get(pk=by_hand.pk), Order.objects.get(pk=message.pk)]


def _statuses(orders: list[Order]) -> list[str]:
    return [Order.objects.get(pk=order.pk).status for order in orders]


def test_the_header_links_to_the_queue(agent_client: Client, held: list[Order]) -> None:
    assert f'href="{QUEUE}"' in agent_client.get("/orders/").content.decode()


def test_the_queue_groups_held_orders_by_reason(agent_client: Client, held: list[Order]) -> None:
    response = agent_client.get(QUEUE)

    assert response.status_code == 200
    tabs = {tab["value"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {"": 2, "buyer_message": 1, "manual": 1}
    text = response.content.decode()
    assert held[0].number in text and held[1].number in text
    assert "地址待确认" in text and "阿华" in text


def test_the_queue_filters_by_reason(agent_client: Client, held: list[Order]) -> None:
    response = agent_client.get(QUEUE, {"reason": "manual"})

    assert [order.number for order, _holds in response.context["orders"]] == [held[0].number]


def test_bulk_approve_releases_every_selected_order(agent_client: Client, held: list[Order]) -> None:
    response = agent_client.post(QUEUE, {"action": "release", "orders": [o.number for o in held], "reason": "已确认"})

    assert response.status_code == 302
    assert _statuses(held) == ["approved", "approved"]
    assert OrderHold.objects.filter(resolved_at__isnull=True).count() == 0


def test_bulk_cancel_needs_a_reason_and_changes_nothing_without_it(agent_client: Client, held: list[Order]) -> None:
    before = snapshot()

    response = agent_client.post(QUEUE, {"action": "cancel", "orders": [o.number for o in held], "reason": ""})

    assert response.status_code == 422
    assert snapshot() == before


def test_bulk_cancel_closes_and_releases_stock(agent_client: Client, held: list[Order]) -> None:
    response = agent_client.post(QUEUE, {"action": "cancel", "orders": [held[1].number], "reason": "买家不要了"})

    assert response.status_code == 302
    assert _statuses(held) == ["on_hold", "closed"]
    assert stock("TEE-RED-M") == (100, 1)


def test_bulk_errors_are_shown_per_order_and_the_others_are_done(
    agent_client: Client, held: list[Order], agent: User
) -> None:
    review.release_order(order=held[0], actor=agent)  # someone else released it meanwhile

    response = agent_client.post(QUEUE, {"action": "release", "orders": [o.number for o in held]})

    assert response.status_code == 409
    outcomes = [(outcome.number, outcome.ok) for outcome in response.context["outcomes"]]
    assert outcomes == [(held[0].number, False), (held[1].number, True)]
    assert _statuses(held) == ["approved", "approved"]


def test_warehouse_staff_see_no_bulk_buttons_and_cannot_release(tee: Sku, held: list[Order]) -> None:
    client = Client()
    client.force_login(make_user("picker2", "warehouse"))
    before = snapshot()

    page = client.get(QUEUE)
    response = client.post(QUEUE, {"action": "release", "orders": [held[0].number]})

    assert 'value="release"' not in page.content.decode()
    assert response.status_code == 409
    assert [outcome.ok for outcome in response.context["outcomes"]] == [False]
    assert snapshot() == before


def test_the_order_page_shows_open_holds_and_the_release_move(agent_client: Client, held: list[Order]) -> None:
    response = agent_client.get(f"/orders/{held[1].number}/")

    assert response.status_code == 200
    assert [hold.reason for hold, _label in response.context["holds"]] == ["buyer_message"]
    assert [key for key in response.context["status_moves"]] == ["release", "cancel"]
    assert "帮我换个颜色吧" in response.content.decode()


def test_hold_and_release_from_the_order_page(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    url = f"/orders/{order.number}/"
    assert agent_client.get(url).context["status_moves"] == ["approve", "hold", "cancel"]

    held = agent_client.post(url, {"action": "hold", "reason": "等买家确认尺码"})
    released = agent_client.post(url, {"action": "release", "note": "已确认"})

    assert (held.status_code, released.status_code) == (302, 302)
    assert Order.objects.get(pk=order.pk).status == "approved"


def test_a_hold_without_reason_on_the_order_page_changes_nothing(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    response = agent_client.post(f"/orders/{order.number}/", {"action": "hold", "reason": ""})

    assert response.status_code == 422
    assert snapshot() == before
