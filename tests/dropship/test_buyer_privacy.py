"""Issue 17 A5: a dropship supplier no longer sees the buyer's name, phone and address
once the purchase has been settled for more than HIDE_BUYER_AFTER_DAYS days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from sellerdesk.orders import actions as order_actions
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder
from tests.conftest import ApiClient
from tests.dropship.conftest import confirm, pay, purchase_of
from tests.factories import make_token, place
from tests.support.clock import TEST_NOW


def settled(owner: Any, acme_user: Any) -> PurchaseOrder:
    order = pay(place(("MUG-DS", 1), buyer=order_actions.Buyer("李四", "13900001111", "lisi")))
    order_actions.approve_order(order=order, actor=owner)
    purchase = dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)
    dropship.ship_dropship_purchase(
        purchase=purchase, actor=acme_user, carrier="顺丰速运", tracking_number="SF5566778899"
    )
    confirm(order, actor=owner)
    purchase.refresh_from_db()
    assert purchase.settled_at is not None
    return purchase


@pytest.fixture
def hide_after_30_days(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "DROPSHIP": {"HIDE_BUYER_AFTER_DAYS": 30}}


def _views(acme_user: Any, purchase: PurchaseOrder) -> tuple[dict[str, Any], str, str]:
    api = ApiClient(make_token(acme_user))
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the sentence why is asserted in English
    (item,) = api.get("/api/v1/supplier/purchase-orders").json()
    detail = api.get(f"/api/v1/supplier/purchase-orders/{purchase.number}").json()
    assert detail["ship_to"] == item["ship_to"]
    client = Client()
    client.force_login(acme_user)
    page = client.get(f"/supplier/po/{purchase.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    listing = client.get("/supplier/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return item["ship_to"], page, listing


def test_the_supplier_still_sees_the_buyer_within_the_days_after_settling(
    mug: Any, acme_user: Any, owner: Any, hide_after_30_days: None
) -> None:
    purchase = settled(owner, acme_user)

    with time_machine.travel(TEST_NOW + timedelta(days=29), tick=True):
        ship_to, page, listing = _views(acme_user, purchase)

    assert (ship_to["name"], ship_to["phone"], ship_to["masked_reason"]) == ("李四", "13900001111", None)
    assert "13900001111" in page and "文三路 90 号" in page
    assert "李四" in listing


def test_the_supplier_no_longer_sees_the_buyer_after_the_days_after_settling(
    mug: Any, acme_user: Any, owner: Any, hide_after_30_days: None
) -> None:
    purchase = settled(owner, acme_user)

    with time_machine.travel(TEST_NOW + timedelta(days=31), tick=True):
        ship_to, page, listing = _views(acme_user, purchase)

    assert ship_to == {
        "name": "李*",
        "phone": "*******1111",
        "address": "浙江省杭州市 ***",
        "no_price_slip": False,
        "masked_reason": "The buyer's details are hidden: this purchase was settled more than 30 days ago, "
        "and the supplier no longer needs them.",
    }
    for secret in ("李四", "13900001111", "文三路", "西湖区"):
        assert secret not in page
        assert secret not in listing
    assert 'id="buyer-masked"' in page
    assert "settled more than 30 days ago" in page
