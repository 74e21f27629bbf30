"""Labels and packing slips for any selection of orders in one PDF (the order list's
"print"), not only for a whole wave: the same documents a wave prints, in the order the
orders were chosen."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from sellerdesk.core import pdf
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment import documents
from sellerdesk.logistics.models import Shipment, ShipmentStatus
from sellerdesk.logistics.states import NOT_BOOKED
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import limit_to_visible_shops

# One PDF holds at most this many orders.
PRINT_MAX = 500

SelectionKind = Literal["labels", "packing-slips"]
SELECTION_KINDS: tuple[SelectionKind, ...] = ("labels", "packing-slips")


@dataclass
class SelectionDocument:
    """The PDF, the orders it prints, and the numbers left out (unknown, or no label yet)."""

    content: bytes
    printed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    without_label: list[str] = field(default_factory=list)


def selected_orders(numbers: Sequence[str], *, actor: User | None) -> tuple[list[Order], list[str]]:
    """The orders of `numbers` in the order given (repeats once), and the numbers that
    name no order the actor may see."""
    wanted = list(dict.fromkeys(number.strip() for number in numbers if number.strip() and "\x00" not in number))
    visible = limit_to_visible_shops(Order.objects.filter(number__in=wanted), actor)
    found = {order.number: order for order in visible.select_related("shop")}
    return [found[number] for number in wanted if number in found], [n for n in wanted if n not in found]


def label_shipments(orders: Sequence[Order]) -> dict[int, Shipment]:
    """Each order's newest booked parcel (intercepted, cancelled and unbooked ones left
    out), by order id, in one query; an order without one is absent."""
    newest: dict[int, Shipment] = {}
    for shipment in (
        Shipment.objects.filter(order_id__in=[order.pk for order in orders], is_intercepted=False)
        .exclude(status__in=(ShipmentStatus.CANCELLED, *NOT_BOOKED))
        .select_related("carrier", "order")
        .order_by("created_at", "pk")
    ):
        newest[shipment.order_id] = shipment  # the last one wins: the newest
    return newest


def selection_document(*, numbers: Sequence[str], kind: SelectionKind, actor: User | None) -> SelectionDocument:
    """One PDF of `kind` for the chosen orders, in the order given: a packing slip for
    each, or the label of each booked parcel. Orders without a label yet are listed on a
    last page (on label stock, so that whoever prints sees them). Refused when nothing
    could be printed, or more than PRINT_MAX orders are chosen."""
    require(actor, "orders.view")
    if kind not in SELECTION_KINDS:
        raise ValidationFailed({"kind": _("one of %(values)s") % {"values": ", ".join(SELECTION_KINDS)}})
    if len(numbers) > PRINT_MAX:
        raise ValidationFailed({"orders": _("at most %(n)s orders at once") % {"n": PRINT_MAX}})
    orders, unknown = selected_orders(numbers, actor=actor)
    if not orders:
        raise ValidationFailed({"orders": _("tick at least one order")})
    if kind == "packing-slips":
        content = documents.packing_slips_pdf(orders)
        return SelectionDocument(content, [order.number for order in orders], unknown)
    shipments = label_shipments(orders)
    printed = [shipments[order.pk] for order in orders if order.pk in shipments]
    without = [order.number for order in orders if order.pk not in shipments]
    if not printed:
        raise ValidationFailed({"orders": _("None of these orders has a label yet.")})
    content = _labels_pdf(printed, left_out=[*without, *unknown])
    return SelectionDocument(content, [shipment.order.number for shipment in printed], unknown, without)


def _labels_pdf(shipments: Sequence[Shipment], *, left_out: Sequence[str]) -> bytes:
    font = pdf.register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=documents.LABEL_SIZE)
    canvas.setTitle(_("Shipping labels"))
    canvas.setAuthor("sellerdesk")
    for shipment in shipments:
        documents.draw_label(canvas, shipment)  # the label a wave prints
        canvas.showPage()
    if left_out:
        height = documents.LABEL_SIZE[1]
        y = height - 12 * mm
        canvas.setFont(font, 12)
        canvas.drawString(6 * mm, y, _("Not printed (no label yet): %(n)s") % {"n": len(left_out)})
        canvas.setFont(font, 10)
        for number in left_out:
            y -= 6 * mm
            if y < 8 * mm:
                canvas.showPage()
                canvas.setFont(font, 10)
                y = height - 12 * mm
            canvas.drawString(8 * mm, y, number)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
