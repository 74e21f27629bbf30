"""Demo purchasing data: four suppliers (one abroad), the SKUs they supply with restock
dates, and purchase orders in every state, all written through the actions.

Called by the demo loader after the catalogue, the warehouses and the stock exist:
`load_demo_purchasing(rng=rng, skus=skus, warehouses=warehouses, actor=owner)`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.inventory.models import Warehouse
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder, Supplier

SUPPLIERS = [
    actions.SupplierData(
        code="hz-fushi",
        name="杭州绿源服饰有限公司",
        contact_name="王建国",
        phone="0571-86754321",
        email="sales@lvyuan-fushi.example.cn",
        address="浙江省杭州市余杭区临平街道南苑路 18 号",
        lead_time_days=7,
        note="月结 30 天",
    ),
    actions.SupplierData(
        code="gz-xiebao",
        name="广州白云鞋包批发",
        contact_name="陈丽",
        phone="020-36251188",
        email="order@baiyun-xiebao.example.cn",
        address="广东省广州市白云区三元里大道 1205 号",
        lead_time_days=5,
    ),
    actions.SupplierData(
        code="yw-riyong",
        name="义乌小商品日用百货",
        contact_name="何师傅",
        phone="0579-85421166",
        email="yw-riyong@example.cn",
        address="浙江省义乌市福田街道国际商贸城四区",
        lead_time_days=4,
    ),
    actions.SupplierData(
        code="kr-seoul",
        name="首尔时尚贸易 (韩国)",
        contact_name="Kim Min-jun",
        phone="+82-2-555-0142",
        email="export@seoul-fashion.example.kr",
        address="서울특별시 중구 동대문",
        lead_time_days=30,
        is_overseas=True,
        note="进口货: 报关预付关税",
    ),
]


@dataclass(frozen=True)
class DemoPurchasing:
    suppliers: list[Supplier]
    purchase_orders: dict[str, PurchaseOrder]  # by the state it was left in


def load_demo_purchasing(
    *,
    rng: random.Random,
    skus: Sequence[Sku],
    warehouses: Sequence[Warehouse],
    actor: User | None,
    now: datetime | None = None,
) -> DemoPurchasing:
    """Suppliers and purchase orders: draft, sent, customs, partially received (with a
    damaged and a short difference), received, closed short and cancelled; every step
    dated in the days before `now` (the demo's moment)."""
    now = now or timezone.now()
    suppliers = [actions.create_supplier(data=data, actor=actor) for data in SUPPLIERS]
    stocked = [sku for sku in skus if not sku.is_dropship and sku.is_active]
    if len(stocked) < 8 or not warehouses:
        return DemoPurchasing(suppliers, {})
    offers = _demo_offers(rng, suppliers, stocked, actor=actor, now=now)
    demo = _DemoOrders(rng, offers, warehouses, actor, now)
    hz, gz, yw, kr = suppliers
    made: dict[str, PurchaseOrder] = {}
    made["draft"] = demo.order(yw, 3, days_ago=0)
    made["sent"] = demo.sent(hz, 3, days_ago=2)
    made["customs"] = _at_customs(demo, kr)
    made["partially_received"] = _partially_received(demo, gz)
    made["received"] = _received(demo, hz)
    made["closed"] = _closed_short(demo, yw)
    cancelled = demo.sent(gz, 2, days_ago=6)
    actions.cancel_purchase_order(purchase_order=cancelled, actor=actor, reason="买错款式", at=demo.at(5))
    made["cancelled"] = cancelled
    made["cleared"] = _cleared(demo, kr)
    return DemoPurchasing(suppliers, made)


def _demo_offers(
    rng: random.Random, suppliers: list[Supplier], stocked: list[Sku], *, actor: User | None, now: datetime
) -> dict[str, list[Sku]]:
    """Up to 40 stocked SKUs shared out among the suppliers, each the preferred offer of
    its supplier; returns the SKUs by supplier code."""
    pool = rng.sample(stocked, min(len(stocked), 40))
    offers: dict[str, list[Sku]] = {supplier.code: [] for supplier in suppliers}
    for index, sku in enumerate(pool):
        supplier = suppliers[index % len(suppliers)]
        offers[supplier.code].append(sku)
        cost = (sku.price * Decimal(rng.choice(["0.38", "0.42", "0.45", "0.5", "0.55"]))).quantize(Decimal("0.01"))
        restock = (now + timedelta(days=rng.randint(3, 40))).date() if rng.random() < 0.6 else None
        actions.set_supplier_sku(
            supplier=supplier,
            sku=sku,
            data=actions.SupplierSkuData(
                cost=cost,
                supplier_code=f"{supplier.code[:2].upper()}-{1000 + index}",
                min_order_quantity=rng.choice([1, 1, 5, 10, 20]),
                is_preferred=True,
                restock_date=restock,
            ),
            actor=actor,
        )
    return offers


@dataclass(frozen=True)
class _DemoOrders:
    """What the demo's purchase orders are made with: the random source, the offers, the
    warehouses, the actor and the demo's moment."""

    rng: random.Random
    offers: dict[str, list[Sku]]
    warehouses: Sequence[Warehouse]
    actor: User | None
    now: datetime

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def order(
        self, supplier: Supplier, count: int, *, days_ago: int, warehouse: Warehouse | None = None
    ) -> PurchaseOrder:
        """A draft of `count` of the supplier's SKUs, made `days_ago` days before now."""
        chosen = self.rng.sample(self.offers[supplier.code], min(count, len(self.offers[supplier.code])))
        draft = actions.PurchaseDraft(
            supplier=supplier,
            warehouse=warehouse or self.warehouses[0],
            expected_at=(self.now + timedelta(days=supplier.lead_time_days - days_ago)).date(),
            lines=[actions.LineDraft(sku.code, self.rng.choice([10, 12, 20, 24, 30, 50])) for sku in chosen],
        )
        return actions.create_purchase_order(draft=draft, actor=self.actor, at=self.at(days_ago))

    def sent(
        self, supplier: Supplier, count: int, *, days_ago: int, warehouse: Warehouse | None = None
    ) -> PurchaseOrder:
        """Such a draft, sent to the supplier the day it was made."""
        purchase_order = self.order(supplier, count, days_ago=days_ago, warehouse=warehouse)
        actions.send_purchase_order(purchase_order=purchase_order, actor=self.actor, at=self.at(days_ago))
        return purchase_order


def _at_customs(demo: _DemoOrders, supplier: Supplier) -> PurchaseOrder:
    purchase_order = demo.sent(supplier, 2, days_ago=20)
    year = demo.at(3).year  # the papers carry the year they were made in, as the demo is loaded
    actions.record_customs(
        purchase_order=purchase_order,
        actor=demo.actor,
        documents=f"装箱单 PL-{year}-118, 商业发票 CI-{year}-118, 报关单号 2233 {year} 0011 8866",
        prepayment=Decimal("3260.00"),
        at=demo.at(3),
    )
    return purchase_order


def _partially_received(demo: _DemoOrders, supplier: Supplier) -> PurchaseOrder:
    """Received in part at the last warehouse: the first line 2 damaged and 1 short, the
    others half."""
    partial = demo.sent(supplier, 3, days_ago=9, warehouse=demo.warehouses[-1])
    first, *rest = list(partial.lines.select_related("sku"))
    receive = [actions.ReceiveLine(first.sku.code, first.quantity - 3, 2)]  # 2 damaged, 1 short
    receive += [actions.ReceiveLine(line.sku.code, line.quantity // 2) for line in rest]
    actions.receive_purchase_order(
        purchase_order=partial, lines=receive, actor=demo.actor, note="外箱破损 1 箱", at=demo.at(2)
    )
    return partial


def _received(demo: _DemoOrders, supplier: Supplier) -> PurchaseOrder:
    received = demo.sent(supplier, 2, days_ago=14)
    actions.receive_purchase_order(
        purchase_order=received,
        lines=[actions.ReceiveLine(line.sku.code, line.quantity) for line in received.lines.select_related("sku")],
        actor=demo.actor,
        at=demo.at(8),
    )
    return received


def _closed_short(demo: _DemoOrders, supplier: Supplier) -> PurchaseOrder:
    """Received 4 short of its first line, then closed: the rest will not come."""
    closed = demo.sent(supplier, 2, days_ago=25)
    line = closed.lines.select_related("sku").first()
    assert line is not None
    actions.receive_purchase_order(
        purchase_order=closed,
        lines=[actions.ReceiveLine(line.sku.code, line.quantity - 4)],
        actor=demo.actor,
        at=demo.at(19),
    )
    actions.close_purchase_order(purchase_order=closed, actor=demo.actor, reason="供应商断货, 余数不补", at=demo.at(18))
    return closed


def _cleared(demo: _DemoOrders, supplier: Supplier) -> PurchaseOrder:
    cleared = demo.sent(supplier, 2, days_ago=35)
    actions.record_customs(
        purchase_order=cleared,
        actor=demo.actor,
        documents=f"报关单号 2233 {demo.at(35).year} 0009 1204",
        prepayment=Decimal("1880.00"),
        at=demo.at(6),
    )
    actions.clear_customs(purchase_order=cleared, actor=demo.actor, cleared_at=demo.at(1))
    return cleared
