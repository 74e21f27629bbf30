"""Demo warehouses, bins, stock spread, stock counts and transfers, all through the actions.

Called by the demo generator after the initial stock is set in the default warehouse
(`_stock_up`). It never takes units out of the default warehouse: it renames that one
上海仓 and brings new stock into 广州仓 and 北京仓, so orders placed afterwards (or
before) find exactly the stock the generator planned for them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, BinStock, StockLevel, Warehouse

EAST = ["上海市", "江苏省", "浙江省", "安徽省", "江西省", "山东省", "福建省"]
SOUTH = ["广东省", "广西壮族自治区", "海南省", "湖南省", "湖北省", "云南省", "贵州省", "四川省", "重庆市"]
NORTH = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "河南省", "陕西省"]


def _warehouses(actor: User) -> tuple[Warehouse, Warehouse, Warehouse]:
    shanghai = actions.default_warehouse()
    actions.update_warehouse(
        warehouse=shanghai,
        fields={
            "name": "上海仓",
            "regions": EAST,
            "priority": 10,
            "contact_name": "王仓管",
            "phone": "021-69123456",
            "province": "上海市",
            "city": "上海市",
            "district": "青浦区",
            "address_detail": "华新镇华腾路 1288 号 3 号库",
        },
        actor=actor,
    )
    guangzhou = actions.create_warehouse(
        code="gz",
        fields={
            "name": "广州仓",
            "regions": SOUTH,
            "priority": 20,
            "contact_name": "陈仓管",
            "phone": "020-36541234",
            "province": "广东省",
            "city": "广州市",
            "district": "白云区",
            "address_detail": "太和镇广从五路 66 号",
        },
        actor=actor,
    )
    beijing = actions.create_warehouse(
        code="bj",
        fields={
            "name": "北京仓",
            "regions": NORTH,
            "priority": 30,
            "contact_name": "刘仓管",
            "phone": "010-80561234",
            "province": "北京市",
            "city": "北京市",
            "district": "大兴区",
            "address_detail": "礼贤镇物流园 8 号库",
        },
        actor=actor,
    )
    return actions.default_warehouse(), guangzhou, beijing


def _bins(warehouse: Warehouse, actor: User) -> list[Bin]:
    return actions.create_bins(
        warehouse=warehouse, codes="A-01-01..A-01-10", zone="A", actor=actor
    ) + actions.create_bins(warehouse=warehouse, codes="B-01-01..B-01-10", zone="B", actor=actor)


def load_demo_inventory(*, rng: random.Random, skus: list[Sku], actor: User, now: datetime | None = None) -> None:
    """3 warehouses (上海仓 default for 华东, 广州仓 华南, 北京仓 华北) with 20 bins each;
    new stock received into 广州 and 北京 for part of the SKUs (so some SKUs are only in
    上海), part of it put away in bins; every unit in 上海 in a bin (pick routes); a
    posted stock count and an open one; a received transfer and one in transit. `actor`
    must be allowed to edit warehouses (the owner); `now` is the demo's moment (every
    dated step is in the days before it)."""
    now = now or timezone.now()
    shanghai, guangzhou, beijing = _warehouses(actor)
    bins = {house.pk: _bins(house, actor) for house in (shanghai, guangzhou, beijing)}
    ordered = sorted(skus, key=lambda sku: sku.code)
    stocked = _receive_opening_stock(rng, ordered, (guangzhou, beijing), bins, actor=actor, now=now)
    _put_away(rng, shanghai, bins[shanghai.pk], actor=actor, now=now)
    _shelve_the_rest(shanghai, bins[shanghai.pk], actor=actor, now=now)
    # Reorder points on a few SKUs, some of them at or below it.
    for sku in ordered[: max(len(ordered) // 6, 1)]:
        actions.set_reorder_point(
            sku=sku, warehouse=shanghai, reorder_point=rng.randrange(5, 30), reorder_quantity=50, actor=actor
        )
    _count_stock(rng, guangzhou, stocked[guangzhou.pk], beijing, stocked[beijing.pk], actor=actor, now=now)
    _transfer_stock(guangzhou, beijing, shanghai, actor=actor, now=now)


def _receive_opening_stock(
    rng: random.Random,
    ordered: list[Sku],
    houses: tuple[Warehouse, Warehouse],
    bins: dict[int, list[Bin]],
    *,
    actor: User,
    now: datetime,
) -> dict[int, list[Sku]]:
    """Received stock: about half the SKUs in the first warehouse (广州), a third in the
    second (北京); the rest only in 上海. Returns the SKUs received, by warehouse id."""
    stocked: dict[int, list[Sku]] = {house.pk: [] for house in houses}
    for sku in ordered:
        for house, share in zip(houses, (0.5, 0.33), strict=True):
            if rng.random() < share:
                good = rng.randrange(10, 80)
                actions.receive_stock(
                    sku_id=sku.pk,
                    warehouse_id=house.pk,
                    good=good,
                    damaged=1 if rng.random() < 0.1 else 0,
                    bin=rng.choice(bins[house.pk]) if rng.random() < 0.7 else None,
                    document="期初入库",
                    actor=actor,
                    at=now - timedelta(days=20),
                )
                stocked[house.pk].append(sku)
    return stocked


def _put_away(rng: random.Random, warehouse: Warehouse, bins: list[Bin], *, actor: User, now: datetime) -> None:
    """Put part of the warehouse's available stock away in bins."""
    for level in StockLevel.objects.filter(warehouse=warehouse, on_hand__gt=0).select_related("sku")[:30]:
        quantity = min(level.on_hand, rng.randrange(1, 20))
        actions.putaway(
            sku=level.sku,
            bin=rng.choice(bins),
            quantity=quantity,
            actor=actor,
            at=now - timedelta(days=19),
        )


def _shelve_the_rest(warehouse: Warehouse, bins: list[Bin], *, actor: User, now: datetime) -> None:
    """Every unit of the warehouse not in a bin yet put away in its SKU's home bin, the
    SKUs in code order along the route (neighbouring codes share a bin), so that every
    pick list of the default warehouse walks a route. No random draw: the demo's other
    stories draw the same numbers as before."""
    levels = list(
        StockLevel.objects.filter(warehouse=warehouse, on_hand__gt=0).select_related("sku").order_by("sku__code")
    )
    binned = dict(
        BinStock.objects.filter(bin__warehouse=warehouse)
        .values("sku_id")
        .annotate(total=Sum("quantity"))
        .values_list("sku_id", "total")
    )
    route = sorted(bins, key=lambda bin: (bin.route_order, bin.code))
    for index, level in enumerate(levels):
        unbinned = level.on_hand - (binned.get(level.sku_id) or 0)
        if unbinned > 0:
            home = route[index * len(route) // len(levels)]
            actions.putaway(sku=level.sku, bin=home, quantity=unbinned, actor=actor, at=now - timedelta(days=19))


def _count_stock(
    rng: random.Random,
    guangzhou: Warehouse,
    in_guangzhou: list[Sku],
    beijing: Warehouse,
    in_beijing: list[Sku],
    *,
    actor: User,
    now: datetime,
) -> None:
    """A posted count in 广州 (a few over, a few under) and an open one in 北京, half counted."""
    if in_guangzhou:
        count = actions.start_count(
            warehouse=guangzhou,
            skus=in_guangzhou[:8],
            note="月度盘点",
            actor=actor,
            at=now - timedelta(days=7),
        )
        counted = {line.pk: max(line.expected + rng.choice([-2, -1, 0, 0, 1, 3]), 0) for line in count.lines.all()}
        actions.enter_counts(count=count, counted=counted, actor=actor)
        actions.post_count(count=count, actor=actor, at=now - timedelta(days=7))
    if in_beijing:
        count = actions.start_count(
            warehouse=beijing, skus=in_beijing[:10], note="抽盘 A 区", actor=actor, at=now - timedelta(hours=3)
        )
        lines = list(count.lines.all())
        actions.enter_counts(
            count=count, counted={line.pk: line.expected for line in lines[: len(lines) // 2]}, actor=actor
        )


def _transfer_stock(
    guangzhou: Warehouse, beijing: Warehouse, shanghai: Warehouse, *, actor: User, now: datetime
) -> None:
    """Transfers out of 广州 (its own received stock): one received in 北京, one in transit to 上海."""
    movable = [
        level
        for level in StockLevel.objects.filter(warehouse=guangzhou, on_hand__gt=5)
        .select_related("sku")
        .order_by("sku_id")
    ]
    if len(movable) >= 2:
        done = actions.create_transfer(
            from_warehouse=guangzhou,
            to_warehouse=beijing,
            lines=[(movable[0].sku, 3)],
            note="北京仓补货",
            actor=actor,
            at=now - timedelta(days=5),
        )
        actions.ship_transfer(transfer=done, actor=actor, at=now - timedelta(days=5))
        actions.receive_transfer(transfer=done, actor=actor, at=now - timedelta(days=3))
        moving = actions.create_transfer(
            from_warehouse=guangzhou,
            to_warehouse=shanghai,
            lines=[(movable[1].sku, 4)],
            note="上海仓补货",
            actor=actor,
            at=now - timedelta(days=1),
        )
        actions.ship_transfer(transfer=moving, actor=actor, at=now - timedelta(days=1))
