from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.inventory.actions import create_bins, default_warehouse, update_warehouse
from sellerdesk.inventory.models import Bin, StockLevel, Warehouse
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder, Supplier
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user
from tests.support.clock import TEST_NOW

# Dates a purchaser types in, relative to the test clock: goods due in 18 days, a
# supplier restocking in 28, customs cleared half an hour from now.
EXPECTED_AT = TEST_NOW.date() + timedelta(days=18)
RESTOCK_DATE = TEST_NOW.date() + timedelta(days=28)
CLEARED_AT = TEST_NOW + timedelta(minutes=30)


@pytest.fixture
def purchaser(db: Any) -> Any:
    return make_user("buyer1", "purchaser", "小采")


@pytest.fixture
def purchaser_api(purchaser: Any) -> ApiClient:
    return ApiClient(make_token(purchaser))


@pytest.fixture
def warehouse_api(warehouse_user: Any) -> ApiClient:
    return ApiClient(make_token(warehouse_user))


@pytest.fixture
def warehouse(db: Any) -> Warehouse:
    warehouse = default_warehouse()
    fields = {"name": "杭州主仓", "province": "浙江省", "city": "杭州市", "district": "余杭区"}
    return update_warehouse(warehouse=warehouse, fields={**fields, "address_detail": "仓前街道 8 号"}, actor=None)


@pytest.fixture
def bin_a1(warehouse: Warehouse) -> Bin:
    return create_bins(warehouse=warehouse, codes="A-01", actor=None)[0]


@pytest.fixture
def supplier(db: Any) -> Supplier:
    return actions.create_supplier(
        data=actions.SupplierData(
            code="hz-fushi",
            name="杭州服饰有限公司",
            contact_name="王经理",
            phone="0571-88886666",
            email="sales@hz-fushi.example.cn",
        ),
        actor=None,
    )


@pytest.fixture
def overseas(db: Any) -> Supplier:
    return actions.create_supplier(
        data=actions.SupplierData(
            code="kr-style", name="首尔时装", is_overseas=True, lead_time_days=30, email="export@kr-style.example.kr"
        ),
        actor=None,
    )


@pytest.fixture
def tee(db: Any) -> Any:
    sku = make_sku("TEE-RED-M", name="纯棉T恤 红色", stock=0, attributes={"颜色": "红", "尺码": "M"})
    sku.barcode = "6901234567892"
    sku.save(update_fields=["barcode"])
    return sku


@pytest.fixture
def jeans(db: Any) -> Any:
    sku = make_sku("JEANS-32", name="牛仔裤 32码", stock=0)
    sku.barcode = "6901234567809"
    sku.save(update_fields=["barcode"])
    return sku


def make_po(supplier: Supplier, warehouse: Warehouse, *lines: tuple[str, int, str], **fields: Any) -> PurchaseOrder:
    return actions.create_purchase_order(
        draft=actions.PurchaseDraft(
            supplier=supplier,
            warehouse=warehouse,
            lines=[actions.LineDraft(code, quantity, Decimal(cost)) for code, quantity, cost in lines],
            expected_at=fields.pop("expected_at", EXPECTED_AT),
            **fields,
        ),
        actor=None,
    )


@pytest.fixture
def sent_po(supplier: Supplier, warehouse: Warehouse, tee: Any, jeans: Any) -> PurchaseOrder:
    po = make_po(supplier, warehouse, ("TEE-RED-M", 10, "25.00"), ("JEANS-32", 5, "80.00"))
    return actions.send_purchase_order(purchase_order=po, actor=None)


def level(sku: Any, warehouse: Warehouse) -> tuple[int, int, int, int]:
    """(on hand, reserved, defective, in transit)."""
    found = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
    if found is None:
        return (0, 0, 0, 0)
    return (found.on_hand, found.reserved, found.defective, found.in_transit)


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> None:
    # The assertions read English messages; the product's default language is Chinese.
    settings.LANGUAGE_CODE = "en"
