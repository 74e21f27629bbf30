"""Builders for allocation tests: warehouses, stock in them, orders placed and approved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.actions import default_warehouse, set_on_hand
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.payments.actions import record_payment
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

T0 = TEST_NOW - timedelta(days=2)  # the orders were placed two days ago
PRESALE_SHIP_BY = T0.date() + timedelta(days=25)


def make_warehouse(code: str, *, priority: int = 100, regions: list[str] | None = None) -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"仓 {code}", priority=priority, regions=regions or [])


def put(sku: Sku, warehouse: Warehouse, on_hand: int, *, in_transit: int = 0) -> None:
    set_on_hand(sku=sku, on_hand=on_hand, actor=None, warehouse=warehouse)
    if in_transit:
        StockLevel.objects.filter(sku=sku, warehouse=warehouse).update(in_transit=in_transit)


def arrive(sku: Sku, warehouse: Warehouse, quantity: int) -> None:
    """What a receiver does: units on hand, no longer in transit (the hook is called apart)."""
    level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=level.on_hand + quantity, in_transit=max(level.in_transit - quantity, 0)
    )


def level(sku: Sku, warehouse: Warehouse) -> tuple[int, int, int, int]:
    """(on_hand, reserved, in_transit, presale_reserved); zeros without a row."""
    row = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
    return (row.on_hand, row.reserved, row.in_transit, row.presale_reserved) if row else (0, 0, 0, 0)


def paid(*lines: tuple[str, int], at: datetime = T0, **fields: Any) -> Order:
    order = place(*lines, placed_at=at, **fields)
    record_payment(order=order, amount=order.total, method="online", reference=f"ref-{order.number}", actor=None, at=at)
    order.refresh_from_db()
    return order


def approved(*lines: tuple[str, int], at: datetime = T0, **fields: Any) -> Order:
    order = paid(*lines, at=at, **fields)
    order_actions.approve_order(order=order, actor=None, at=at + timedelta(minutes=1))
    order.refresh_from_db()
    return order


def lines_of(order: Order) -> list[tuple[str, int, str | None, int, bool]]:
    """(sku, quantity, warehouse code, reserved, presale_pending) per line, by position."""
    return [
        (
            line.sku_code,
            line.quantity,
            line.warehouse.code if line.warehouse else None,
            line.reserved_quantity,
            line.presale_pending,
        )
        for line in OrderLine.objects.filter(order=order).select_related("warehouse").order_by("position")
    ]


@pytest.fixture
def main(db: Any) -> Warehouse:
    return default_warehouse()


@pytest.fixture
def presale_sku(db: Any) -> Sku:
    sku = make_sku("PRE-1", price="100.00", stock=0)
    Sku.objects.filter(pk=sku.pk).update(is_presale=True, presale_ship_by=PRESALE_SHIP_BY)
    sku.refresh_from_db()
    return sku


__all__ = ["Decimal", "make_sku"]


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> None:
    # The assertions read English messages; the product's default language is Chinese.
    settings.LANGUAGE_CODE = "en"
