"""Marketplace file imports on PostgreSQL with real threads: two workers given the same
committed import write it once; an import racing pushes of the same orders makes each
order once, paid once, whoever comes first."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.marketplaces import importing
from sellerdesk.marketplaces.apply import apply_market_order
from sellerdesk.marketplaces.layouts import read_export
from sellerdesk.marketplaces.models import MarketplaceOrder
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku
from tests.pg.test_concurrency import run_together

HEADER = [
    "商品",
    "订单号",
    "订单状态",
    "商品总价(元)",
    "用户实付金额(元)",
    "商品数量(件)",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "街道",
    "拼单成功时间",
    "商家编码-SKU维度",
]
ORDERS = 24


def row(index: int) -> list[str]:
    sku = ("TEE-RED-M", "MUG-WHITE")[index % 2]
    buyer = ["王五", "13700137000", "浙江省", "杭州市", "西湖区", f"文三路 {index} 号"]
    return ["T恤", f"P{2000 + index}", "待发货", "59.00", "59.00", "1", *buyer, "2026-03-08 10:00:00", sku]


def export_bytes() -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *(row(index) for index in range(ORDERS))])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


@pytest.fixture
def pdd(shop: Any, settings: Any) -> Shop:
    # Small batches: the workers meet on every batch, not just once.
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "COMMIT_BATCH": 5},
    }
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    make_sku("TEE-RED-M", price="59.00", stock=100)
    make_sku("MUG-WHITE", price="59.00", stock=100)
    return Shop.objects.create(code="pdd", name="拼多多店", platform="pinduoduo")


def committed(shop: Shop) -> int:
    job = importing.start_import(
        shop=shop,
        orders_file=SimpleUploadedFile("pdd.csv", export_bytes()),
        items_file=None,
        layout=None,
        actor=None,
    )
    assert (job.status, job.to_create) == ("previewed", ORDERS)
    importing.commit_import(import_id=job.pk, actor=None)
    return job.pk


def assert_each_order_once() -> None:
    assert Order.objects.count() == ORDERS
    assert MarketplaceOrder.objects.count() == ORDERS
    assert Payment.objects.count() == ORDERS
    assert set(Order.objects.values_list("status", "payment_status", "total")) == {
        ("pending_review", "paid", Decimal("59.00"))
    }
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == ORDERS


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_one_import_write_it_once(pdd: Shop) -> None:
    import_id = committed(pdd)

    outcomes = run_together(threads=2, rounds=1, work=lambda _index: importing.run_import(import_id))

    assert outcomes.errors == []
    job = importing.get_import(import_id=import_id, actor=None)
    assert (job.status, job.orders_done, job.created, job.refused) == ("done", ORDERS, ORDERS, 0)
    assert_each_order_once()


@pytest.mark.django_db(transaction=True)
def test_an_import_racing_pushes_of_the_same_orders_makes_each_order_once(pdd: Shop) -> None:
    import_id = committed(pdd)
    records = read_export(orders_file=("pdd.csv", io.BytesIO(export_bytes())), items_file=None).orders

    def work(index: int) -> Any:
        if index == 0:
            return importing.run_import(import_id)
        # The marketplace pushes the same orders, last first, while the import writes them.
        return [
            apply_market_order(shop=pdd, record=record, source="push", actor=None, at=record.paid_at).action
            for record in reversed(records)
        ]

    outcomes = run_together(threads=2, rounds=1, work=work)

    assert outcomes.errors == []
    job = importing.get_import(import_id=import_id, actor=None)
    pushed = next(result for result in outcomes.results if isinstance(result, list))
    assert job.status == "done"
    # Every order was created by one of the two; the other found it unchanged.
    assert job.created + pushed.count("created") == ORDERS
    assert set(pushed) <= {"created", "unchanged"}
    assert_each_order_once()
