"""`make bench`, fulfilment: building waves and pick lists for N allocated orders, and
generating their shipping labels as PDF, on PostgreSQL; beside a raw-SQL ceiling for the
pick-list aggregation on the same data.

stdout carries one JSON object per line, one per figure, and nothing else (the ceiling's
first, then the others with their ratio to it where it applies); progress goes to stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings, migrate;
SKUS SKUs, each in two bins of a 4-zone warehouse route, with stock; ONE order placed,
paid, approved and allocated through the real actions; its order and line rows cloned
N-1 times with INSERT … SELECT generate_series (two lines per order over varying SKUs),
and the clones' reservations added to the stock levels. The template order is then
picked, checked and labelled through the real actions, and its Shipment row cloned for
every order (same label data, each with its own tracking number and reference).

Figures:
- ceiling_pick_list_pg: one SQL statement sums every allocated order's units per SKU and
  places them at the SKU's first bin on the route, in route order (what a pick list is,
  without the per-order bin assignment, the writes or the order moves).
- waves_pg: `fulfilment.actions.create_wave` (max 1000 orders per wave) until no allocated
  order is left: plans, assigns bins, writes pick lines, moves the orders to picking,
  writes their events.
- pick_lists_pg: `fulfilment.picking.pick_list` and `sort_list` of every wave.
- labels_pdf: `fulfilment.documents.labels_pdf` of every wave's parcels (one PDF per wave).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, columns, django_on_throwaway_postgres, emit, log  # noqa: E402

SKUS = 200
ZONES = "ABCD"
BINS_PER_ZONE = 100
WAVE_SIZE = 1000


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20_000, help="allocated orders (the template included)")
    parser.add_argument("--labels", type=int, default=None, help="labels to render (default: every order)")
    return parser.parse_args()


def setup(count: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from sellerdesk.allocation.actions import allocate_order
    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.catalog.models import Sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import default_warehouse, set_on_hand
    from sellerdesk.inventory.models import Bin, BinStock, Warehouse
    from sellerdesk.orders import actions as order_actions
    from sellerdesk.orders.models import Order, OrderLine
    from sellerdesk.payments.actions import record_payment

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
    warehouse = default_warehouse()
    Warehouse.objects.filter(pk=warehouse.pk).update(
        contact_name="上海仓", phone="021-69123456", province="上海市", city="上海市", district="青浦区",
        address_detail="华新镇华腾路 1288 号",
    )  # fmt: skip
    bins = Bin.objects.bulk_create(
        [
            Bin(warehouse=warehouse, code=f"{zone}-{number:03d}", zone=zone, route_order=index * BINS_PER_ZONE + number)
            for index, zone in enumerate(ZONES)
            for number in range(1, BINS_PER_ZONE + 1)
        ]
    )
    stock = 10_000_000
    for number in range(1, SKUS + 1):
        sku = create_sku(
            actor=owner,
            code=f"FUL-{number:03d}",
            name=f"纯棉T恤 {number}",
            price=Decimal("59.00"),
            attributes={"颜色": "红", "尺码": "M"},
            barcode=f"69{number:011d}",
        )
        Sku.objects.filter(pk=sku.pk).update(weight_grams=200 + number)
        set_on_hand(sku=sku, on_hand=stock, actor=owner, warehouse=warehouse)
        # two bins per SKU, in different zones: most units in the first on the route
        first, second = bins[(number * 7) % len(bins)], bins[(number * 7 + len(bins) // 2) % len(bins)]
        BinStock.objects.bulk_create(
            [BinStock(bin=first, sku=sku, quantity=stock // 2), BinStock(bin=second, sku=sku, quantity=stock // 4)]
        )
    placed_at = timezone.now() - timedelta(hours=3)
    template = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer("张三", "13800138000", "bench-template"),
            address=order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
            lines=[order_actions.LineDraft("FUL-001", 1), order_actions.LineDraft("FUL-002", 2)],
            payment_method="online",
            placed_at=placed_at,
        ),
        actor=owner,
    )
    record_payment(order=template, amount=template.total, method="online", reference="T-0", actor=owner, at=placed_at)
    order_actions.approve_order(order=template, actor=owner, at=placed_at)
    allocate_order(order=template, actor=owner, at=placed_at)
    template.refresh_from_db()
    assert template.status == "allocated", template.status
    first_line, second_line = OrderLine.objects.filter(order=template).order_by("position")
    with transaction.atomic(), connection.cursor() as cursor:
        clone(cursor, "orders_order", template.pk, count, {"number": "'F' || lpad(g::text, 12, '0')"})
        cursor.execute(
            "CREATE TEMP TABLE bench_order AS SELECT substr(number, 2)::int AS k, id FROM orders_order "
            "WHERE number LIKE 'F%%'"
        )
        cursor.execute("CREATE INDEX ON bench_order (k)")
        for line, offset in ((first_line, 0), (second_line, 97)):
            clone(
                cursor,
                "orders_orderline",
                line.pk,
                count,
                {"order_id": "o.id", "sku_id": "s.id", "sku_code": "s.code", "name": "s.name"},
                extra=f"JOIN bench_order o ON o.k = g "
                f"JOIN catalog_sku s ON s.code = 'FUL-' || lpad((1 + mod(g * 7 + {offset}, {SKUS}))::text, 3, '0')",
            )
        cursor.execute(
            "UPDATE inventory_stocklevel l SET reserved = l.reserved + n.q FROM ("
            " SELECT sku_id, warehouse_id, sum(reserved_quantity) AS q FROM orders_orderline"
            " WHERE order_id IN (SELECT id FROM bench_order) GROUP BY sku_id, warehouse_id) n"
            " WHERE l.sku_id = n.sku_id AND l.warehouse_id = n.warehouse_id"
        )
    connection.cursor().execute("ANALYZE")
    allocated = Order.objects.filter(status="allocated").count()
    items = sum(OrderLine.objects.filter(order__status="allocated").values_list("reserved_quantity", flat=True))
    seconds = time.monotonic() - started
    log(f"setup: {allocated} allocated orders, {items} items in {seconds:.1f} s")
    return {
        "setup_seconds": round(seconds, 1),
        "orders": allocated,
        "items": items,
        "owner": owner,
        "template": template,
    }


CEILING_SQL = """
WITH first_bin AS (
    SELECT DISTINCT ON (s.sku_id) s.sku_id, b.id AS bin_id, b.code, b.route_order
    FROM inventory_binstock s JOIN inventory_bin b ON b.id = s.bin_id
    WHERE b.warehouse_id = %(warehouse)s AND s.quantity > 0 AND b.is_active
    ORDER BY s.sku_id, b.route_order, b.code
)
SELECT f.route_order, f.code, l.sku_id, sum(l.reserved_quantity) AS quantity
FROM orders_order o
JOIN orders_orderline l ON l.order_id = o.id
JOIN first_bin f ON f.sku_id = l.sku_id
WHERE o.status = 'allocated' AND o.warehouse_id = %(warehouse)s AND l.reserved_quantity > 0
GROUP BY f.route_order, f.code, l.sku_id
ORDER BY f.route_order, f.code, l.sku_id
"""


def ceiling(warehouse_id: int) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(CEILING_SQL, {"warehouse": warehouse_id})
        rows = cursor.fetchall()
        seconds = time.monotonic() - started
    items = sum(row[3] for row in rows)
    return {
        "bench": "ceiling_pick_list_pg",
        "items": items,
        "stops": len(rows),
        "items_per_s": round(items / seconds, 1),
        "seconds": round(seconds, 3),
    }


def build_waves(owner: Any) -> tuple[dict[str, Any], list[Any]]:
    from sellerdesk.core.errors import Conflict
    from sellerdesk.fulfilment.actions import create_wave
    from sellerdesk.fulfilment.waves import WaveRules
    from sellerdesk.inventory.actions import default_warehouse

    warehouse = default_warehouse()
    waves = []
    started = time.monotonic()
    while True:
        try:
            waves.append(create_wave(warehouse=warehouse, rules=WaveRules(max_orders=WAVE_SIZE), actor=owner))
        except Conflict:
            break
    seconds = time.monotonic() - started
    orders = sum(wave.order_count for wave in waves)
    items = sum(wave.item_count for wave in waves)
    return {
        "bench": "waves_pg",
        "waves": len(waves),
        "orders": orders,
        "items": items,
        "orders_per_s": round(orders / seconds, 1),
        "items_per_s": round(items / seconds, 1),
        "seconds": round(seconds, 2),
    }, waves


def read_pick_lists(waves: list[Any]) -> dict[str, Any]:
    from sellerdesk.fulfilment.picking import pick_list, sort_list

    started = time.monotonic()
    items = stops = slots = 0
    for wave in waves:
        listed = pick_list(wave)
        stops += len(listed)
        items += sum(stop.quantity for stop in listed)
        slots += len(sort_list(wave))
    seconds = time.monotonic() - started
    return {
        "bench": "pick_lists_pg",
        "waves": len(waves),
        "items": items,
        "stops": stops,
        "slots": slots,
        "items_per_s": round(items / seconds, 1),
        "seconds": round(seconds, 2),
    }


def book_labels(template: Any, owner: Any) -> None:
    """The template through the real packing and labelling, then its Shipment cloned per order."""
    from django.db import connection, transaction

    from sellerdesk.fulfilment import actions, packing, shipping
    from sellerdesk.fulfilment.models import WaveOrder
    from sellerdesk.logistics.models import Shipment

    entry = WaveOrder.objects.select_related("wave").get(order=template)
    if entry.wave.status == "picking":
        actions.confirm_pick(wave=entry.wave, actor=owner)
    for line in packing.packing_check(order=template, actor=owner).lines:
        for _unit in range(line.expected):
            packing.scan_item(order=template, code=line.barcode, actor=owner)
    shipment = shipping.print_label(order=template, actor=owner)
    with transaction.atomic(), connection.cursor() as cursor:
        names = columns(cursor, "logistics_shipment")
        overrides = {
            "order_id": "o.id",
            # Each booking has its own key (unique): the clones were never asked of a carrier.
            "idempotency_key": "'bench-' || o.id::text",
            "tracking_number": "'BENCH' || lpad(o.id::text, 10, '0')",
            "label": "jsonb_set(jsonb_set(t.label, '{tracking_number}', "
            "to_jsonb('BENCH' || lpad(o.id::text, 10, '0'))), '{reference}', to_jsonb(o.number))",
        }
        values = ", ".join(overrides.get(name, f"t.{name}") for name in names)
        cursor.execute(
            f"INSERT INTO logistics_shipment ({', '.join(names)}) SELECT {values} "
            "FROM logistics_shipment t CROSS JOIN orders_order o "
            "WHERE t.id = %s AND o.number LIKE 'F%%'",
            [shipment.pk],
        )
    log(f"labels: {Shipment.objects.count()} shipments booked")


def render_labels(waves: list[Any], limit: int | None) -> dict[str, Any]:
    from sellerdesk.fulfilment.documents import labels_pdf, wave_shipments

    started = time.monotonic()
    labels = pages_bytes = 0
    for wave in waves:
        shipments = wave_shipments(wave)
        if limit is not None:
            shipments = shipments[: max(limit - labels, 0)]
        if not shipments:
            break
        pages_bytes += len(labels_pdf(shipments, title=wave.number))
        labels += len(shipments)
    seconds = time.monotonic() - started
    return {
        "bench": "labels_pdf",
        "labels": labels,
        "labels_per_s": round(labels / seconds, 1),
        "pdf_bytes_per_label": round(pages_bytes / max(labels, 1)),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    options_ = options()
    with django_on_throwaway_postgres("fulfilment"):
        from sellerdesk.inventory.actions import default_warehouse

        facts = setup(options_.orders - 1)
        top = ceiling(default_warehouse().pk)
        emit(top)
        log("waves: building")
        figure, waves = build_waves(facts["owner"])
        figure["setup_seconds"] = facts["setup_seconds"]
        figure["ratio_to_ceiling_pick_list_pg"] = round(figure["items_per_s"] / top["items_per_s"], 4)
        figure["same_items_as_ceiling"] = figure["items"] == top["items"]
        emit(figure)
        log("pick lists: reading")
        reading = read_pick_lists(waves)
        reading["ratio_to_ceiling_pick_list_pg"] = round(reading["items_per_s"] / top["items_per_s"], 4)
        emit(reading)
        book_labels(facts["template"], facts["owner"])
        log("labels: rendering")
        emit(render_labels(waves, options_.labels))


if __name__ == "__main__":
    main()
