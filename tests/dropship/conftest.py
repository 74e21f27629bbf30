"""Dropship test data: a supplier with a login, dropship SKUs, paid buyer orders.

Until `orders.actions.mark_paid` and `_complete` call the dropship hooks, the helpers
call `on_order_paid` / `on_order_completed` themselves; both do nothing the second time
(an order with its purchase, a held or split order, a settled purchase), so the helpers
stay right once the hooks are in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder, Supplier, SupplierMember, SupplierSku
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user, place


def make_supplier(code: str, name: str = "") -> Supplier:
    return Supplier.objects.create(code=code, name=name or f"供应商 {code}", phone="0571-88880000")


def supplier_login(username: str, supplier: Supplier) -> User:
    user = make_user(username, "supplier", f"{supplier.name} 发货员")
    SupplierMember.objects.create(user=user, supplier=supplier)
    return user


def dropship_sku(code: str, supplier: Supplier | None, *, cost: str = "30.00", price: str = "99.00") -> Sku:
    # Stock too, so that orders can be placed whether or not intake reserves dropship
    # lines; nothing here reads the stock of a dropship SKU.
    sku = make_sku(code, price=price, stock=50)
    Sku.objects.filter(pk=sku.pk).update(is_dropship=True)
    sku.is_dropship = True
    if supplier is not None:
        SupplierSku.objects.create(supplier=supplier, sku=sku, cost=Decimal(cost), is_dropship=True, is_preferred=True)
    return sku


def pay(order: Order, *, actor: User | None = None) -> Order:
    """Pay the order in full, as the gateway would (the dropship hook runs)."""
    record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=actor)
    order = Order.objects.get(pk=order.pk)
    dropship.on_order_paid(order=order, actor=actor, at=order.paid_at or timezone.now())
    return Order.objects.get(pk=order.pk)


def confirm(order: Order, *, actor: User | None) -> Order:
    order = order_actions.confirm_receipt(order=order, actor=actor)
    dropship.on_order_completed(order=order, actor=actor, at=order.completed_at or timezone.now())
    return Order.objects.get(pk=order.pk)


def purchase_of(order: Order) -> PurchaseOrder:
    return PurchaseOrder.objects.get(for_order=order)


def snapshot(purchase: PurchaseOrder) -> tuple[Any, ...]:
    purchase.refresh_from_db()
    order = Order.objects.get(pk=purchase.for_order_id)
    return (
        purchase.status,
        purchase.carrier,
        purchase.tracking_number,
        purchase.shipped_at,
        purchase.paid_at,
        purchase.settled_at,
        order.status,
        order.tracking_number,
        order.events.count(),
    )


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Messages are asserted in English (msgids); the product's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def acme(db: Any) -> Supplier:
    return make_supplier("acme", "杭州优品供应链")


@pytest.fixture
def other_supplier(db: Any) -> Supplier:
    return make_supplier("rival", "宁波好货")


@pytest.fixture
def acme_user(acme: Supplier) -> User:
    return supplier_login("acme-ship", acme)


@pytest.fixture
def rival_user(other_supplier: Supplier) -> User:
    return supplier_login("rival-ship", other_supplier)


@pytest.fixture
def mug(acme: Supplier) -> Sku:
    return dropship_sku("MUG-DS", acme, cost="30.00", price="99.00")


def paid_dropship_order(*lines: tuple[str, int], **fields: Any) -> Order:
    return pay(place(*lines, **fields))


__all__ = [
    "confirm",
    "dropship_sku",
    "make_supplier",
    "paid_dropship_order",
    "pay",
    "purchase_of",
    "snapshot",
    "supplier_login",
]
