"""The demo purchasing data: suppliers and purchase orders in every state."""

from __future__ import annotations

import random

from sellerdesk.demo.purchasing import load_demo_purchasing
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.purchasing.models import PurchaseOrder, ReceiptLine, Supplier, SupplierSku
from tests.factories import make_sku


def test_demo_has_four_suppliers_and_every_state(owner):
    skus = [make_sku(f"DEMO-{index:02d}", price="60.00", stock=5) for index in range(12)]
    demo = load_demo_purchasing(rng=random.Random(7), skus=skus, warehouses=[default_warehouse()], actor=owner)
    assert Supplier.objects.count() == 4
    assert list(Supplier.objects.filter(is_overseas=True).values_list("code", flat=True)) == ["kr-seoul"]
    assert SupplierSku.objects.count() == 12
    assert SupplierSku.objects.filter(restock_date__isnull=False).exists()
    states = {key: PurchaseOrder.objects.get(pk=po.pk).status for key, po in demo.purchase_orders.items()}
    assert states == {
        "draft": "draft",
        "sent": "sent",
        "customs": "customs",
        "partially_received": "partially_received",
        "received": "received",
        "closed": "closed",
        "cancelled": "cancelled",
        "cleared": "customs",
    }
    partial = demo.purchase_orders["partially_received"]
    assert ReceiptLine.objects.filter(receipt__purchase_order=partial, damaged=2).count() == 1
    assert PurchaseOrder.objects.get(pk=demo.purchase_orders["cleared"].pk).customs_cleared_at is not None
