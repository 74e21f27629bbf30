from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import place


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: everything it writes is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def paid(*lines: tuple[str, int], **fields: Any) -> Order:
    order = place(*lines, **fields)
    record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=None)
    return Order.objects.get(pk=order.pk)


def stock_figures() -> list[tuple[str, int, int]]:
    return list(StockLevel.objects.order_by("sku__code").values_list("sku__code", "on_hand", "reserved"))


def ledger_by_document() -> dict[str, int]:
    """Reserved units per document (order number) according to the ledger."""
    rows = StockMovement.objects.values("document").annotate(reserved=Sum("reserved_delta"))
    return {row["document"]: row["reserved"] for row in rows if row["reserved"]}


def held_units(order: Order) -> list[tuple[str, int, int]]:
    return sorted((line.sku_code, line.quantity, line.reserved_quantity) for line in order.lines.all())


def money(order: Order) -> tuple[Decimal, Decimal, Decimal]:
    order.refresh_from_db()
    return order.total, order.paid_amount, order.shipping_fee
