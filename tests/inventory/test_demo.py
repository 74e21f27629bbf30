"""The demo inventory: three warehouses, bins, spread stock, counts and transfers."""

from __future__ import annotations

import random

from sellerdesk.catalog.models import Sku
from sellerdesk.demo.inventory import load_demo_inventory
from sellerdesk.inventory.models import BinStock, StockCount, StockLevel, Transfer, Warehouse
from tests.factories import make_sku, make_user
from tests.inventory.conftest import HookCalls


def test_demo_inventory(hooks: HookCalls) -> None:
    skus: list[Sku] = [make_sku(f"DEMO-{index:02d}", stock=40) for index in range(24)]
    load_demo_inventory(rng=random.Random(7), skus=skus, actor=make_user("boss", "owner"))
    houses = {w.code: w for w in Warehouse.objects.all()}
    assert sorted((w.name, w.is_default) for w in houses.values()) == [
        ("上海仓", True),
        ("北京仓", False),
        ("广州仓", False),
    ]
    assert all(w.bins.count() == 20 for w in houses.values())
    assert "浙江省" in houses["main"].regions and "广东省" in houses["gz"].regions
    only_shanghai = [
        sku
        for sku in skus
        if not StockLevel.objects.filter(sku=sku, on_hand__gt=0).exclude(warehouse=houses["main"]).exists()
    ]
    assert only_shanghai
    assert sorted(StockCount.objects.values_list("status", flat=True)) == ["open", "posted"]
    assert sorted(Transfer.objects.values_list("status", flat=True)) == ["received", "shipped"]
    for house in houses.values():
        for level in StockLevel.objects.filter(warehouse=house):
            binned = sum(
                BinStock.objects.filter(bin__warehouse=house, sku=level.sku).values_list("quantity", flat=True)
            )
            assert binned <= level.on_hand
            assert level.on_hand >= level.reserved


def test_demo_inventory_shelves_every_unit_of_the_default_warehouse(hooks: HookCalls) -> None:
    """Issue 17 D: the demo's stock is in bins, so pick routes show: every unit in 上海 is
    in a bin, the SKUs spread along the route."""
    skus: list[Sku] = [make_sku(f"DEMO-{index:02d}", stock=40) for index in range(24)]
    load_demo_inventory(rng=random.Random(7), skus=skus, actor=make_user("boss", "owner"))
    shanghai = Warehouse.objects.get(code="main")
    for level in StockLevel.objects.filter(warehouse=shanghai):
        binned = sum(BinStock.objects.filter(bin__warehouse=shanghai, sku=level.sku).values_list("quantity", flat=True))
        assert binned == level.on_hand == 40
    used = set(BinStock.objects.filter(bin__warehouse=shanghai, quantity__gt=0).values_list("bin__code", flat=True))
    assert len(used) >= 10
