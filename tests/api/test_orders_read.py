"""GET /api/v1/orders/{number}, GET /api/v1/orders, events and notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sellerdesk.catalog.models import Sku
from sellerdesk.orders.models import Order, OrderNote
from tests.api.helpers import advance, assert_error, assert_invalid, snapshot
from tests.factories import order_actions, place


def test_get_order_answers_the_order(api: Any, unpaid: Order) -> None:
    response = api.get(f"/api/v1/orders/{unpaid.number}")

    assert response.status_code == 200
    answer = response.json()
    assert (answer["number"], answer["status"], answer["total"], answer["lines"]) == (
        unpaid.number,
        "unpaid",
        "118.00",
        [{"sku": "TEE-RED-M", "name": "商品 TEE-RED-M", "quantity": 2, "unit_price": "59.00"}],
    )


def test_every_order_call_answers_the_same_shape(api: Any, unpaid: Order) -> None:
    created = api.post(
        "/api/v1/orders",
        {
            "buyer": {"name": "张三", "phone": "13800138000"},
            "address": "浙江省杭州市西湖区文三路90号",
            "lines": [{"sku": "TEE-RED-M", "quantity": 1}],
        },
    ).json()

    fetched = api.get(f"/api/v1/orders/{created['number']}").json()
    listed = api.get("/api/v1/orders", q=created["number"]).json()["items"][0]

    assert created == fetched == listed


def test_unknown_order_is_404(api: Any) -> None:
    assert assert_error(api.get("/api/v1/orders/999"), 404, "not_found") == {"number": "999"}


@pytest.mark.parametrize("number", ["abc%00def", "%ff", "x" * 300])
def test_strange_order_numbers_are_404(api: Any, number: str) -> None:
    assert api.get(f"/api/v1/orders/{number}").status_code == 404


# --- list and search ---------------------------------------------------------------


@pytest.fixture
def orders(tee: Sku) -> dict[str, Order]:
    first = place(
        ("TEE-RED-M", 1), external_id="TB-777", buyer=order_actions.Buyer("李小龙", "13911112222", "xiaolong")
    )
    second = place(("TEE-RED-M", 1), buyer=order_actions.Buyer("王芳", "13733334444", ""))
    shipped = advance(place(("TEE-RED-M", 1), buyer=order_actions.Buyer("赵六", "13655556666", "")), "shipped")
    return {"first": first, "second": second, "shipped": shipped}


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def test_list_is_newest_first_with_count_and_page(api: Any, orders: dict[str, Order]) -> None:
    response = api.get("/api/v1/orders")

    assert _numbers(response) == [orders["shipped"].number, orders["second"].number, orders["first"].number]
    assert (response.json()["count"], response.json()["page"]) == (3, 1)


@pytest.mark.parametrize(
    ("query", "which"),
    [
        ("number", "first"),
        ("TB-777", "first"),
        ("李小龙", "first"),
        ("13733334444", "second"),
        ("tracking", "shipped"),
    ],
)
def test_q_matches_number_external_id_buyer_name_phone_and_tracking_number(
    api: Any, orders: dict[str, Order], query: str, which: str
) -> None:
    text = {"number": orders["first"].number, "tracking": orders["shipped"].tracking_number}.get(query, query)

    response = api.get("/api/v1/orders", q=text)

    assert _numbers(response) == [orders[which].number]
    assert response.json()["count"] == 1


def test_q_matching_nothing_is_an_empty_page(api: Any, orders: dict[str, Order]) -> None:
    response = api.get("/api/v1/orders", q="没有这个人")

    assert response.json()["items"] == []
    assert (response.json()["count"], response.json()["page"]) == (0, 1)


def test_status_filter(api: Any, orders: dict[str, Order]) -> None:
    assert _numbers(api.get("/api/v1/orders", status="shipped")) == [orders["shipped"].number]
    assert _numbers(api.get("/api/v1/orders", status="unpaid")) == [orders["second"].number, orders["first"].number]
    assert _numbers(api.get("/api/v1/orders", status="closed")) == []


def test_status_and_q_together(api: Any, orders: dict[str, Order]) -> None:
    assert _numbers(api.get("/api/v1/orders", status="shipped", q="李小龙")) == []


def test_pagination(api: Any, orders: dict[str, Order], settings: Any) -> None:
    settings.ORDERS_PAGE_SIZE = 2

    page_one = api.get("/api/v1/orders", page=1)
    page_two = api.get("/api/v1/orders", page=2)

    assert _numbers(page_one) == [orders["shipped"].number, orders["second"].number]
    assert _numbers(page_two) == [orders["first"].number]
    assert [(page.json()["count"], page.json()["page"]) for page in (page_one, page_two)] == [(3, 1), (3, 2)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": -1}, "page"),
        ({"status": "lost"}, "status"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_list_parameters_are_422(api: Any, orders: dict[str, Order], params: dict[str, Any], field: str) -> None:
    assert_invalid(api.get("/api/v1/orders", **params), field)


def test_nul_in_search_is_not_a_500(api: Any, orders: dict[str, Order]) -> None:
    response = api.get("/api/v1/orders", q="李\x00小龙")

    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["items"] == []


# --- events ------------------------------------------------------------------------


def test_events_are_the_timeline_oldest_first(api: Any, agent_api: Any, unpaid: Order) -> None:
    agent_api.post(f"/api/v1/orders/{unpaid.number}/notes", {"text": "已催付"})
    advance(unpaid, "approved")

    response = api.get(f"/api/v1/orders/{unpaid.number}/events")

    assert response.status_code == 200
    events = response.json()
    assert [(event["type"], event["actor"]) for event in events] == [
        ("placed", None),
        ("note_added", "agent"),
        ("payment_recorded", None),
        ("paid", None),
        ("approved", None),
    ]
    assert all(set(event) == {"type", "at", "actor", "data", "text"} for event in events)
    times = [parse_datetime(event["at"]) for event in events]
    assert times == sorted(times)  # type: ignore[type-var]
    assert events[4]["data"] == {"status_before": "pending_review", "status_after": "approved"}
    assert events[1]["data"]["text"] == "已催付"
    assert all(event["at"].endswith("+08:00") for event in events)


def test_events_of_unknown_order_are_404(api: Any) -> None:
    assert_error(api.get("/api/v1/orders/999/events"), 404, "not_found")


# --- notes -------------------------------------------------------------------------


def test_note_is_shown_as_date_signature_text(agent_api: Any, unpaid: Order) -> None:
    before = timezone.localtime()

    response = agent_api.post(f"/api/v1/orders/{unpaid.number}/notes", {"text": "  已催付  "})

    assert response.status_code == 201
    answer = response.json()
    note = OrderNote.objects.get()
    local = timezone.localtime(note.at)
    assert local - before < timedelta(days=1)
    assert answer["display"] == f"{local.month}.{local.day} 阿华 已催付"
    assert (answer["id"], answer["text"], answer["author"]) == (note.pk, "已催付", "阿华")
    assert agent_api.get(f"/api/v1/orders/{unpaid.number}/notes").json() == [answer]


def test_note_of_a_user_without_display_name_is_signed_with_the_username(api: Any, unpaid: Order) -> None:
    from sellerdesk.core.models import User

    User.objects.filter(username="owner").update(display_name="")

    answer = api.post(f"/api/v1/orders/{unpaid.number}/notes", {"text": "加急"}).json()

    assert answer["display"].endswith(" owner 加急")


def test_notes_with_the_same_idempotency_key_are_written_once(agent_api: Any, unpaid: Order) -> None:
    first = agent_api.post(
        f"/api/v1/orders/{unpaid.number}/notes", {"text": "已催付"}, headers={"Idempotency-Key": "n1"}
    )
    again = agent_api.post(
        f"/api/v1/orders/{unpaid.number}/notes", {"text": "已催付"}, headers={"Idempotency-Key": "n1"}
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert OrderNote.objects.count() == 1


def test_notes_may_be_added_to_a_closed_order(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "closed")

    assert agent_api.post(f"/api/v1/orders/{unpaid.number}/notes", {"text": "买家说不要了"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 501}, "text"),
        ({}, "text"),
        ({"text": 5}, "text"),
        ({"text": "ok", "pinned": True}, "pinned"),
    ],
)
def test_bad_note_is_422_and_writes_nothing(agent_api: Any, unpaid: Order, body: dict[str, Any], field: str) -> None:
    before = snapshot()

    assert_invalid(agent_api.post(f"/api/v1/orders/{unpaid.number}/notes", body), field)
    assert snapshot() == before


def test_note_on_unknown_order_is_404(agent_api: Any) -> None:
    assert_error(agent_api.post("/api/v1/orders/999/notes", {"text": "x"}), 404, "not_found")
