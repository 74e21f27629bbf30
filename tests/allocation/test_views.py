"""The stockout screens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall
from sellerdesk.orders.models import Order, Shortage
from tests.allocation.conftest import T0, approved
from tests.factories import make_sku
from tests.support.clock import TEST_NOW

IN_A_MONTH = (TEST_NOW.date() + timedelta(days=30)).isoformat()


def short_order(main: Any) -> Order:
    sku = make_sku("TEE", price="50.00", stock=3)
    order = approved(("TEE", 3))
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    release_for_shortfall(sku_id=sku.pk, warehouse_id=main.pk, quantity=2, document="PD-1", actor=None, at=T0)
    return order


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_order_with_its_short_quantity(main: Any, agent: Any) -> None:
    order = short_order(main)
    response = logged_in(agent).get("/stockouts/")
    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page
    assert f'action="/stockouts/{order.number}/resolve/"' in page


def test_resolving_from_the_screen_records_the_answer(main: Any, agent: Any) -> None:
    order = short_order(main)
    response = logged_in(agent).post(
        f"/stockouts/{order.number}/resolve/",
        {"option": "delay", "buyer_answer": "愿意等", "promised_date": IN_A_MONTH, "next": "/stockouts/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/stockouts/")
    row = Shortage.objects.get(order=order)
    assert (row.option, row.buyer_answer, row.handled_by) == ("delay", "愿意等", agent)


def test_a_bad_form_changes_nothing(main: Any, agent: Any) -> None:
    order = short_order(main)
    response = logged_in(agent).post(f"/stockouts/{order.number}/resolve/", {"option": "delay", "buyer_answer": ""})
    assert response.status_code == 302
    assert list(Shortage.objects.values_list("option", "buyer_answer")) == [("", "")]


def test_the_plan_page_renders(main: Any, owner: Any) -> None:
    make_sku("TEE", stock=1)
    response = logged_in(owner).get("/stockouts/plan/", {"sku": "TEE"})
    assert response.status_code == 200
