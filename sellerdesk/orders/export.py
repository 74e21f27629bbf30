"""The order list as an Excel workbook: the orders its filters select, newest first,
written row by row (openpyxl's write-only mode) so that memory stays flat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.spreadsheets import append_bold_header, sheet_title
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import OrderFilters, filter_orders
from sellerdesk.shops.access import limit_to_visible_shops

# An export holds at most this many orders; narrow the filters for more.
EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK = 2_000


@dataclass(frozen=True)
class Column:
    label: Promise
    width: int


COLUMNS = [
    Column(gettext_lazy("Order number"), 14),
    Column(gettext_lazy("Platform order number"), 22),
    Column(gettext_lazy("Shop"), 12),
    Column(gettext_lazy("Placed at"), 17),
    Column(gettext_lazy("Status"), 10),
    Column(gettext_lazy("Payment status"), 10),
    Column(gettext_lazy("Buyer"), 10),
    Column(gettext_lazy("Buyer nickname"), 14),
    Column(gettext_lazy("Phone"), 14),
    Column(gettext_lazy("Province"), 8),
    Column(gettext_lazy("City"), 8),
    Column(gettext_lazy("Total"), 10),
    Column(gettext_lazy("Paid"), 10),
    Column(gettext_lazy("Carrier"), 10),
    Column(gettext_lazy("Tracking number"), 18),
    Column(gettext_lazy("Assigned to"), 10),
    Column(gettext_lazy("Flag"), 8),
]


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: the shop's local time, as the list shows it.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _row(order: Order) -> list[Any]:
    return [
        order.number,
        order.external_id,
        order.shop.name,
        _local(order.created_at),
        order.get_status_display(),
        order.get_payment_status_display(),
        order.buyer_name,
        order.buyer_nickname,
        order.buyer_phone,
        order.province,
        order.city,
        order.total,
        order.paid_amount,
        order.carrier,
        order.tracking_number,
        order.assignee.signature if order.assignee else "",
        order.get_flag_color_display() if order.flag_color else "",
    ]


def export_orders(*, filters: OrderFilters, actor: User | None, target: IO[bytes]) -> int:
    """Write the orders `filters` select (all pages, newest first) to `target` as an XLSX
    workbook and return how many. Refused with a validation error, before anything is
    written, when they are more than EXPORT_MAX_ROWS. Needs customers.export: the file
    holds buyers' names and phones. Only the shops the actor may see."""
    require(actor, "customers.export")
    orders = limit_to_visible_shops(filter_orders(filters), actor)
    count = orders.count()
    if count > EXPORT_MAX_ROWS:
        raise ValidationFailed(
            {
                "orders": _("%(count)s orders match; an export holds at most %(max)s: narrow the filters.")
                % {"count": count, "max": EXPORT_MAX_ROWS}
            }
        )
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(str(_("Orders"))))
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    append_bold_header(sheet, (column.label for column in COLUMNS))
    written = 0
    rows = orders.order_by("-created_at", "-pk").select_related("shop", "assignee")
    for order in rows.iterator(chunk_size=EXPORT_CHUNK):
        sheet.append(_row(order))
        written += 1
    book.save(target)
    return written
