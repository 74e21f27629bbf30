"""The demo shop loads on PostgreSQL too, and is as consistent there as on SQLite;
and a stock purchase order is sent on PostgreSQL (its row lock once joined the
nullable warehouse, which PostgreSQL refuses: FOR UPDATE on an outer join)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from sellerdesk.core import demo_credentials
from sellerdesk.core.periodic import run_all
from sellerdesk.demo.generate import DemoConfig, load_demo_shop
from sellerdesk.demo.notifications import LEFT_QUEUED
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus
from sellerdesk.purchasing import actions as purchasing
from sellerdesk.purchasing.models import PurchaseOrder
from tests.factories import make_sku, make_user
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock

NOW = TEST_NOW


def test_a_stock_purchase_order_is_sent_on_postgresql(shop: Any) -> None:
    # given a draft purchase order of 12 units for the default warehouse
    owner = make_user("boss", "owner")
    sku = make_sku("PG-PO-1", stock=0)
    supplier = purchasing.create_supplier(
        data=purchasing.SupplierData(code="s1", name="供应商一", email="s1@example.com"), actor=owner
    )
    draft = purchasing.PurchaseDraft(
        supplier=supplier, warehouse=default_warehouse(), lines=[purchasing.LineDraft(sku.code, 12)]
    )
    purchasing.set_supplier_sku(
        supplier=supplier, sku=sku, data=purchasing.SupplierSkuData(cost=Decimal("20.00")), actor=owner
    )
    purchase_order = purchasing.create_purchase_order(draft=draft, actor=owner)

    # when it is sent
    purchasing.send_purchase_order(purchase_order=purchase_order, actor=owner)

    # then it is sent and its units are in transit
    assert PurchaseOrder.objects.get(pk=purchase_order.pk).status == "sent"
    assert StockLevel.objects.get(sku=sku, warehouse=default_warehouse()).in_transit == 12


def test_the_demo_loads_on_postgresql(
    shop: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo_credentials, "PATH", tmp_path / "credentials.txt")
    monkeypatch.setattr(timezone, "now", Clock(NOW))  # the loaders act "now", as on SQLite

    summary = load_demo_shop(config=DemoConfig(orders=60, sku_limit=24, now=NOW))

    assert set(summary.orders_by_status) == set(OrderStatus.values)
    ledger = {
        (row["sku_id"], row["warehouse_id"]): (row["on_hand"] or 0, row["reserved"] or 0)
        for row in StockMovement.objects.values("sku_id", "warehouse_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
    }
    for level in StockLevel.objects.all():
        assert (level.on_hand, level.reserved) == ledger.get((level.sku_id, level.warehouse_id), (0, 0))
    assert Order.objects.count() > 60
    # Nothing is overdue but the newest messages, left queued on purpose for the worker.
    assert {job: done for job, done in run_all(NOW).items() if done} == {"send_messages": LEFT_QUEUED}
