"""Builders for the fulfilment tests: a warehouse with bins along a route, SKUs with
barcodes and weights, orders allocated to the warehouse, the default carriers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Product, Sku
from sellerdesk.inventory import actions as stock
from sellerdesk.inventory.models import Bin, Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import place
from tests.support.clock import TEST_NOW

T0 = TEST_NOW - timedelta(days=1, hours=1)  # orders came in from 9 yesterday morning


def sku(
    code: str,
    *,
    stock_in: dict[str, int] | None = None,
    weight: int | None = 200,
    barcode: str | None = None,
    product: Product | None = None,
    attributes: dict[str, str] | None = None,
    name: str = "",
    price: str = "59.00",
) -> Sku:
    """A SKU with its units on hand in the main warehouse, `stock_in` of them in bins by code
    (the rest not in a bin)."""
    made = create_sku(
        actor=None,
        code=code,
        name=name or f"商品 {code}",
        price=Decimal(price),
        attributes=attributes or {},
        barcode=barcode or f"69{abs(hash(code)) % 10**11:011d}",
        product=product,
    )
    Sku.objects.filter(pk=made.pk).update(weight_grams=weight)
    made.refresh_from_db()
    binned = stock_in or {}
    stock.set_on_hand(sku=made, on_hand=sum(binned.values()) + 50, actor=None)
    for code_, quantity in binned.items():
        stock.putaway(sku=made, bin=Bin.objects.get(code=code_), quantity=quantity, actor=None)
    return made


def allocated(*lines: tuple[str, int], at: datetime = T0, **fields: Any) -> Order:
    """Placed, paid, approved and allocated to the main warehouse."""
    order = place(*lines, placed_at=at, **fields)
    if order.payment_method != "cod":
        record_payment(
            order=order, amount=order.total, method="online", reference=f"r-{order.number}", actor=None, at=at
        )
    order_actions.approve_order(order=order, actor=None, at=at + timedelta(minutes=1))
    allocate_order(order=order, actor=None, at=at + timedelta(minutes=2))
    order.refresh_from_db()
    assert order.status == "allocated", order.status
    return order


@pytest.fixture
def main(db: Any) -> Warehouse:
    warehouse = Warehouse.objects.get(code="main")
    Warehouse.objects.filter(pk=warehouse.pk).update(
        contact_name="主仓", phone="0571-88888888", province="浙江省", city="杭州市", district="余杭区",
        address_detail="仓前街道 1 号",
    )  # fmt: skip
    warehouse.refresh_from_db()
    # Route: A-01 (1), A-02 (2), B-01 (3), B-02 (4); created out of route order on purpose.
    Bin.objects.create(warehouse=warehouse, code="B-02", zone="B", route_order=4)
    Bin.objects.create(warehouse=warehouse, code="A-02", zone="A", route_order=2)
    Bin.objects.create(warehouse=warehouse, code="B-01", zone="B", route_order=3)
    Bin.objects.create(warehouse=warehouse, code="A-01", zone="A", route_order=1)
    return warehouse


@pytest.fixture
def carriers(db: Any) -> None:
    from tests.logistics.helpers import carriers as load

    load()


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def picked(*lines: tuple[str, int], actor: Any = None, **fields: Any) -> Order:
    """Allocated, picked on its own and the pick confirmed: ready for the packing desk."""
    from sellerdesk.fulfilment import actions

    order = allocated(*lines, **fields)
    wave = actions.pick_order(order=order, actor=actor)
    actions.confirm_pick(wave=wave, actor=actor)
    order.refresh_from_db()
    return order


def state(order: Order) -> dict[str, Any]:
    """Everything a packing or shipping step may change, to prove a refusal changed nothing."""
    from sellerdesk.fulfilment.models import WaveOrder
    from sellerdesk.inventory.models import BinStock, StockLevel, StockMovement
    from sellerdesk.logistics.models import Shipment
    from sellerdesk.notifications.models import OutgoingMessage
    from sellerdesk.orders.models import OrderEvent

    order.refresh_from_db()
    entry = WaveOrder.objects.filter(order=order).order_by("-pk").first()
    return {
        "status": order.status,
        "scanned": entry.scanned if entry else None,
        "weight": entry.weight_grams if entry else None,
        "checked_at": entry.checked_at if entry else None,
        "events": OrderEvent.objects.filter(order=order).count(),
        "shipments": list(Shipment.objects.filter(order=order).values_list("status", "handed_over_at")),
        "levels": list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved")),
        "bins": list(BinStock.objects.order_by("pk").values_list("quantity", flat=True)),
        "ledger": StockMovement.objects.count(),
        "messages": OutgoingMessage.objects.count(),
    }
