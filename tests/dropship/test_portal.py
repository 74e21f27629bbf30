"""The supplier portal and the staff dropship screen, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder
from tests.dropship.conftest import pay, purchase_of, snapshot
from tests.factories import place


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shippable(owner: Any) -> PurchaseOrder:
    order = pay(place(("MUG-DS", 1), buyer=order_actions.Buyer("李四", "13900001111", "lisi")))
    order_actions.approve_order(order=order, actor=owner)
    return dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)


def test_the_supplier_sees_its_purchase_orders_and_the_buyer_to_ship_to(mug: Any, acme_user: Any, owner: Any) -> None:
    purchase = shippable(owner)
    client = logged_in(acme_user)

    listing = client.get("/supplier/")
    detail = client.get(f"/supplier/po/{purchase.number}/")

    assert listing.status_code == 200
    assert purchase.number in listing.content.decode()
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "李四" in page and "13900001111" in page and "文三路 90 号" in page
    assert "99.00" not in page  # the buyer's price is the seller's business
    assert 'id="ship-form"' in page


def test_the_supplier_marks_a_purchase_shipped(mug: Any, acme_user: Any, owner: Any) -> None:
    purchase = shippable(owner)

    answer = logged_in(acme_user).post(
        f"/supplier/po/{purchase.number}/ship/", {"carrier": "顺丰速运", "tracking_number": "SF5566778899"}
    )

    assert (answer.status_code, answer["Location"]) == (302, f"/supplier/po/{purchase.number}/")
    purchase.refresh_from_db()
    order = Order.objects.get(pk=purchase.for_order_id)
    assert (purchase.status, order.status, order.tracking_number) == ("shipped", "shipped", "SF5566778899")


def test_bad_tracking_input_shows_the_error_and_changes_nothing(mug: Any, acme_user: Any, owner: Any) -> None:
    purchase = shippable(owner)
    before = snapshot(purchase)

    answer = logged_in(acme_user).post(
        f"/supplier/po/{purchase.number}/ship/", {"carrier": "顺丰速运", "tracking_number": "SF 55"}
    )

    assert answer.status_code == 422
    assert "field-error" in answer.content.decode()
    assert snapshot(purchase) == before


def test_another_suppliers_purchase_is_404_in_the_portal(mug: Any, rival_user: Any, owner: Any) -> None:
    purchase = shippable(owner)
    before = snapshot(purchase)
    client = logged_in(rival_user)

    assert purchase.number not in client.get("/supplier/").content.decode()
    assert client.get(f"/supplier/po/{purchase.number}/").status_code == 404
    shipped = client.post(
        f"/supplier/po/{purchase.number}/ship/", {"carrier": "顺丰速运", "tracking_number": "SF5566778899"}
    )
    assert shipped.status_code == 404
    assert snapshot(purchase) == before


@pytest.mark.parametrize("path", ["/orders/", "/orders/review-queue/", "/supplier/dropship/"])
def test_a_supplier_login_reaches_no_staff_page(mug: Any, acme_user: Any, path: str) -> None:
    answer = logged_in(acme_user).get(path)

    assert answer.status_code == 403


def test_a_supplier_lands_on_its_portal(mug: Any, acme_user: Any) -> None:
    answer = logged_in(acme_user).get("/")

    assert (answer.status_code, answer["Location"]) == (302, "/supplier/")
    assert "/orders/" not in logged_in(acme_user).get("/supplier/").content.decode()


def test_staff_cannot_open_the_supplier_portal(db: Any, agent: Any) -> None:
    assert logged_in(agent).get("/supplier/").status_code == 403


def test_anonymous_visitors_go_to_the_login_page(db: Any) -> None:
    answer = Client().get("/supplier/")

    assert (answer.status_code, answer["Location"]) == (302, "/login/?next=/supplier/")


def test_staff_see_the_settlement_and_pay_a_supplier(mug: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 2)))
    purchase = purchase_of(order)
    client = logged_in(owner)

    page = client.get("/supplier/dropship/").content.decode()
    assert purchase.number in page
    assert "¥60.00" in page

    answer = client.post(f"/supplier/dropship/{purchase.number}/pay/")

    assert answer.status_code == 302
    purchase.refresh_from_db()
    assert purchase.paid_at is not None


def test_staff_create_a_purchase_by_hand_and_see_refusals(mug: Any, owner: Any) -> None:
    unpaid = place(("MUG-DS", 1))
    cod = place(("MUG-DS", 1), payment_method="cod")
    client = logged_in(owner)

    refused = client.post("/supplier/dropship/create/", {"number": unpaid.number}, follow=True)
    assert PurchaseOrder.objects.count() == 0
    assert unpaid.number in refused.content.decode()

    client.post("/supplier/dropship/create/", {"number": cod.number})
    assert PurchaseOrder.objects.get().for_order_id == cod.pk
