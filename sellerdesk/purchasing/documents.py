"""The printed documents of a purchase order (PDF): the purchase order itself, the
delivery notice (送仓单通知书) the supplier sends with the goods, and Code 128 barcode
labels the supplier hangs on the goods (one per unit or one per line).

The barcode on a label is the SKU's barcode (what receiving scans), or its SKU code when
it has none. Documents are printed in the active language; the data (names, addresses)
is as entered.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Table

from sellerdesk.core import pdf
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.money import format_money
from sellerdesk.purchasing.models import PurchaseOrder, SupplierReturn
from sellerdesk.purchasing.queries import supplier_codes

MAX_LABELS = 5000


def label_value(sku: object) -> str:
    """What a label's barcode encodes for a SKU: its barcode, else its code."""
    return getattr(sku, "barcode", None) or sku.code  # type: ignore[attr-defined]


def labels_pdf(purchase_order: PurchaseOrder, *, per_unit: bool) -> bytes:
    """One 60 × 40 mm label per ordered unit (`per_unit`) or per line."""
    lines = list(purchase_order.lines.select_related("sku").order_by("pk"))
    count = sum(line.quantity for line in lines) if per_unit else len(lines)
    if count > MAX_LABELS:
        raise ValidationFailed(
            {
                "per": _("%(count)s labels is more than %(max)s: print one per line")
                % {"count": count, "max": MAX_LABELS}
            }
        )
    labels: list[pdf.Label] = []
    for line in lines:
        sku = line.sku
        small = " ".join(filter(None, [sku.attributes_text, purchase_order.number]))
        if not per_unit:
            small += f" × {line.quantity}"
        label = pdf.Label(lines=[sku.code, sku.name], barcode=label_value(sku), small_lines=[small])
        labels.extend([label] * (line.quantity if per_unit else 1))
    return pdf.label_sheet(labels, title=_("Labels for %(number)s") % {"number": purchase_order.number})


def _date(value: date | None) -> str:
    return date_format(value, "Y-m-d") if value else "—"


def _warehouse_address(purchase_order: PurchaseOrder) -> str:
    warehouse = purchase_order.warehouse
    if warehouse is None:
        return "—"
    return "".join([warehouse.province, warehouse.city, warehouse.district, warehouse.address_detail]) or warehouse.name


def _page(title: str, purchase_order: PurchaseOrder) -> pdf.Page:
    printed = date_format(timezone.localtime(), "Y-m-d H:i")
    return pdf.Page(
        title=f"{title} {purchase_order.number}",
        header=f"sellerdesk · {title} · {purchase_order.number}",
        footer=_("Printed %(at)s") % {"at": printed},
        page_label=_("Page %(page)s"),
    )


def purchase_order_pdf(purchase_order: PurchaseOrder) -> bytes:
    """The purchase order (采购单) as sent to the supplier, with prices."""
    title = _("Purchase order")
    supplier = purchase_order.supplier
    warehouse = purchase_order.warehouse
    codes = supplier_codes(purchase_order)
    lines = list(purchase_order.lines.select_related("sku").order_by("pk"))
    story = [
        pdf.paragraph(f"{title}  {purchase_order.number}", "title"),
        pdf.fit_barcode(purchase_order.number, max_width=70 * mm, bar_height=10 * mm),
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Supplier"), supplier.name),
                (_("Order date"), _date(timezone.localtime(purchase_order.created_at).date())),
                (_("Contact"), " ".join(filter(None, [supplier.contact_name, supplier.phone])) or "—"),
                (_("Deliver by"), _date(purchase_order.expected_at)),
                (_("Deliver to"), warehouse.name if warehouse else "—"),
                (_("Address"), _warehouse_address(purchase_order)),
                (_("Status"), purchase_order.get_status_display()),
                (_("Customs clearance"), _("yes") if purchase_order.requires_customs else _("no")),
            ]
        ),
        pdf.spacer(),
        pdf.data_table(
            [_("#"), _("SKU code"), _("Supplier's code"), _("Name"), _("Quantity"), _("Unit cost"), _("Amount")],
            [
                [
                    index,
                    line.sku.code,
                    codes.get(line.sku_id, "") or "—",
                    " ".join(filter(None, [line.sku.name, line.sku.attributes_text])),
                    line.quantity,
                    format_money(line.unit_cost),
                    format_money(line.line_total),
                ]
                for index, line in enumerate(lines, start=1)
            ],
            col_widths=[8 * mm, 30 * mm, 24 * mm, 54 * mm, 18 * mm, 22 * mm, 24 * mm],
            numeric_columns=[0, 4, 5, 6],
            footer=[
                "",
                _("Total"),
                "",
                "",
                sum(line.quantity for line in lines),
                "",
                format_money(purchase_order.total),
            ],
        ),
    ]
    if purchase_order.note:
        story += [pdf.spacer(), pdf.paragraph(_("Note: %(note)s") % {"note": purchase_order.note})]
    story += [
        pdf.spacer(8 * mm),
        pdf.facts_table([(_("Buyer (signature)"), "____________"), (_("Supplier (signature)"), "____________")]),
    ]
    return pdf.build(_page(title, purchase_order), story)


def delivery_notice_pdf(purchase_order: PurchaseOrder) -> bytes:
    """The delivery notice (送仓单通知书): where and when to deliver what, with each SKU's
    barcode, so the warehouse can count the goods against the purchase order."""
    title = _("Delivery notice")
    story = [
        pdf.paragraph(f"{title}  {purchase_order.number}", "title"),
        pdf.fit_barcode(purchase_order.number, max_width=70 * mm, bar_height=10 * mm),
        pdf.spacer(),
        _delivery_facts(purchase_order),
        pdf.spacer(),
        pdf.paragraph(
            _(
                "Hang the barcode label on each item, pack this notice with the goods and deliver by the date above. "
                "The warehouse counts the goods against this list; differences are recorded."
            ),
            "small",
        ),
        pdf.spacer(),
        _delivery_lines(purchase_order),
        pdf.spacer(8 * mm),
        pdf.facts_table(
            [
                (_("Delivered by"), "____________"),
                (_("Received by"), "____________"),
                (_("Cartons"), "____________"),
                (_("Date"), "____________"),
            ]
        ),
    ]
    return pdf.build(_page(title, purchase_order), story)


def _delivery_facts(purchase_order: PurchaseOrder) -> Table:
    """Who delivers, where, by when and to whom."""
    warehouse = purchase_order.warehouse
    return pdf.facts_table(
        [
            (_("Supplier"), purchase_order.supplier.name),
            (_("Purchase order"), purchase_order.number),
            (_("Deliver to"), warehouse.name if warehouse else "—"),
            (_("Deliver by"), _date(purchase_order.expected_at)),
            (_("Address"), _warehouse_address(purchase_order)),
            (
                _("Receiving contact"),
                " ".join(filter(None, [warehouse.contact_name, warehouse.phone])) if warehouse else "—",
            ),
        ]
    )


def _delivery_lines(purchase_order: PurchaseOrder) -> Table:
    """The goods to deliver, each with its barcode and a column to count it on arrival."""
    codes = supplier_codes(purchase_order)
    lines = list(purchase_order.lines.select_related("sku").order_by("pk"))
    return pdf.data_table(
        [
            _("#"),
            _("SKU code"),
            _("Supplier's code"),
            _("Name"),
            _("Barcode"),
            _("Quantity"),
            _("Counted on arrival"),
        ],
        [
            [
                index,
                line.sku.code,
                codes.get(line.sku_id, "") or "—",
                " ".join(filter(None, [line.sku.name, line.sku.attributes_text])),
                pdf.fit_barcode(label_value(line.sku), max_width=44 * mm, bar_height=7 * mm),
                line.quantity,
                "",
            ]
            for index, line in enumerate(lines, start=1)
        ],
        col_widths=[8 * mm, 28 * mm, 22 * mm, 40 * mm, 48 * mm, 18 * mm, 20 * mm],
        numeric_columns=[0, 5],
        footer=["", _("Total"), "", "", "", sum(line.quantity for line in lines), ""],
    )


def supplier_return_pdf(batch: SupplierReturn) -> bytes:
    """The return to supplier (退供单) packed with the goods: the supplier, what goes back
    from which document and why, and the buyer's photos of each line after the list."""
    title = _("Return to supplier")
    supplier = batch.supplier
    lines = list(batch.lines.select_related("sku").order_by("pk"))
    story: list[Any] = [
        pdf.paragraph(f"{title}  {batch.number}", "title"),
        pdf.fit_barcode(batch.number, max_width=70 * mm, bar_height=10 * mm),
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Supplier"), supplier.name),
                (_("Contact"), " ".join(filter(None, [supplier.contact_name, supplier.phone])) or "—"),
                (_("Warehouse"), batch.warehouse.name),
                (_("Status"), batch.get_status_display()),
                (_("Carrier"), batch.carrier or "—"),
                (_("Tracking number"), batch.tracking_number or "—"),
            ]
        ),
        pdf.spacer(),
        pdf.data_table(
            [_("#"), _("SKU code"), _("Name"), _("Quantity"), _("Document"), _("Reason")],
            [
                [index, line.sku.code, line.sku.name, line.quantity, line.document, line.reason or "—"]
                for index, line in enumerate(lines, start=1)
            ],
            col_widths=[8 * mm, 32 * mm, 50 * mm, 18 * mm, 40 * mm, 32 * mm],
            numeric_columns=[0, 3],
            footer=["", _("Total"), "", sum(line.quantity for line in lines), "", ""],
        ),
        pdf.spacer(8 * mm),
        pdf.facts_table([(_("Sent by (signature)"), "____________"), (_("Supplier (signature)"), "____________")]),
    ]
    for index, line in enumerate(lines, start=1):
        pictures = [picture for picture in (_stored_picture(name) for name in line.photos[:6]) if picture is not None]
        if not pictures:
            continue
        story += [
            pdf.spacer(),
            pdf.paragraph(f"{index}. {line.sku.code} · {line.document}", "heading"),
        ]
        rows = [pictures[start : start + 2] for start in range(0, len(pictures), 2)]
        story.append(Table([row + [""] * (2 - len(row)) for row in rows], colWidths=[90 * mm, 90 * mm]))
    printed = date_format(timezone.localtime(), "Y-m-d H:i")
    page = pdf.Page(
        title=f"{title} {batch.number}",
        header=f"sellerdesk · {title} · {batch.number}",
        footer=_("Printed %(at)s") % {"at": printed},
        page_label=_("Page %(page)s"),
    )
    return pdf.build(page, story)


def _stored_picture(name: str) -> Any:
    """A photo from storage scaled to 85 × 80 mm, or None if it cannot be read (a
    missing photo must not stop the list from printing)."""
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:
        return None
    scale = min(85 * mm / width, 80 * mm / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)
