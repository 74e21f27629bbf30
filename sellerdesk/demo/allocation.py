"""Demo data of allocation: presale SKUs with units in transit and presale orders,
stockout orders (one handled with each option, some waiting for an agent), and the
approved orders allocated across the warehouses. Everything goes through the actions.

Call it from the demo generator after the inventory demo (warehouses and stock) and
after the orders are played and reviewed, inside its transaction:

    load_demo_allocation(rng=rng, actor=staff.owner, agent=staff.agent, now=now)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sellerdesk.allocation.actions import allocate_approved_orders, allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall, resolve_stockout
from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.inventory.actions import add_in_transit, default_warehouse, putaway, set_on_hand
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment

BUYERS = [
    ("陈静", "13912345001", "静静爱购物"),
    ("王磊", "13912345002", "磊哥"),
    ("刘洋", "13912345003", "洋洋得意"),
    ("赵敏", "13912345004", "minmin"),
    ("孙浩", "13912345005", "浩然之气"),
    ("周婷", "13912345006", "婷婷玉立"),
    ("吴迪", "13912345007", "迪迪"),
    ("郑爽", "13912345008", "爽歪歪"),
]
ADDRESSES = [
    ("浙江省", "杭州市", "西湖区", "文三路 90 号"),
    ("广东省", "广州市", "天河区", "体育西路 191 号"),
    ("北京市", "北京市", "朝阳区", "建国路 88 号"),
    ("湖南省", "长沙市", "岳麓区", "麓山南路 2 号"),
]


@dataclass
class DemoAllocation:
    presale_orders: list[str] = field(default_factory=list)
    stockouts: dict[str, str] = field(default_factory=dict)  # number → option ("" waiting)
    allocated: int = 0


def _sku(actor: User, code: str, name: str, price: str) -> Sku:
    existing = Sku.objects.filter(code=code).first()
    return existing or create_sku(actor=actor, code=code, name=name, price=Decimal(price), attributes={})


def _paid_order(rng: random.Random, lines: list[tuple[str, int]], *, actor: User, at: datetime) -> Order:
    name, phone, nickname = rng.choice(BUYERS)
    province, city, district, detail = rng.choice(ADDRESSES)
    order = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer(name, phone, nickname),
            address=order_actions.Address(province, city, district, detail),
            lines=[order_actions.LineDraft(code, quantity) for code, quantity in lines],
            placed_at=at,
        ),
        actor=actor,
    )
    record_payment(
        order=order, amount=order.total, method="online", reference=f"DEMO-ALC-{order.number}", actor=actor, at=at
    )
    order_actions.approve_order(order=order, actor=actor, at=at + timedelta(minutes=40))
    order.refresh_from_db()
    return order


def load_demo_allocation(
    *, rng: random.Random, actor: User, agent: User, now: datetime, sweep: bool = True
) -> DemoAllocation:
    """Every step dated before `now`. With `sweep`, everything else approved is allocated
    at `now` last (the demo shop runs that sweep itself, after its warehouse work)."""
    summary = DemoAllocation()
    main = default_warehouse()
    others = list(Warehouse.objects.filter(is_active=True).exclude(pk=main.pk).order_by("priority", "pk"))
    day = now - timedelta(days=2)
    summary.presale_orders += _presale_orders(rng, main, actor=actor, day=day, now=now)
    orders = _allocated_then_short(rng, main, others, actor=actor, day=day)
    waiting = list(Order.objects.filter(pk__in=[order.pk for order in orders], status="stockout").order_by("pk"))
    summary.stockouts.update(_handle_stockouts(rng, waiting, others, agent=agent, now=now))

    # Everything else approved: allocated across the warehouses by the sweep.
    if sweep:
        summary.allocated = allocate_approved_orders(now=now)
    return summary


def _presale_orders(rng: random.Random, main: Warehouse, *, actor: User, day: datetime, now: datetime) -> list[str]:
    """Presale: two SKUs sold ahead of a delivery in transit to the default warehouse;
    returns the numbers of the orders."""
    numbers: list[str] = []
    for index, (code, name, ship_in) in enumerate(
        [("PRE-DOWN-01", "预售 羽绒服 米白 M", 12), ("PRE-BOOT-01", "预售 雪地靴 黑 38", 20)]
    ):
        sku = _sku(actor, code, name, "399.00" if index == 0 else "259.00")
        Sku.objects.filter(pk=sku.pk).update(is_presale=True, presale_ship_by=(now + timedelta(days=ship_in)).date())
        add_in_transit(sku_id=sku.pk, warehouse_id=main.pk, quantity=60, document="DEMO-PO", actor=actor, at=day)
        for _ in range(3):
            order = _paid_order(
                rng, [(code, rng.randint(1, 2))], actor=actor, at=day + timedelta(hours=rng.randint(1, 30))
            )
            numbers.append(order.number)
    return numbers


def _allocated_then_short(
    rng: random.Random, main: Warehouse, others: list[Warehouse], *, actor: User, day: datetime
) -> list[Order]:
    """Stockouts: orders allocated at the default warehouse, then a count finds units
    missing (the last warehouse has them); returns the orders."""
    short_sku = _sku(actor, "SO-TEE-01", "纯棉T恤 藏青 L", "79.00")
    spare_sku = _sku(actor, "SO-SOCK-01", "中筒袜 灰", "15.00")
    set_on_hand(sku=short_sku, on_hand=14, actor=actor, warehouse=main, at=day)
    set_on_hand(sku=spare_sku, on_hand=40, actor=actor, warehouse=main, at=day)
    # On a shelf like the rest of the warehouse's stock, so its pick lists walk a route.
    shelf = main.bins.order_by("route_order", "code").last()
    if shelf is not None:
        for sku, units in ((short_sku, 14), (spare_sku, 40)):
            putaway(sku=sku, bin=shelf, quantity=units, actor=actor, at=day)
    for warehouse in others:
        set_on_hand(sku=short_sku, on_hand=0, actor=actor, warehouse=warehouse, at=day)
    orders = [
        _paid_order(rng, [("SO-TEE-01", 2), ("SO-SOCK-01", 1)], actor=actor, at=day + timedelta(hours=hour))
        for hour in range(7)
    ]
    for order in orders:
        allocate_order(order=order, actor=actor, at=day + timedelta(hours=8))
    counted_at = day + timedelta(hours=9)  # after the last of them was allocated
    reserved = StockLevel.objects.get(sku=short_sku, warehouse=main).reserved
    release_for_shortfall(
        sku_id=short_sku.pk,
        warehouse_id=main.pk,
        quantity=reserved - 2,
        document="DEMO-COUNT",
        actor=actor,
        at=counted_at,
    )
    set_on_hand(sku=short_sku, on_hand=2, actor=actor, warehouse=main, note="demo count", at=counted_at)
    if others:
        set_on_hand(sku=short_sku, on_hand=30, actor=actor, warehouse=others[-1], at=counted_at)
    return orders


def _handle_stockouts(
    rng: random.Random, waiting: list[Order], others: list[Warehouse], *, agent: User, now: datetime
) -> dict[str, str]:
    """The buyers' answers to the stockouts, one option each while they last; returns the
    option per order number ("" for an order left waiting)."""
    handled: dict[str, str] = {}
    answers = [
        ("transfer", "同意从其他仓调货，晚两天没关系"),
        ("backorder", "先把有的发了，缺的补发"),
        ("drop", "缺的不要了，退款就行"),
        ("delay", "可以等到下周"),
        ("cancel", "不想等了，取消吧"),
    ]
    if not others:
        answers = answers[1:]
    for order, (option, answer) in zip(waiting, answers, strict=False):
        reply_at = now - timedelta(hours=rng.randint(1, 20))
        resolve_stockout(
            order=order,
            option=option,
            buyer_answer=answer,
            actor=agent,
            promised_date=(now + timedelta(days=7)).date() if option == "delay" else None,
            from_warehouse=others[-1].code if option == "transfer" else None,
            at=reply_at,
        )
        handled[order.number] = option
    for order in waiting[len(answers) :]:
        handled[order.number] = ""
    return handled
