"""The order page's merge / split panel: merge, unmerge, split by hand, refusals shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from tests.api.helpers import snapshot, stock
from tests.factories import make_sku
from tests.merging.conftest import paid

BUYER = actions.Buyer("李四", "13900139000", "lisi")


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


@pytest.fixture
def browser(agent: Any, settings: Any) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(agent)
    return client


def test_order_page_loads_the_panel_with_the_candidates(browser: Client, tee: Sku) -> None:
    first, second = paid(("TEE-RED-M", 1), buyer=BUYER), paid(("TEE-RED-M", 2), buyer=BUYER)
    page = browser.get(f"/orders/{first.number}/")
    assert page.status_code == 200
    assert f"/orders/{first.number}/merge-split/" in page.content.decode()
    panel = browser.get(f"/orders/{first.number}/merge-split/").content.decode()
    assert f'value="{second.number}"' in panel
    assert 'id="merge-button"' in panel and 'id="split-button"' in panel


def test_merge_then_unmerge_from_the_page(browser: Client, tee: Sku) -> None:
    first, second = paid(("TEE-RED-M", 1), buyer=BUYER), paid(("TEE-RED-M", 2), buyer=BUYER)
    response = browser.post(f"/orders/{first.number}/merge/", {"numbers": [second.number]})
    merged = Order.objects.get(merged_from=first)
    assert response.status_code == 302 and response["Location"] == f"/orders/{merged.number}/"
    assert merged.total == first.total + second.total
    assert 'id="unmerge-button"' in browser.get(f"/orders/{merged.number}/merge-split/").content.decode()
    response = browser.post(f"/orders/{merged.number}/unmerge/")
    assert response.status_code == 302 and response["Location"] == f"/orders/{first.number}/"
    assert Order.objects.get(pk=first.pk).status == "pending_review"
    assert stock("TEE-RED-M") == (100, 3)


def test_split_from_the_page(browser: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 3))
    response = browser.post(f"/orders/{order.number}/split/", {"move_1": "1"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}-1/"
    parts = Order.objects.filter(split_from=order).order_by("pk")
    assert [(part.number, part.total, part.paid_amount) for part in parts] == [
        (f"{order.number}-1", order.total - tee.price, order.total - tee.price),
        (f"{order.number}-2", tee.price, tee.price),
    ]


@pytest.mark.parametrize("moving", ["0", "3", "9", "x"])
def test_split_that_does_not_add_up_is_refused_on_the_page(browser: Client, tee: Sku, moving: str) -> None:
    order = paid(("TEE-RED-M", 3))
    before = snapshot()
    response = browser.post(f"/orders/{order.number}/split/", {"move_1": moving}, follow=True)
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1
    assert snapshot() == before
