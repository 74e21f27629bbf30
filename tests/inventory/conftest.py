"""Shared by the inventory tests: three warehouses, SKUs, a recorder standing in for the
allocation hooks, and a snapshot of every stock figure, bin and document."""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.models import (
    Bin,
    BinStock,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    Warehouse,
)
from tests.api.helpers import default_shop  # noqa: F401  (autouse: default shop and warehouse)
from tests.factories import make_sku
from tests.support.clock import TEST_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = TEST_NOW


@pytest.fixture
def main(db: Any) -> Warehouse:
    return Warehouse.objects.get(code="main")


@pytest.fixture
def guangzhou(db: Any) -> Warehouse:
    return Warehouse.objects.create(code="gz", name="广州仓", priority=20, regions=["广东省"])


@pytest.fixture
def beijing(db: Any) -> Warehouse:
    return Warehouse.objects.create(code="bj", name="北京仓", priority=30, regions=["北京市"])


@pytest.fixture
def tee(db: Any) -> Sku:
    """TEE-RED-M: 10 on hand in the main warehouse."""
    return make_sku("TEE-RED-M", stock=10)


@pytest.fixture
def cap(db: Any) -> Sku:
    """CAP-BLK: 5 on hand in the main warehouse."""
    return make_sku("CAP-BLK", stock=5)


@dataclass
class HookCalls:
    arrived: list[dict[str, Any]] = field(default_factory=list)
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    # What release_for_shortfall does: by default it releases the asked units from reserved.
    release: bool = True


def _module(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception:  # not written yet, or half-written by its author right now
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        return module


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> HookCalls:
    """The allocation colleague's hooks, recorded instead of run: these tests are about stock."""
    calls = HookCalls()

    def after_stock_arrived(**kwargs: Any) -> None:
        calls.arrived.append(kwargs)

    def release_for_shortfall(**kwargs: Any) -> int:
        calls.shortfalls.append(kwargs)
        if not calls.release:
            return 0
        from django.db.models import F

        StockLevel.objects.filter(sku_id=kwargs["sku_id"], warehouse_id=kwargs["warehouse_id"]).update(
            reserved=F("reserved") - kwargs["quantity"]
        )
        return int(kwargs["quantity"])

    monkeypatch.setattr(
        _module(monkeypatch, "sellerdesk.allocation.actions"),
        "after_stock_arrived",
        after_stock_arrived,
        raising=False,
    )
    monkeypatch.setattr(
        _module(monkeypatch, "sellerdesk.allocation.shortages"),
        "release_for_shortfall",
        release_for_shortfall,
        raising=False,
    )
    return calls


def figures(sku: Sku, warehouse: Warehouse) -> tuple[int, int, int, int]:
    """(on_hand, reserved, in_transit, defective); zeros when there is no row."""
    level = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
    if level is None:
        return (0, 0, 0, 0)
    return (level.on_hand, level.reserved, level.in_transit, level.defective)


def bins_of(sku: Sku, warehouse: Warehouse) -> dict[str, int]:
    return dict(
        BinStock.objects.filter(sku=sku, bin__warehouse=warehouse, quantity__gt=0).values_list("bin__code", "quantity")
    )


def ledger(document: str) -> list[tuple[str, str, str, int, int, int, int]]:
    """(sku, warehouse, kind, on_hand, reserved, in_transit, defective) deltas of a document."""
    return list(
        StockMovement.objects.filter(document=document)
        .order_by("pk")
        .values_list(
            "sku__code",
            "warehouse__code",
            "kind",
            "on_hand_delta",
            "reserved_delta",
            "in_transit_delta",
            "defective_delta",
        )
    )


def snapshot() -> dict[str, Any]:
    """Every row a stock action could write, to prove a refused call wrote nothing."""
    return {
        "warehouses": list(
            Warehouse.objects.order_by("pk").values_list("code", "name", "is_default", "priority", "regions")
        ),
        "bins": list(Bin.objects.order_by("pk").values_list("warehouse__code", "code", "route_order")),
        "bin_stock": list(BinStock.objects.order_by("pk").values_list("bin__code", "sku__code", "quantity")),
        "stock": list(
            StockLevel.objects.order_by("pk").values_list(
                "sku__code", "warehouse__code", "on_hand", "reserved", "in_transit", "defective", "reorder_point"
            )
        ),
        "ledger": StockMovement.objects.count(),
        "transfers": list(Transfer.objects.order_by("pk").values_list("number", "status")),
        "transfer_lines": TransferLine.objects.count(),
        "counts": list(StockCount.objects.order_by("pk").values_list("number", "status")),
        "count_lines": list(StockCountLine.objects.order_by("pk").values_list("pk", "expected", "counted")),
    }


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> None:
    # The assertions read English messages; the product's default language is Chinese.
    settings.LANGUAGE_CODE = "en"
