"""The portal's tests: the default shop and warehouse (autouse), buyers with orders, and
a test client signed in to the portal through its own sign-in pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.models import Product, Sku
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku

ALICE = order_actions.Buyer("王小丽", "13800138000", "xiaoli")
BOB = order_actions.Buyer("李四", "13900139000", "lisi")


@pytest.fixture
def tees(db: Any) -> list[Sku]:
    """A T-shirt in three sizes (one product: an exchange may send another size)."""
    product = Product.objects.create(name="纯棉T恤")
    skus = []
    for size in ("S", "M", "L"):
        sku = make_sku(f"TEE-{size}", price="59.00", stock=20, name=f"纯棉T恤 {size}", attributes={"尺码": size})
        Sku.objects.filter(pk=sku.pk).update(product=product)
        skus.append(Sku.objects.get(pk=sku.pk))
    return skus


@pytest.fixture
def alice_order(tees: list[Sku]) -> Order:
    return delivered_order(("TEE-M", 2), buyer=ALICE)


@pytest.fixture
def bob_order(tees: list[Sku]) -> Order:
    return delivered_order(("TEE-S", 1), buyer=BOB)


def sign_in(client: Client, order: Order, phone: str | None = None) -> None:
    """Sign `client` in to the portal as the buyer of `order`, through the pages."""

    response = client.post("/portal/sign-in/code/", {"order_number": order.number, "phone": phone or order.buyer_phone})
    assert response.status_code == 200, response.content.decode()[:500]
    code = response.context["shown_code"]
    assert code, "PORTAL_SHOW_CODES must be on in the portal's tests"
    response = client.post(
        "/portal/sign-in/", {"order_number": order.number, "phone": phone or order.buyer_phone, "code": code}
    )
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture(autouse=True)
def _show_codes(settings: Any) -> None:
    # No SMS is sent yet: the page shows the code, as `make run` does.
    settings.SELLERDESK = {**settings.SELLERDESK, "PORTAL_SHOW_CODES": True}


@pytest.fixture
def alice(alice_order: Order) -> Client:
    client = Client()
    sign_in(client, alice_order)
    return client
