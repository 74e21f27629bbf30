"""The order page's totals (issue 17 D walkthrough): an order that ended — closed, or
refused at the door — shows no balance due; the buyer owes nothing on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place
from tests.logistics.helpers import T0, carriers, shipped


def page_of(order: Order) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("boss", "owner", "老板"))
    return client.get(f"/orders/{order.number}/").content.decode()


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


def test_an_unpaid_order_shows_its_balance_due() -> None:
    make_sku("MUG", price="30.00", stock=5)
    assert "Balance due" in page_of(place(("MUG", 1)))


def test_a_cancelled_unpaid_order_shows_no_balance_due() -> None:
    """Issue 17 D (walkthrough): a cancelled unpaid order read "Balance due ¥30.00" in red."""
    make_sku("MUG", price="30.00", stock=5)
    order = order_actions.cancel_order(order=place(("MUG", 1)), actor=None, reason="买家不要了")
    assert order.status == "closed"
    assert "Balance due" not in page_of(order)


def test_a_refused_cash_on_delivery_order_shows_no_balance_due() -> None:
    """Issue 17 D (walkthrough): a COD parcel refused at the door left its order reading
    "Balance due ¥…" in red, as if the buyer still owed the goods they sent back."""
    shipment = shipped("refused", carrier="SF", payment_method="cod")
    poll_tracking(T0 + timedelta(days=20))
    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == "refused" and order.balance_due > 0
    assert "Balance due" not in page_of(order)
