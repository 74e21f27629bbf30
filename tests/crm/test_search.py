"""The one search box: crm.search.search_everything, the /search/ page, GET /api/v1/search
and the top bar (the box on every staff page; the Customers and Dashboard links)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.aftersales import actions as aftersales
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.crm.search import search_everything
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.service import conversations
from tests.aftersales.builders import delivered_order
from tests.factories import make_sku, make_user, place


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    make_sku("TEE", stock=100)
    buyer = order_actions.Buyer("王小丽", "13912345678", "xiaoli_tb")
    first = place(("TEE", 1), buyer=buyer, external_id="TB-9001")
    second = delivered_order(("TEE", 1), buyer=buyer)
    other = place(("TEE", 1), buyer=order_actions.Buyer("赵六", "13600001111", ""))
    case = aftersales.open_case(
        order=second, type="return_refund", reason="quality", lines=[LineRequest(second.lines.get().pk, 1)], actor=None
    )
    chat = conversations.open_conversation(
        shop=first.shop, channel="web", customer=first.customer, contact="13912345678", contact_name="王小丽"
    )
    return {"first": first, "second": second, "other": other, "case": case, "chat": chat}


def _numbers(group: Any) -> list[str]:
    return [item.number for item in group.items]


def test_a_phones_last_4_digits_find_the_buyer_everywhere(world: dict[str, Any]) -> None:
    results = search_everything(q="5678", actor=None)

    assert _numbers(results.groups["orders"]) == [world["second"].number, world["first"].number]
    assert [c.pk for c in results.groups["customers"].items] == [world["first"].customer_id]
    assert _numbers(results.groups["cases"]) == [world["case"].number]
    assert [c.pk for c in results.groups["conversations"].items] == [world["chat"].pk]
    assert results.exact_order is None


def test_an_order_number_is_an_exact_hit(world: dict[str, Any]) -> None:
    for key in (world["first"].number, "TB-9001", world["second"].tracking_number.lower()):
        results = search_everything(q=key, actor=None)
        assert len(results.groups["orders"].items) == 1, key
        assert results.exact_order is not None, key


def test_a_case_number_finds_the_case(world: dict[str, Any]) -> None:
    results = search_everything(q=world["case"].number, actor=None)

    assert _numbers(results.groups["cases"]) == [world["case"].number]
    assert results.groups["orders"].items == []


def test_limit_and_more(world: dict[str, Any]) -> None:
    results = search_everything(q="TEE", actor=None, limit=2)

    assert len(results.groups["orders"].items) == 2
    assert results.groups["orders"].more is True


@pytest.mark.parametrize("q", ["", "   ", "无此人", "a\x00b"])
def test_nothing_found_is_empty_groups(world: dict[str, Any], q: str) -> None:
    results = search_everything(q=q, actor=None)

    assert results.total == 0
    assert set(results.groups) == {"orders", "customers", "cases", "conversations"}


def test_each_kind_only_for_who_may_view_it(world: dict[str, Any]) -> None:
    warehouse = make_user("wh", "warehouse")
    agent = make_user("agent1", "agent")

    assert "conversations" not in search_everything(q="5678", actor=warehouse).groups
    assert set(search_everything(q="5678", actor=agent).groups) == {"orders", "customers", "cases", "conversations"}


# --- the page and the API -----------------------------------------------------------------


@pytest.fixture
def owner_client(world: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(make_user("boss", "owner"))
    return client


def test_the_page_lists_each_kind_in_english(owner_client: Client, world: dict[str, Any]) -> None:
    response = owner_client.get("/search/", {"q": "5678"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Orders",
        "Customers",
        "After-sales cases",
        "Conversations",
        world["first"].number,
        world["case"].number,
    ):
        assert text in html


def test_the_page_speaks_chinese_by_default(owner_client: Client, world: dict[str, Any]) -> None:
    html = owner_client.get("/search/", {"q": "无此人"}).content.decode()

    assert "无此人" in html
    assert 'name="q"' in html


def test_one_exact_order_opens_it(owner_client: Client, world: dict[str, Any]) -> None:
    response = owner_client.get("/search/", {"q": f" {world['first'].number} "})

    assert response.status_code == 302
    assert response["Location"] == f"/orders/{world['first'].number}/"


def test_the_search_page_needs_a_staff_login(world: dict[str, Any]) -> None:
    assert Client().get("/search/", {"q": "5678"}).status_code == 302


def test_api_search(api: Any, world: dict[str, Any]) -> None:
    response = api.get("/api/v1/search", q="xiaoli_tb")

    assert response.status_code == 200
    answer = response.json()
    assert [o["number"] for o in answer["orders"]["items"]] == [world["second"].number, world["first"].number]
    assert answer["customers"]["items"][0]["nickname"] == "xiaoli_tb"
    assert answer["exact_order"] is None
    assert set(answer) == {"q", "exact_order", "orders", "customers", "cases", "conversations"}


def test_api_search_exact_order_and_bad_input(api: Any, world: dict[str, Any]) -> None:
    assert api.get("/api/v1/search", q=world["first"].number).json()["exact_order"] == world["first"].number
    assert api.get("/api/v1/search", q="x" * 101).status_code == 422
    assert api.get("/api/v1/search").status_code == 422


def test_the_top_bar_has_the_search_box_and_the_links_by_permission(owner_client: Client, db: Any) -> None:
    html = owner_client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    agent = Client()
    agent.force_login(make_user("agent2", "agent"))
    agent_html = agent.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="topbar-q"' in html and 'action="/search/"' in html
    assert 'href="/customers/"' in html and 'href="/dashboard/"' in html
    assert 'href="/dashboard/"' not in agent_html
    assert '<details class="more">' in html and 'href="/api/docs"' in html


def test_orders_with_many_hits_are_newest_first(world: dict[str, Any]) -> None:
    newest = Order.objects.order_by("-created_at", "-pk").values_list("number", flat=True)

    assert _numbers(search_everything(q="TEE", actor=None, limit=10).groups["orders"]) == list(newest)


def _bar_and_more(username: str, role: str) -> tuple[str, str]:
    client = Client()
    client.force_login(make_user(username, role))
    html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    bar = html.split('<div class="mainnav-links">', 1)[1].split("</div>", 1)[0]
    more = html.split('<div class="more-menu">', 1)[1].split("</div>", 1)[0]
    return bar, more


def test_each_role_keeps_its_daily_screens_in_the_bar(db: Any) -> None:
    warehouse_bar, warehouse_more = _bar_and_more("picker2", "warehouse")
    purchaser_bar, purchaser_more = _bar_and_more("buyer2", "purchaser")
    agent_bar, agent_more = _bar_and_more("agent3", "agent")

    assert 'href="/warehouse/"' in warehouse_bar and 'href="/stock/"' in warehouse_bar
    assert 'href="/warehouse/"' not in warehouse_more and 'href="/stock/"' not in warehouse_more
    assert 'href="/purchasing/"' in purchaser_bar and 'href="/purchasing/"' not in purchaser_more
    assert 'href="/warehouse/"' in agent_more and 'href="/warehouse/"' not in agent_bar
