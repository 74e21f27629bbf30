"""A reusable generator of N orders on PostgreSQL for the benchmarks (search, dashboard):
orders with their lines, their customers, and the shipments of the shipped ones with
tracking numbers, over ~2 years, several shops and agents, in set-based SQL.

Usage from a bench (on a throwaway PostgreSQL, after `django.setup()`):

    from bench.million import generate
    world = generate(orders=1_000_000)      # migrates first unless migrate=False
    world.sample_orders(cursor, 100)        # a spread of real rows to search for

How (bounded, set-based, like bench/review.py): the reference rows (shops, agents, SKUs,
carriers) and ONE template order are made through the real actions; then the template's
customer, order and line rows and a template shipment are cloned with INSERT … SELECT
generate_series (bench.common.clone), so every column is what the models write; ANALYZE
last. Everything is a pure function of g (the clone's number), so two runs of the same
size give the same data.

The data (order g = N is the newest, one every SPAN / N back from `now`, so that ids
grow with time):
- shops: SHOPS (the first the default web shop, the others marketplace stores whose
  orders carry an external id); customers: one per ORDERS_PER_CUSTOMER orders, each of
  one shop with an agent in charge (Customer.agent), nickname, name and a distinct phone;
  order_count, total_spent and last_order_at recomputed from their orders.
- statuses (orders older than RECENT_DAYS): LOST_PERCENT closed unpaid (lost),
  CANCELLED_PERCENT paid then closed and refunded (cancelled), COD_PERCENT cash on
  delivery, the rest paid; those shipped, delivered after DELIVERY_DAYS and completed a
  day later (orders younger than COMPLETE_DAYS are still shipped or delivered); the
  newest RECENT_DAYS mix unpaid, pending review, approved and shipped.
- lines: one per order, a second on every third order (the order's total is theirs);
- shipments: every shipped order has an outbound parcel whose tracking number is the
  order's; every SECOND_PARCEL_EVERY-th shipped order a second parcel whose number is on
  the shipment only (search must look at shipments, not only at the order).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log  # noqa: E402

SHOPS = (("main", "自营官网", "web"), ("tmall", "天猫旗舰店", "tmall"), ("jd", "京东店", "jd"))
AGENTS = 8
SKUS = 200
PRICE = Decimal("59.00")
CARRIERS = (("sf", "顺丰速运"), ("zto", "中通快递"), ("yto", "圆通速递"))
SPAN = timedelta(days=730)
ORDERS_PER_CUSTOMER = 4
RECENT_DAYS = 2
COMPLETE_DAYS = 10
DELIVERY_DAYS = 2
LOST_PERCENT = 15
CANCELLED_PERCENT = 5
COD_PERCENT = 5
SECOND_PARCEL_EVERY = 20


@dataclass
class World:
    """What `generate` made: sizes, ids and timings, for the benches to report."""

    orders: int
    customers: int
    lines: int
    shipments: int
    now: datetime
    shop_ids: list[int]
    agent_ids: list[int]
    owner_id: int
    seconds: dict[str, float] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "customers": self.customers,
            "lines": self.lines,
            "shipments": self.shipments,
            "setup_seconds": round(sum(self.seconds.values()), 1),
        }

    @staticmethod
    def sample_orders(cursor: Any, count: int) -> list[dict[str, Any]]:
        """`count` orders spread over the table (every k-th by id), with the keys a person
        may have in hand: number, external id, nickname, name, phone, tracking number (the
        order's, or a shipment-only one), a SKU code."""
        cursor.execute("SELECT min(id) + 1, max(id) FROM orders_order")  # the template first
        low, high = cursor.fetchone()
        step = max(1, (high - low) // max(count, 1))
        # Every step-th id, shifted by a varying offset so that the sample is not aligned
        # with the generator's moduli (every 10,000th order would be of one kind).
        cursor.execute(
            "SELECT o.id, o.number, o.external_id, o.buyer_nickname, o.buyer_name, o.buyer_phone, o.tracking_number,"
            " (SELECT s.tracking_number FROM logistics_shipment s WHERE s.order_id = o.id"
            "   AND s.tracking_number <> o.tracking_number AND s.tracking_number <> '' LIMIT 1),"
            " (SELECT l.sku_code FROM orders_orderline l WHERE l.order_id = o.id ORDER BY l.position LIMIT 1)"
            " FROM orders_order o WHERE o.id IN (SELECT %s + i * %s + mod(i * 7919, %s)"
            " FROM generate_series(0, %s - 1) i) ORDER BY o.id",
            [low, step, step, count],
        )
        keys = ("id", "number", "external_id", "nickname", "name", "phone", "tracking", "parcel", "sku")
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _reference(now: datetime) -> dict[str, Any]:
    """Shops, agents, SKUs with stock, carriers, the template order and shipment."""
    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import set_on_hand
    from sellerdesk.logistics.models import Carrier, Shipment, ShipmentDirection, ShipmentStatus
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import OrderLine
    from sellerdesk.shops.models import Shop

    shops = []
    for index, (code, name, platform) in enumerate(SHOPS):
        shop, _ = Shop.objects.get_or_create(
            code=code, defaults={"name": name, "platform": platform, "is_default": index == 0}
        )
        shops.append(shop)
    owner = User.objects.create_user(username="million-owner", password=None, role="owner", display_name="店主")
    agents = [
        User.objects.create_user(
            username=f"million-agent-{index}", password=None, role="agent", display_name=f"客服{index}"
        )
        for index in range(AGENTS)
    ]
    for number in range(1, SKUS + 1):
        sku = create_sku(actor=owner, code=f"SKU-{number:04d}", name=f"纯棉T恤 {number}", price=PRICE, attributes={})
        set_on_hand(sku=sku, on_hand=10_000, actor=owner)
    carriers = [Carrier.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in CARRIERS]
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张三", "13800138000", "million-template"),
            address=order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
            lines=[order_actions.LineDraft("SKU-0001", 1)],
            payment_method="online",
            placed_at=now - SPAN - timedelta(days=1),
        ),
        actor=owner,
    )
    shipment = Shipment.objects.create(
        order=template,
        carrier=carriers[0],
        tracking_number="",
        status=ShipmentStatus.DELIVERED,
        direction=ShipmentDirection.OUTBOUND,
        created_at=template.created_at,
    )
    return {
        "shops": shops,
        "owner": owner,
        "agents": agents,
        "carriers": carriers,
        "template": template,
        "line": OrderLine.objects.get(order=template),
        "shipment": shipment,
    }


def _literal(moment: datetime) -> str:
    return f"'{moment.isoformat()}'::timestamptz"


def generate(*, orders: int, now: datetime | None = None, migrate: bool = True) -> World:
    """Make `orders` orders (the template, placed before the span, not counted) as the
    module docstring says, on the current (PostgreSQL) connection; returns the World."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    seconds: dict[str, float] = {}
    started = time.monotonic()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
        seconds["migrate"] = time.monotonic() - started
        log(f"million: migrated in {seconds['migrate']:.1f} s")
    now = now or timezone.now()
    started = time.monotonic()
    ref = _reference(now)
    template, shops, agents, carriers = ref["template"], ref["shops"], ref["agents"], ref["carriers"]
    customers = max(1, -(-orders // ORDERS_PER_CUSTOMER))
    step_seconds = SPAN.total_seconds() / max(orders, 1)
    shop_ids = "ARRAY[" + ",".join(str(s.pk) for s in shops) + "]"
    agent_ids = "ARRAY[" + ",".join(str(a.pk) for a in agents) + "]"
    carrier_ids = "ARRAY[" + ",".join(str(c.pk) for c in carriers) + "]"
    carrier_codes = "ARRAY[" + ",".join(f"'{c.code}'" for c in carriers) + "]"
    seconds["reference"] = time.monotonic() - started

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        # Customer g: shop 1 + g mod SHOPS, an agent, a distinct phone (g * 7919 is distinct
        # mod 10^8 since 7919 is prime to it), nicknames of three shapes.
        clone(
            cursor,
            "customers_customer",
            template.customer_id,
            customers,
            {
                "shop_id": f"({shop_ids})[1 + mod(g, {len(shops)})]",
                "agent_id": f"({agent_ids})[1 + mod(g / {len(shops)}, {len(agents)})]",
                "nickname": "(ARRAY['淘宝买家', 'tb', 'jd_'])[1 + mod(g, 3)] || g",
                "identity": "(ARRAY['淘宝买家', 'tb', 'jd_'])[1 + mod(g, 3)] || g",
                "name": "(ARRAY['王', '李', '张', '刘', '陈', '杨', '赵', '黄'])[1 + mod(g, 8)]"
                " || (ARRAY['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳'])[1 + mod(g / 8, 9)] || g",
                "phone": "'1' || (ARRAY['38', '39', '58', '86'])[1 + mod(g, 4)]"
                " || lpad(mod(g::bigint * 7919, 100000000)::text, 8, '0')",
                "created_at": f"{_literal(now - SPAN)}",
            },
        )
        cursor.execute(
            "CREATE TEMP TABLE million_customer AS SELECT row_number() OVER (ORDER BY id) AS k, id, shop_id,"
            " name, phone, nickname FROM customers_customer WHERE id > %s",
            [template.customer_id],
        )
        cursor.execute("CREATE UNIQUE INDEX ON million_customer (k)")
        seconds["customers"] = time.monotonic() - started
        log(f"million: {customers} customers in {seconds['customers']:.1f} s")

        started = time.monotonic()
        # Order g = N is the newest: ids grow with time, as they do in a shop.
        at = f"({_literal(now)} - ({orders} - g) * interval '{step_seconds:.6f} seconds')"
        age_days = f"(({orders} - g) * {step_seconds / 86400:.9f})"
        # A bucket 0..99 spread over g, so that neighbours differ.
        bucket = "mod(g * 37, 100)"
        kind = (
            f"CASE WHEN {age_days} < {RECENT_DAYS} THEN "
            "(ARRAY['unpaid', 'pending_review', 'approved', 'shipped', 'shipped'])[1 + mod(g, 5)] "
            f"WHEN {bucket} < {LOST_PERCENT} THEN 'lost' "
            f"WHEN {bucket} < {LOST_PERCENT + CANCELLED_PERCENT} THEN 'cancelled' "
            f"WHEN {age_days} < {DELIVERY_DAYS} THEN 'shipped' "
            f"WHEN {age_days} < {COMPLETE_DAYS} THEN 'delivered' ELSE 'completed' END"
        )
        cod = f"({bucket} >= {100 - COD_PERCENT})"
        lines = "(CASE WHEN mod(g, 3) = 0 THEN 2 ELSE 1 END)"
        # The customer of order g: one of ORDERS_PER_CUSTOMER consecutive-ish orders (a
        # stride scatters them over the span).
        customer_k = f"1 + mod((g - 1)::bigint * 7, {customers})"
        derived = (
            f"CROSS JOIN LATERAL (SELECT {at} AS at, {kind} AS kind, {cod} AS cod, {lines} * {PRICE} AS total,"
            f" 1 + mod(g, {len(carriers)}) AS carrier) d "
            f"JOIN million_customer c ON c.k = {customer_k}"
        )
        paid = "(d.kind NOT IN ('unpaid', 'lost') AND NOT d.cod)"
        shipped = "(d.kind IN ('shipped', 'delivered', 'completed'))"
        shipped_at = "d.at + (6 + mod(g, 48)) * interval '1 hour'"
        tracking = (
            "CASE d.carrier WHEN 1 THEN 'SF14' || lpad(g::text, 11, '0') "
            "WHEN 2 THEN '7531' || lpad(g::text, 10, '0') ELSE 'YT88' || lpad(g::text, 11, '0') END"
        )
        clone(
            cursor,
            "orders_order",
            template.pk,
            orders,
            {
                "number": "to_char(d.at AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(g::text, 10, '0')",
                "shop_id": "c.shop_id",
                "external_id": f"CASE WHEN c.shop_id = {shops[0].pk} THEN '' ELSE (3100000000000 + g * 13)::text END",
                "source": f"CASE WHEN c.shop_id = {shops[0].pk} THEN 'web' ELSE 'marketplace' END",
                "customer_id": "c.id",
                "buyer_name": "c.name",
                "buyer_phone": "c.phone",
                "buyer_nickname": "c.nickname",
                "status": "CASE d.kind WHEN 'lost' THEN 'closed' WHEN 'cancelled' THEN 'closed' ELSE d.kind END",
                "payment_method": "CASE WHEN d.cod THEN 'cod' ELSE 'online' END",
                "payment_status": (
                    "CASE WHEN d.kind = 'cancelled' THEN 'refunded' WHEN d.cod AND d.kind <> 'lost' THEN 'cod' "
                    f"WHEN {paid} THEN 'paid' ELSE 'unpaid' END"
                ),
                "subtotal": "d.total",
                "total": "d.total",
                "paid_amount": f"CASE WHEN {paid} THEN d.total ELSE 0 END",
                "refunded_amount": "CASE WHEN d.kind = 'cancelled' THEN d.total ELSE 0 END",
                "pay_deadline": "d.at + interval '1 day'",
                "created_at": "d.at",
                "paid_at": f"CASE WHEN {paid} THEN d.at + interval '10 minutes' END",
                "reviewed_at": "CASE WHEN d.kind NOT IN ('unpaid', 'lost', 'pending_review') "
                "THEN d.at + interval '40 minutes' END",
                "approved_at": "CASE WHEN d.kind NOT IN ('unpaid', 'lost', 'pending_review', 'cancelled') "
                "THEN d.at + interval '40 minutes' END",
                "carrier": f"CASE WHEN {shipped} THEN ({carrier_codes})[d.carrier] ELSE '' END",
                "tracking_number": f"CASE WHEN {shipped} THEN {tracking} ELSE '' END",
                "shipped_at": f"CASE WHEN {shipped} THEN {shipped_at} END",
                "delivered_at": f"CASE WHEN d.kind IN ('delivered', 'completed') THEN {shipped_at} "
                f"+ interval '{DELIVERY_DAYS} days' END",
                "completed_at": f"CASE WHEN d.kind = 'completed' THEN {shipped_at} "
                f"+ interval '{DELIVERY_DAYS + 1} days' END",
                "auto_confirm_at": f"CASE WHEN d.kind IN ('shipped', 'delivered') THEN {shipped_at} "
                "+ interval '10 days' END",
                "closed_at": "CASE WHEN d.kind IN ('lost', 'cancelled') THEN d.at + interval '1 day' END",
                "close_reason": "''",
                "close_reason_data": "'{}'::jsonb",
            },
            extra=derived,
        )
        cursor.execute(
            "CREATE TEMP TABLE million_order AS SELECT right(number, 10)::int AS k, id, total, tracking_number,"
            " carrier, shipped_at, delivered_at, created_at FROM orders_order WHERE id > %s",
            [template.pk],
        )
        cursor.execute("CREATE UNIQUE INDEX ON million_order (k)")
        seconds["orders"] = time.monotonic() - started
        log(f"million: {orders} orders in {seconds['orders']:.1f} s")

        started = time.monotonic()
        line_overrides = {
            "order_id": "o.id",
            "sku_id": "s.id",
            "sku_code": "s.code",
            "name": "s.name",
            "reserved_quantity": "0",
            "warehouse_id": "t.warehouse_id",
        }
        clone(
            cursor,
            "orders_orderline",
            ref["line"].pk,
            orders,
            {**line_overrides, "position": "1"},
            extra=f"JOIN million_order o ON o.k = g "
            f"JOIN catalog_sku s ON s.code = 'SKU-' || lpad((1 + mod(g * 31, {SKUS}))::text, 4, '0')",
        )
        clone(
            cursor,
            "orders_orderline",
            ref["line"].pk,
            orders // 3,
            {**line_overrides, "position": "2"},
            extra=f"JOIN million_order o ON o.k = g * 3 "
            f"JOIN catalog_sku s ON s.code = 'SKU-' || lpad((1 + mod(g * 17, {SKUS}))::text, 4, '0')",
        )
        cursor.execute("SELECT count(*) FROM orders_orderline WHERE order_id > %s", [template.pk])
        line_count = cursor.fetchone()[0]
        seconds["lines"] = time.monotonic() - started
        log(f"million: {line_count} lines in {seconds['lines']:.1f} s")

        started = time.monotonic()
        cursor.execute(
            "CREATE TEMP TABLE million_parcel AS SELECT row_number() OVER (ORDER BY k) AS n, id, tracking_number,"
            f" ({carrier_ids})[array_position({carrier_codes}, carrier)] AS carrier_id, shipped_at, delivered_at,"
            " false AS second FROM million_order WHERE tracking_number <> ''"
        )
        cursor.execute(
            "INSERT INTO million_parcel SELECT (SELECT count(*) FROM million_parcel) + row_number() OVER (ORDER BY n),"
            " id, 'JT' || lpad(n::text, 13, '0'), carrier_id, shipped_at + interval '1 hour', delivered_at, true"
            f" FROM million_parcel WHERE mod(n, {SECOND_PARCEL_EVERY}) = 0"
        )
        cursor.execute("CREATE UNIQUE INDEX ON million_parcel (n)")
        cursor.execute("SELECT count(*) FROM million_parcel")
        parcels = cursor.fetchone()[0]
        clone(
            cursor,
            "logistics_shipment",
            ref["shipment"].pk,
            parcels,
            {
                "order_id": "p.id",
                "carrier_id": "p.carrier_id",
                "tracking_number": "p.tracking_number",
                "status": "CASE WHEN p.delivered_at IS NULL THEN 'in_transit' ELSE 'delivered' END",
                "created_at": "p.shipped_at - interval '1 hour'",
                "handed_over_at": "p.shipped_at",
                "delivered_at": "p.delivered_at",
                "last_event_at": "coalesce(p.delivered_at, p.shipped_at)",
                "idempotency_key": "NULL",
            },
            extra="JOIN million_parcel p ON p.n = g",
        )
        seconds["shipments"] = time.monotonic() - started
        log(f"million: {parcels} shipments in {seconds['shipments']:.1f} s")

        started = time.monotonic()
        cursor.execute(
            "UPDATE customers_customer c SET order_count = a.n, total_spent = a.spent, last_order_at = a.last"
            " FROM (SELECT customer_id, count(*) AS n, sum(paid_amount - refunded_amount) AS spent,"
            " max(created_at) AS last FROM orders_order WHERE id > %s GROUP BY customer_id) a"
            " WHERE c.id = a.customer_id",
            [template.pk],
        )
        seconds["customer_totals"] = time.monotonic() - started
    started = time.monotonic()
    connection.cursor().execute("ANALYZE")
    seconds["analyze"] = time.monotonic() - started
    world = World(
        orders=orders,
        customers=customers,
        lines=line_count,
        shipments=parcels,
        now=now,
        shop_ids=[s.pk for s in shops],
        agent_ids=[a.pk for a in agents],
        owner_id=ref["owner"].pk,
        seconds={k: round(v, 1) for k, v in seconds.items()},
    )
    log(f"million: ready in {sum(seconds.values()):.1f} s {world.seconds}")
    return world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    options = parser.parse_args()
    with django_on_throwaway_postgres("million"):
        from django.db import connection

        world = generate(orders=options.orders)
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, count(*) FROM orders_order GROUP BY status ORDER BY status")
            statuses = dict(cursor.fetchall())
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            samples = world.sample_orders(cursor, 3)
        log(f"million: sample orders {samples}")
        emit(
            {
                "bench": "million_setup_pg",
                **world.facts(),
                "statuses": statuses,
                "database": size,
                "steps_s": world.seconds,
            }
        )


if __name__ == "__main__":
    main()
