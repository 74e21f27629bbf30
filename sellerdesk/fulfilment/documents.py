"""The warehouse's printed documents, as PDFs with Chinese text and Code 128 barcodes
(core.pdf): the pick list (拣货单) in route order, the sort list (分拣单), packing slips
(发货单, without prices when the buyer asked or for a gift) and shipping labels (面单,
100 × 150 mm, from the carrier's label data). A whole wave prints in one PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak

from sellerdesk.core import pdf
from sellerdesk.fulfilment.models import Wave, WaveOrder
from sellerdesk.fulfilment.picking import pick_list, sort_list
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.models import Shipment, ShipmentStatus
from sellerdesk.logistics.states import NOT_BOOKED
from sellerdesk.orders.models import Order

LABEL_SIZE = (100 * mm, 150 * mm)


def _page(title: str, header: str) -> pdf.Page:
    return pdf.Page(title=title, header=header, footer="sellerdesk", page_label=_("Page %(page)s"))


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def pick_list_pdf(wave: Wave) -> bytes:
    """The route through the bins: one row per bin and SKU with the units to take."""
    stops = pick_list(wave)
    story: list[Flowable] = [
        pdf.paragraph(_("Pick list %(wave)s") % {"wave": wave.number}, "title"),
        pdf.barcode(wave.number, bar_height=10 * mm),
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Warehouse"), wave.warehouse.name),
                (_("Created"), _when(wave.created_at)),
                (_("Orders"), wave.order_count),
                (_("Items"), wave.item_count),
                (_("Picking mode"), wave.get_mode_display()),
                (_("Stops"), len(stops)),
            ]
        ),
        pdf.spacer(),
        pdf.data_table(
            ["#", _("Bin"), _("Zone"), _("SKU"), _("Goods"), _("Qty"), _("Picked")],
            [
                [
                    index,
                    stop.bin_code,
                    stop.zone,
                    stop.sku_code,
                    f"{stop.sku_name} {stop.attributes}".strip(),
                    stop.quantity,
                    "",
                ]
                for index, stop in enumerate(stops, start=1)
            ],
            col_widths=[9 * mm, 24 * mm, 13 * mm, 32 * mm, 70 * mm, 14 * mm, 18 * mm],
            numeric_columns=[0, 5],
            footer=["", "", "", "", _("Total"), sum(stop.quantity for stop in stops), ""],
        ),
    ]
    return pdf.build(_page(_("Pick list %(wave)s") % {"wave": wave.number}, wave.number), story)


def sort_list_pdf(wave: Wave) -> bytes:
    """Which units go into which order's slot."""
    slots = sort_list(wave)
    rows = []
    for slot in slots:
        for index, item in enumerate(slot.items):
            first = index == 0
            rows.append(
                [
                    slot.slot if first else "",
                    slot.order_number if first else "",
                    slot.buyer_name if first else "",
                    item.sku_code,
                    f"{item.sku_name} {item.attributes}".strip(),
                    item.quantity,
                ]
            )
    story: list[Flowable] = [
        pdf.paragraph(_("Sort list %(wave)s") % {"wave": wave.number}, "title"),
        pdf.barcode(wave.number, bar_height=10 * mm),
        pdf.spacer(),
        pdf.data_table(
            [_("Slot"), _("Order"), _("Buyer"), _("SKU"), _("Goods"), _("Qty")],
            rows,
            col_widths=[12 * mm, 34 * mm, 22 * mm, 34 * mm, 64 * mm, 14 * mm],
            numeric_columns=[0, 5],
        ),
    ]
    return pdf.build(_page(_("Sort list %(wave)s") % {"wave": wave.number}, wave.number), story)


def _slip_story(order: Order, *, sender: str) -> list[Flowable]:
    """One order's packing slip; prices and amounts only when the buyer did not ask otherwise."""
    instructions = order.buyer_instructions
    shows_prices = not instructions.no_price_slip
    lines = list(order.lines.order_by("position"))
    story: list[Flowable] = [
        pdf.paragraph(_("Packing slip"), "title"),
        pdf.barcode(order.number, bar_height=10 * mm),
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Order"), order.number),
                (_("Placed"), _when(order.created_at)),
                (_("Buyer"), order.buyer_name),
                (_("Phone"), order.buyer_phone),
                (_("Address"), order.address_text),
                # "From"/"To" alone are the date range's words (起始日期): an address has its own.
                (pgettext("address", "From"), sender),
            ]
        ),
        pdf.spacer(),
    ]
    if shows_prices:
        story.append(
            pdf.data_table(
                [_("SKU"), _("Goods"), _("Qty"), _("Unit price"), _("Amount")],
                [
                    [line.sku_code, _line_name(line), line.quantity, f"¥{line.unit_price}", f"¥{line.line_total}"]
                    for line in lines
                ],
                col_widths=[34 * mm, 80 * mm, 14 * mm, 24 * mm, 28 * mm],
                numeric_columns=[2, 3, 4],
                footer=["", _("Total"), sum(line.quantity for line in lines), "", f"¥{order.total}"],
            )
        )
    else:
        story.append(
            pdf.data_table(
                [_("SKU"), _("Goods"), _("Qty")],
                [[line.sku_code, _line_name(line), line.quantity] for line in lines],
                col_widths=[40 * mm, 120 * mm, 20 * mm],
                numeric_columns=[2],
            )
        )
    notes = []
    if instructions.is_gift:
        notes.append(_("A gift: with our best wishes."))
    if instructions.fragile:
        notes.append(_("Fragile: handle with care."))
    if notes:
        story += [pdf.spacer(), *(pdf.paragraph(note, "heading") for note in notes)]
    story += [pdf.spacer(), pdf.paragraph(_("Thank you for your order!"), "body")]
    return story


def _line_name(line: Any) -> str:
    attributes = " ".join(f"{key}:{value}" for key, value in (line.attributes or {}).items())
    return f"{line.name} {attributes}".strip()


def _sender_name(order: Order) -> str:
    warehouse = Warehouse.objects.filter(pk=order.warehouse_id).first() if order.warehouse_id else None
    return order.shop.name + (f" · {warehouse.name}" if warehouse else "")


def packing_slips_pdf(orders: Sequence[Order], *, title: str = "") -> bytes:
    """One page (or more) per order, in the order given."""
    story: list[Flowable] = []
    for index, order in enumerate(orders):
        if index:
            story.append(PageBreak())
        story += _slip_story(order, sender=_sender_name(order))
    if not story:
        story.append(pdf.paragraph(_("No orders."), "body"))
    return pdf.build(_page(title or _("Packing slips"), title), story)


def _party_lines(party: dict[str, Any]) -> tuple[str, str]:
    name = f"{party.get('name', '')}  {party.get('phone', '')}".strip()
    address = "".join(party.get(key, "") for key in ("province", "city", "district", "detail"))
    return name, address


def _wrap(canvas: Canvas, text: str, x: float, y: float, width: float, size: float, font: str) -> float:
    """Draw text wrapped at `width` (character by character: Chinese has no spaces); the next y."""
    from reportlab.pdfbase import pdfmetrics

    line = ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width:
            canvas.drawString(x, y, line)
            y -= size + 2
            line = char
        else:
            line += char
    if line:
        canvas.drawString(x, y, line)
        y -= size + 2
    return y


def draw_label(canvas: Canvas, shipment: Shipment) -> None:
    font = pdf.register_font()
    label = shipment.label or {}
    width, height = LABEL_SIZE
    margin = 4 * mm
    inner = width - 2 * margin
    y = height - margin - 7 * mm
    canvas.setFont(font, 15)
    canvas.drawString(margin, y, label.get("carrier_name") or shipment.carrier.name)
    cod = Decimal(str(label.get("cod_amount") or shipment.cod_amount or "0"))
    if cod > 0:
        canvas.setFont(font, 11)
        canvas.drawRightString(width - margin, y, _("COD ¥%(amount)s") % {"amount": f"{cod:.2f}"})
    y -= 12 * mm
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, y, label.get("routing_code", ""))
    y -= 4 * mm
    canvas.setStrokeColor(colors.black)
    canvas.line(margin, y, width - margin, y)
    code = pdf.fit_barcode(shipment.tracking_number, max_width=inner, bar_height=16 * mm)
    y -= code.height + 2 * mm
    code.drawOn(canvas, (width - code.width) / 2, y)
    y -= 4 * mm
    canvas.line(margin, y, width - margin, y)
    for caption, party, size in (
        (pgettext("address", "To"), label.get("receiver", {}), 11),
        (pgettext("address", "From"), label.get("sender", {}), 8),
    ):
        y -= size + 4
        name, address = _party_lines(party)
        canvas.setFont(font, 8)
        canvas.drawString(margin, y, caption)
        canvas.setFont(font, size)
        canvas.drawString(margin + 10 * mm, y, name)
        y = _wrap(canvas, address, margin + 10 * mm, y - size - 2, inner - 10 * mm, size, font)
        y -= 2 * mm
        canvas.line(margin, y, width - margin, y)
    y -= 12
    canvas.setFont(font, 9)
    weight = label.get("weight_grams") or shipment.weight_grams
    canvas.drawString(margin, y, _("Order %(number)s") % {"number": label.get("reference") or shipment.order.number})
    if weight:
        canvas.drawRightString(width - margin, y, _("%(grams)s g") % {"grams": weight})
    if cod > 0:
        y -= 18
        canvas.setFont(font, 14)
        canvas.drawString(margin, y, _("Collect on delivery: ¥%(amount)s") % {"amount": f"{cod:.2f}"})
    canvas.setFont(font, 7)
    canvas.drawString(margin, margin, _("Printed %(at)s") % {"at": _when(timezone.now())})


def labels_pdf(shipments: Sequence[Shipment], *, title: str = "") -> bytes:
    """One 100 × 150 mm label per page."""
    pdf.register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE)
    canvas.setTitle(title or _("Shipping labels"))
    canvas.setAuthor("sellerdesk")
    for shipment in shipments:
        draw_label(canvas, shipment)
        canvas.showPage()
    if not shipments:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def wave_shipments(wave: Wave) -> list[Shipment]:
    """The booked parcels of the wave's orders, by slot (intercepted, cancelled and not
    booked ones left out)."""
    entries = list(WaveOrder.objects.filter(wave=wave).order_by("slot").values_list("order_id", flat=True))
    by_order: dict[int, Shipment] = {}
    for shipment in (
        Shipment.objects.filter(order_id__in=entries, is_intercepted=False)
        .exclude(status__in=(ShipmentStatus.CANCELLED, *NOT_BOOKED))
        .select_related("carrier", "order")
        .order_by("created_at", "pk")
    ):
        by_order[shipment.order_id] = shipment
    return [by_order[order_id] for order_id in entries if order_id in by_order]


def wave_orders(wave: Wave) -> list[Order]:
    ids = list(WaveOrder.objects.filter(wave=wave).order_by("slot").values_list("order_id", flat=True))
    orders = {order.pk: order for order in Order.objects.filter(pk__in=ids).select_related("shop")}
    return [orders[order_id] for order_id in ids]


WAVE_DOCUMENTS = ("pick-list", "sort-list", "packing-slips", "labels")


def wave_document(wave: Wave, kind: str) -> bytes:
    if kind == "pick-list":
        return pick_list_pdf(wave)
    if kind == "sort-list":
        return sort_list_pdf(wave)
    if kind == "packing-slips":
        return packing_slips_pdf(wave_orders(wave), title=wave.number)
    if kind == "labels":
        return labels_pdf(wave_shipments(wave), title=wave.number)
    raise ValueError(kind)
