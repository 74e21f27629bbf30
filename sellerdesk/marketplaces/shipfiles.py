"""The bulk-ship file (批量发货): a shop's orders shipped on one day, as the file its
marketplace takes in one upload to mark them shipped there.

One row per order: the marketplace's order id, the carrier as that platform names it
(marketplaces.carriers) and the tracking number. A platform marks an order shipped once
and its upload takes one waybill per order, so an order that left in several parcels
appears once, with the tracking number it shipped with (`Order.tracking_number`, the
first parcel handed over). Its other parcels are not in the file: a connected shop
sends each of them through its connector (marketplaces.notices), otherwise the seller
adds them on the marketplace's order page (多包裹).

CSV in the platform's usual encoding (Taobao/Tmall and JD: GBK, written as GB18030 so
that no name can fail to encode; Pinduoduo: UTF-8 with a BOM) and XLSX (every cell text,
so that a long order id is not turned into a number and a value is never a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.marketplaces.carriers import platform_namer
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import visible_shop_ids
from sellerdesk.shops.models import Platform, Shop

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ShipFileLayout:
    """A platform's bulk-ship upload: its three column headers and its CSV encoding."""

    order_id: str
    carrier: str
    tracking_number: str
    encoding: str
    sheet: str

    @property
    def header(self) -> list[str]:
        return [self.order_id, self.carrier, self.tracking_number]


_TAOBAO = ShipFileLayout("订单编号", "物流公司", "运单号", encoding="gb18030", sheet="批量发货")
LAYOUTS: dict[str, ShipFileLayout] = {
    Platform.TAOBAO: _TAOBAO,
    Platform.TMALL: _TAOBAO,
    Platform.JD: ShipFileLayout("订单号", "物流公司", "运单号", encoding="gb18030", sheet="批量出库"),
    Platform.PINDUODUO: ShipFileLayout("订单号", "快递公司", "快递单号", encoding="utf-8-sig", sheet="批量发货"),
}


@dataclass(frozen=True)
class ShipRow:
    external_id: str
    carrier: str
    tracking_number: str


def local_day(day: date) -> tuple[datetime, datetime]:
    """The start of `day` and of the next day, in the shop's time zone (the project's)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def shipped_rows(*, shop: Shop, day: date) -> list[ShipRow]:
    """The rows of the shop's bulk-ship file for `day`: its orders with a marketplace id
    that shipped that local day (whatever they became since), in the order they shipped."""
    start, end = local_day(day)
    name = platform_namer(platform=shop.platform)
    orders = (
        Order.objects.filter(shop=shop, shipped_at__gte=start, shipped_at__lt=end)
        .exclude(external_id="")
        .exclude(tracking_number="")
        .order_by("shipped_at", "pk")
        .values_list("external_id", "carrier", "tracking_number")
    )
    return [ShipRow(external_id, name(carrier), tracking) for external_id, carrier, tracking in orders.iterator()]


def _csv(layout: ShipFileLayout, rows: Iterable[ShipRow]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(layout.header)
    for row in rows:
        writer.writerow([row.external_id, row.carrier, row.tracking_number])
    return buffer.getvalue().encode(layout.encoding)


def _text_cell(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    # openpyxl reads "=…" as a formula: an id is always text, never evaluated.
    cell.data_type = "s"
    return cell


def _xlsx(layout: ShipFileLayout, rows: Iterable[ShipRow]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(layout.sheet)
    sheet.append([_text_cell(sheet, title) for title in layout.header])
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in (row.external_id, row.carrier, row.tracking_number)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bulk_ship_file(*, shop: Shop, day: date, fmt: str, actor: User | None) -> tuple[str, bytes]:
    """The file name and content of `shop`'s bulk-ship upload file for the local date
    `day`: one row per order with a marketplace id shipped that day (order id, carrier as
    the platform names it, tracking number), CSV in the platform's encoding or XLSX.
    Requires marketplaces.export; a format other than csv/xlsx or a shop not on Taobao,
    Tmall, JD or Pinduoduo is refused (422), a shop the actor may not see is not found
    (shops.access). Writes nothing."""
    require(actor, "marketplaces.export")
    visible = visible_shop_ids(actor)
    if visible is not None and shop.pk not in visible:
        raise NotFound(_("No such shop."), details={"shop": shop.code})
    if fmt not in FORMATS:
        raise ValidationFailed({"format": _("choose csv or xlsx")})
    layout = LAYOUTS.get(shop.platform)
    if layout is None:
        raise ValidationFailed({"shop": _("this shop is not on a marketplace that takes a bulk-ship file")})
    rows = shipped_rows(shop=shop, day=day)
    content = _csv(layout, rows) if fmt == "csv" else _xlsx(layout, rows)
    return f"bulk-ship-{shop.platform}-{shop.code}-{day.isoformat()}.{fmt}", content
