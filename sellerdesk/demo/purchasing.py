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
        address="广东省广州市白云区三元里大道 1205 号",
        lead_time_days=5,
    ),
    actions.SupplierData(
        code="yw-riyong",
        name="义乌小商品日用百货",
        contact_name="何师傅",
        phone="0579-85421166",
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

    def order(supplier: Supplier, count: int, *, days_ago: int, warehouse: Warehouse | None = None) -> PurchaseOrder:
        chosen = rng.sample(offers[supplier.code], min(count, len(offers[supplier.code])))
        draft = actions.PurchaseDraft(
            supplier=supplier,
            warehouse=warehouse or warehouses[0],
            expected_at=(now + timedelta(days=supplier.lead_time_days - days_ago)).date(),
            lines=[actions.LineDraft(sku.code, rng.choice([10, 12, 20, 24, 30, 50])) for sku in chosen],
        )
        return actions.create_purchase_order(draft=draft, actor=actor, at=now - timedelta(days=days_ago))

    def at(days_ago: float) -> datetime:
        return now - timedelta(days=days_ago)

    hz, gz, yw, kr = suppliers
    made: dict[str, PurchaseOrder] = {}
    made["draft"] = order(yw, 3, days_ago=0)

    made["sent"] = order(hz, 3, days_ago=2)
    actions.send_purchase_order(purchase_order=made["sent"], actor=actor, at=at(2))

    made["customs"] = order(kr, 2, days_ago=20)
    actions.send_purchase_order(purchase_order=made["customs"], actor=actor, at=at(20))
    actions.record_customs(
        purchase_order=made["customs"],
        actor=actor,
        documents="装箱单 PL-2026-118, 商业发票 CI-2026-118, 报关单号 2233 2026 0011 8866",
        prepayment=Decimal("3260.00"),
        at=at(3),
    )

    partial = order(gz, 3, days_ago=9, warehouse=warehouses[-1])
    actions.send_purchase_order(purchase_order=partial, actor=actor, at=at(9))
    first, *rest = list(partial.lines.select_related("sku"))
    receive = [actions.ReceiveLine(first.sku.code, first.quantity - 3, 2)]  # 2 damaged, 1 short
    receive += [actions.ReceiveLine(line.sku.code, line.quantity // 2) for line in rest]
    actions.receive_purchase_order(purchase_order=partial, lines=receive, actor=actor, note="外箱破损 1 箱", at=at(2))
    made["partially_received"] = partial

    received = order(hz, 2, days_ago=14)
    actions.send_purchase_order(purchase_order=received, actor=actor, at=at(14))
    actions.receive_purchase_order(
        purchase_order=received,
        lines=[actions.ReceiveLine(line.sku.code, line.quantity) for line in received.lines.select_related("sku")],
        actor=actor,
        at=at(8),
    )
    made["received"] = received

    closed = order(yw, 2, days_ago=25)
    actions.send_purchase_order(purchase_order=closed, actor=actor, at=at(25))
    line = closed.lines.select_related("sku").first()
    assert line is not None
    actions.receive_purchase_order(
        purchase_order=closed, lines=[actions.ReceiveLine(line.sku.code, line.quantity - 4)], actor=actor, at=at(19)
    )
    actions.close_purchase_order(purchase_order=closed, actor=actor, reason="供应商断货, 余数不补", at=at(18))
    made["closed"] = closed

    cancelled = order(gz, 2, days_ago=6)
    actions.send_purchase_order(purchase_order=cancelled, actor=actor, at=at(6))
    actions.cancel_purchase_order(purchase_order=cancelled, actor=actor, reason="买错款式", at=at(5))
    made["cancelled"] = cancelled

    cleared = order(kr, 2, days_ago=35)
    actions.send_purchase_order(purchase_order=cleared, actor=actor, at=at(35))
    actions.record_customs(
        purchase_order=cleared,
        actor=actor,
        documents="报关单号 2233 2026 0009 1204",
        prepayment=Decimal("1880.00"),
        at=at(6),
    )
    actions.clear_customs(purchase_order=cleared, actor=actor, cleared_at=at(1))
    made["cleared"] = cleared
    return DemoPurchasing(suppliers, made)
