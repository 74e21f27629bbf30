"""The marketplaces' demo: the 天猫 shop's morning with its Taobao order export.

The export is the Taobao sample shipped in marketplaces/samples (an orders file and an
items file, GBK, two bad rows in it: an SKU code the shop does not sell and an amount
that does not parse), dated to the demo's day. It is checked into a preview, committed
and imported into the 天猫 shop, the two bad rows refused with their line numbers; the
same two files imported a second time change nothing (every order "unchanged"). The
shop's connector is the simulated marketplace; the agent reviewed the imported orders at
once, and a few of those approved were shipped this morning, so the day's bulk-ship file
(marketplaces.shipfiles) has them beside the day's other shipped 天猫 orders.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sellerdesk import marketplaces
from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.demo import catalog, names
from sellerdesk.demo.logistics import simulated_scenario, track_at_once
from sellerdesk.inventory.actions import default_warehouse, set_on_hand
from sellerdesk.inventory.models import StockLevel
from sellerdesk.inventory.queries import free_stock
from sellerdesk.logistics.models import Shipment
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.marketplaces import importing, layouts
from sellerdesk.marketplaces.models import Connection, ImportStatus, OrderImport
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderSource
from sellerdesk.orders.review.actions import review_order_now
from sellerdesk.orders.states import OrderStatus
from sellerdesk.shops.models import Shop

SAMPLES = Path(marketplaces.__file__).resolve().parent / "samples"
ORDERS_SAMPLE = "taobao-orders.csv"
ITEMS_SAMPLE = "taobao-items.csv"
SHOP = "tmall"
# The imported orders approved and shipped this morning (in the day's bulk-ship file).
SHIPPED_TODAY = 3
# The newest order of the export was placed this long before the demo's "now": the export
# was downloaded this morning, and its orders were shipped since.
NEWEST_ORDER_AGO = timedelta(minutes=90)
_MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?")


@dataclass(frozen=True)
class MarketplacesDemo:
    first: OrderImport  # the export imported: orders created, two rows refused
    again: OrderImport  # the same files again: nothing created
    connection: Connection
    shipped: list[Order]  # imported orders shipped at the demo's day


def load_demo_marketplaces(
    *, rng: random.Random, owner: User, agent: User, warehouse: User, now: datetime
) -> MarketplacesDemo:
    """Import the Taobao sample into the 天猫 shop twice (the second time changes nothing),
    give the shop the simulated connector and ship a few imported orders at `now`'s day.
    Needs the demo's shops, staff and carriers; reads the sample files, writes through the
    import job and the orders' actions."""
    shop = Shop.objects.get(code=SHOP)
    files = {name: dated(read_sample(name), now=now) for name in (ORDERS_SAMPLE, ITEMS_SAMPLE)}
    # Counted the day before: the export's oldest orders are from last night.
    _stock_the_goods(files, owner=owner, at=now - timedelta(days=1))

    first = _import(shop, files, actor=agent, at=now - timedelta(minutes=60))
    again = _import(shop, files, actor=agent, at=now - timedelta(minutes=55))
    shipped = _review_and_ship(
        shop, rng=rng, agent=agent, shipper=warehouse, reviewed_at=now - timedelta(minutes=50), now=now
    )
    # Seed data: connections have no action of their own (the admin edits them). Pulled up
    # to now: the simulated marketplace has nothing newer than the export.
    connection, _created = Connection.objects.update_or_create(
        shop=shop,
        defaults={
            "adapter": "simulated",
            "is_active": True,
            "pulls_orders": True,
            "pushes_shipments": True,
            "pulled_until": now,
        },
    )
    return MarketplacesDemo(first=first, again=again, connection=connection, shipped=shipped)


def read_sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def dated(content: bytes, *, now: datetime) -> bytes:
    """The sample file with its times moved, all by the same amount, so that its newest
    order was placed NEWEST_ORDER_AGO before `now` (the sample's own dates are fixed)."""
    text = content.decode("gb18030")
    zone = timezone.get_current_timezone()

    def moment(match: re.Match[str]) -> datetime:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)

    moments = [moment(match) for match in _MOMENT.finditer(text)]
    if not moments:
        return content
    newest = timezone.localtime(now - NEWEST_ORDER_AGO, zone).replace(second=0, microsecond=0)
    shift = newest - max(moments)

    def moved(match: re.Match[str]) -> str:
        shifted = timezone.localtime(moment(match) + shift, zone)
        return shifted.strftime("%Y-%m-%d %H:%M:%S" if match.group(6) is not None else "%Y-%m-%d %H:%M")

    return _MOMENT.sub(moved, text).encode("gb18030")


def _stock_the_goods(files: dict[str, bytes], *, owner: User, at: datetime) -> None:
    """The goods the export's orders take, on sale and in stock: a demo loaded with part
    of the catalogue (tests' sku_limit) lacks some, so they are added (bare, without a
    product page); a code the catalogue does not have stays unknown, as in the sample."""
    parsed = layouts.read_export(
        orders_file=(ORDERS_SAMPLE, _stream(files[ORDERS_SAMPLE])),
        items_file=(ITEMS_SAMPLE, _stream(files[ITEMS_SAMPLE])),
    )
    wanted: dict[str, int] = {}
    for record in parsed.orders:
        for line in record.lines:
            wanted[line.sku_code] = wanted.get(line.sku_code, 0) + line.quantity
    warehouse = default_warehouse()
    variants = {variant.code: (product, variant) for product, variant in catalog.all_variants()}
    for code in sorted(wanted):
        if code not in variants:
            continue
        sku = Sku.objects.filter(code=code).first()
        if sku is None:
            product, variant = variants[code]
            sku = create_sku(
                actor=owner, code=code, name=product.name, price=variant.price, attributes=variant.attributes
            )
        # Orders take their stock at the default warehouse first (orders.place_order).
        free = free_stock([sku.pk], [warehouse.pk]).get((sku.pk, warehouse.pk), 0)
        if free < wanted[code]:
            level = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
            on_hand = (level.on_hand if level is not None else 0) + wanted[code] - free + 5
            set_on_hand(sku=sku, on_hand=on_hand, actor=owner, warehouse=warehouse, note="天猫备货", at=at)


def _stream(content: bytes) -> IO[bytes]:
    return io.BytesIO(content)


def _import(shop: Shop, files: dict[str, bytes], *, actor: User, at: datetime) -> OrderImport:
    """The export uploaded, checked into its preview, committed and imported (the worker's
    two steps called here, inside the demo's transaction)."""
    job = importing.start_import(
        shop=shop,
        orders_file=SimpleUploadedFile(ORDERS_SAMPLE, files[ORDERS_SAMPLE], content_type="text/csv"),
        items_file=SimpleUploadedFile(ITEMS_SAMPLE, files[ITEMS_SAMPLE], content_type="text/csv"),
        layout=None,
        actor=actor,
        at=at,
        check_now=True,
    )
    if job.status != ImportStatus.PREVIEWED:
        job = importing.check_import(job.pk)
    if job.status != ImportStatus.PREVIEWED:
        raise RuntimeError(f"the demo's Taobao export did not check: {job.status} {job.error}")
    importing.commit_import(import_id=job.pk, actor=actor)
    job = importing.run_import(job.pk)
    if job.status != ImportStatus.DONE:
        raise RuntimeError(f"the demo's Taobao export did not import: {job.status} {job.error}")
    return job


def _review_and_ship(
    shop: Shop, *, rng: random.Random, agent: User, shipper: User, reviewed_at: datetime, now: datetime
) -> list[Order]:
    """The agent reviewed the imported orders at once (the rules approve or hold them,
    as the sweep would have), and the warehouse shipped a few of those approved."""
    imported = Order.objects.filter(shop=shop, source=OrderSource.MARKETPLACE).order_by("external_id")
    for index, order in enumerate(imported.filter(status=OrderStatus.PENDING_REVIEW)):
        review_order_now(order=order, actor=agent, at=reviewed_at + timedelta(seconds=index))
    shipped = []
    for index, order in enumerate(imported.filter(status=OrderStatus.APPROVED)[:SHIPPED_TODAY]):
        shipped_at = max(reviewed_at, now - timedelta(minutes=30)) + timedelta(minutes=5 * index)
        carrier = rng.choices(names.EXPRESS_CARRIERS, weights=[c.weight for c in names.EXPRESS_CARRIERS])[0]
        tracking_number = names.tracking_number(rng, carrier)
        # The parcel's scans up to now, as the demo's other shipped orders have them.
        with simulated_scenario("normal"):
            order = order_actions.ship_order(
                order=order,
                actor=shipper,
                carrier=carrier.style,
                tracking_number=tracking_number,
                at=shipped_at,
            )
            track_at_once(order)
        shipment = Shipment.objects.filter(order=order, tracking_number=tracking_number).first()
        if shipment is not None:
            poll_shipment(shipment=shipment, now=now)
        shipped.append(order)
    return shipped
