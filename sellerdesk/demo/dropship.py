"""The demo shop's dropship: a supplier with a login, two dropship SKUs, and buyer orders
in every stage (purchase sent, paid, shipped by the supplier, settled).

Call it inside the demo's transaction, after the staff, shops and warehouse exist:

    credentials += load_demo_dropship(rng=rng, actor=staff.owner).credentials
"""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role
from sellerdesk.demo.logistics import track_at_once
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder, Supplier, SupplierMember, SupplierSku

USERNAME = "supplier"
SKUS = [
    ("DS-TEA-LJ250", "西湖龙井 250g 礼盒（厂家直发）", Decimal("168.00"), Decimal("96.00")),
    ("DS-HONEY-500", "土蜂蜜 500g（厂家直发）", Decimal("79.00"), Decimal("42.00")),
]
BUYERS = [
    ("王芳", "13812345601", "浙江省", "杭州市", "拱墅区", "湖墅南路 88 号 3 幢 501"),
    ("陈晨", "13912345602", "江苏省", "南京市", "鼓楼区", "中山北路 200 号"),
    ("刘洋", "13712345603", "上海市", "上海市", "浦东新区", "张杨路 500 号 12 楼"),
    ("赵敏", "13612345604", "广东省", "广州市", "天河区", "体育西路 101 号"),
    ("孙丽", "15012345605", "北京市", "北京市", "朝阳区", "建国路 93 号"),
]
CARRIERS = [("顺丰速运", "SF"), ("中通快递", "ZT"), ("圆通速递", "YT")]


@dataclass
class DemoDropship:
    supplier: Supplier
    skus: list[Sku]
    orders_by_stage: dict[str, list[str]] = field(default_factory=dict)
    credentials: list[tuple[str, str]] = field(default_factory=list)


def _password() -> str:
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _supplier_and_login() -> tuple[Supplier, list[tuple[str, str]]]:
    # Seed data: there is no supplier-login action, so the rows are written directly.
    supplier, _created = Supplier.objects.get_or_create(
        code="youpin-direct",
        defaults={
            "name": "杭州优品直发供应链",
            "contact_name": "周经理",
            "phone": "0571-86001234",
            "address": "浙江省杭州市余杭区仓前街道 1 号",
            "lead_time_days": 2,
        },
    )
    credentials: list[tuple[str, str]] = []
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        password = _password()
        user = User.objects.create_user(
            username=USERNAME, password=password, role=Role.SUPPLIER, display_name="优品直发 发货员"
        )
        credentials.append((USERNAME, password))
    SupplierMember.objects.get_or_create(user=user, defaults={"supplier": supplier})
    return supplier, credentials


def _skus(supplier: Supplier, actor: User) -> list[Sku]:
    skus = []
    for code, name, price, cost in SKUS:
        sku = Sku.objects.filter(code=code).first() or create_sku(actor=actor, code=code, name=name, price=price)
        Sku.objects.filter(pk=sku.pk).update(is_dropship=True)  # seed data: no catalogue action sets it yet
        SupplierSku.objects.update_or_create(
            supplier=supplier,
            sku=sku,
            defaults={"cost": cost, "is_dropship": True, "is_preferred": True, "supplier_code": f"YP-{code[3:]}"},
        )
        skus.append(sku)
    return skus


def _tracking(rng: random.Random) -> tuple[str, str]:
    carrier, prefix = rng.choice(CARRIERS)
    return carrier, prefix + "".join(rng.choice(string.digits) for _ in range(12))


# stage → (hours before `now` the buyer ordered, hours after that the supplier shipped,
# hours after that the buyer confirmed receipt); None: not reached.
TIMELINE: dict[str, tuple[float, float | None, float | None]] = {
    "sent": (5, None, None),
    "paid": (26, None, None),
    "shipped": (70, 30, None),
    "settled": (230, 28, 100),
}


def load_demo_dropship(*, rng: random.Random, actor: User, now: datetime | None = None) -> DemoDropship:
    """`actor` is the demo's owner; the supplier's own steps are taken by its login.
    Every step is dated before `now` (the demo's moment), in the order a real shop
    would see them: paid minutes after placing, approved within the hour, the purchase
    paid after that, shipped by the supplier the next day, receipt confirmed days later."""
    now = now or timezone.now()
    supplier, credentials = _supplier_and_login()
    skus = _skus(supplier, actor)
    supplier_user = User.objects.get(username=USERNAME)
    result = DemoDropship(supplier=supplier, skus=skus, credentials=credentials)
    stages = ["sent", "paid", "shipped", "settled", "settled"]
    for index, stage in enumerate(stages):
        name, phone, province, city, district, detail = BUYERS[index % len(BUYERS)]
        sku = skus[index % len(skus)]
        ago, ship_after, confirm_after = TIMELINE[stage]
        placed = now - timedelta(hours=ago + index * 7)  # the two settled ones a few hours apart
        paid = placed + timedelta(minutes=rng.randint(2, 30))
        order = order_actions.place_order(
            draft=order_actions.OrderDraft(
                buyer=order_actions.Buyer(name, phone, f"demo_ds_{index}"),
                address=order_actions.Address(province, city, district, detail),
                lines=[order_actions.LineDraft(sku.code, rng.randint(1, 2))],
                source="silent",
                buyer_message="不要放价格单" if index % 2 else "",
                placed_at=placed,
            ),
            actor=actor,
        )
        record_payment(
            order=order,
            amount=order.total,
            method="online",
            reference=f"DEMO-DS-{order.number}",
            actor=actor,
            at=paid,
        )
        order = Order.objects.get(pk=order.pk)
        if not PurchaseOrder.objects.filter(for_order=order).exists():
            dropship.on_order_paid(order=order, actor=actor, at=order.paid_at or paid)
        purchase = PurchaseOrder.objects.get(for_order=order)
        if stage != "sent":
            approved = paid + timedelta(minutes=rng.randint(20, 60))
            order_actions.approve_order(order=order, actor=actor, at=approved)
            dropship.pay_dropship_purchase(purchase=purchase, actor=actor, at=approved + timedelta(minutes=30))
        if ship_after is not None:
            carrier, tracking = _tracking(rng)
            shipped = placed + timedelta(hours=ship_after)
            dropship.ship_dropship_purchase(
                purchase=purchase, actor=supplier_user, carrier=carrier, tracking_number=tracking, at=shipped
            )
            track_at_once(order)
            if confirm_after is not None:
                confirmed = shipped + timedelta(hours=confirm_after)
                order_actions.confirm_receipt(order=order, actor=actor, at=confirmed)
                purchase.refresh_from_db()
                if purchase.status != "settled":  # before the completion hook was in orders.actions
                    dropship.on_order_completed(order=order, actor=actor, at=confirmed)
        result.orders_by_stage.setdefault(stage, []).append(order.number)
    return result
