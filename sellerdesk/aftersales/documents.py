"""The return/exchange form (商品退换流程表, seed 003) printed from a case: date, customer,
address, phone, order number, shipment number, reason, handler, opinion and the
supervisor's approval (领导批示), with the buyer's photos on the back page ("将回传照片
打印出来附在退换货流程单背面").

Printed in the reader's language with the embedded CJK font (core.pdf); the data (names,
addresses, what people wrote) as entered.
"""

from __future__ import annotations

import io
import logging

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, PageBreak, Table, TableStyle

from sellerdesk.aftersales.models import Case, CaseType, Disposition, Evidence, EvidenceKind, Reason
from sellerdesk.core import pdf
from sellerdesk.logistics.models import Shipment

logger = logging.getLogger("sellerdesk.aftersales")

PHOTO_WIDTH = 85 * mm
PHOTO_HEIGHT = 95 * mm
MAX_PHOTOS = 12


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _person(user: object) -> str:
    if user is None:
        return "—"
    return getattr(user, "signature", "") or "—"


def _shipment_numbers(case: Case) -> str:
    """出货单号: the tracking numbers the goods went out with."""
    numbers = list(
        Shipment.objects.filter(order_id=case.order_id)
        .exclude(direction="return")
        .exclude(tracking_number="")
        .order_by("created_at", "pk")
        .values_list("tracking_number", flat=True)
    )
    if not numbers and case.order.tracking_number:
        numbers = [case.order.tracking_number]
    return ", ".join(dict.fromkeys(numbers)) or "—"


def _approval(case: Case) -> str:
    """领导批示: the supervisor's note on the approval, or the ruling of a dispute."""
    dispute = getattr(case, "dispute", None)  # None when the case was never disputed
    parts = [case.approval_note] if case.approval_note else []
    if dispute is not None and dispute.ruling and dispute.ruling not in parts:
        parts.append(dispute.ruling)
    return "\n".join(parts)


def _opinion(case: Case) -> str:
    """处理意见: what was decided, in words."""
    if case.rejection_reason:
        return _("Refused: %(reason)s") % {"reason": case.rejection_reason}
    if case.approved_at:
        return _("Approved (%(type)s), %(amount)s") % {
            "type": _label(CaseType, case.type),
            "amount": case.approved_amount,
        }
    return _("Waiting for a decision")


def _photo(item: Evidence) -> Flowable | None:
    try:
        with default_storage.open(item.file.name or "", "rb") as handle:
            data = handle.read()
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
    except Exception:  # a missing or unreadable file must not stop the form from printing
        logger.warning("evidence %s could not be printed", item.pk, exc_info=True)
        return None
    scale = min(PHOTO_WIDTH / width, PHOTO_HEIGHT / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _photo_grid(photos: list[Evidence]) -> list[Flowable]:
    cells: list[list[object]] = []
    for item in photos:
        image = _photo(item)
        if image is None:
            continue
        caption = " · ".join(
            filter(None, [timezone.localtime(item.at).strftime("%Y-%m-%d %H:%M"), item.caption, item.sha256[:12]])
        )
        cells.append([image, pdf.paragraph(caption, "small")])
    if not cells:
        return [pdf.paragraph(_("No photos."))]
    rows: list[list[object]] = []
    for start in range(0, len(cells), 2):
        pair = cells[start : start + 2]
        rows.append([cell[0] for cell in pair] + [""] * (2 - len(pair)))
        rows.append([cell[1] for cell in pair] + [""] * (2 - len(pair)))
    table = Table(rows, colWidths=[90 * mm, 90 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return [table]


def return_form_pdf(case: Case) -> bytes:
    """The 商品退换流程表 of `case` as a PDF: the form on the first page(s), the buyer's
    photos (or, without any, every photo on the case) on the back page."""
    order = case.order
    title = _("Return and exchange form")
    lines = list(case.lines.select_related("order_line").order_by("pk"))
    photos = list(Evidence.objects.filter(case=case, kind=EvidenceKind.PHOTO).exclude(file="").order_by("at", "pk"))
    buyer_photos = [item for item in photos if item.from_buyer] or photos
    address = "".join([order.province, order.city, order.district, order.address_detail])
    reason = _label(Reason, case.reason)
    if case.description:
        reason = f"{reason}: {case.description}"
    story: list[Flowable] = [
        pdf.paragraph(f"{title}  {case.number}", "title"),
        pdf.fit_barcode(case.number, max_width=70 * mm, bar_height=10 * mm),
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Date"), date_format(timezone.localtime(case.created_at).date(), "Y-m-d")),
                (_("Customer"), order.buyer_name),
                (_("Address"), address),
                (_("Phone"), order.buyer_phone),
                (_("Order number"), order.number),
                (_("Shipment no."), _shipment_numbers(case)),
                (_("Type"), _label(CaseType, case.type)),
                (_("Status"), case.get_status_display()),
            ]
        ),
        pdf.spacer(),
        pdf.paragraph(_("Reason (photos on the back)"), "heading"),
        pdf.paragraph(reason),
    ]
    if lines:
        story += [
            pdf.spacer(),
            pdf.data_table(
                [_("SKU code"), _("Name"), _("Quantity"), _("Received"), _("Defective"), _("Disposition")],
                [
                    [
                        line.order_line.sku_code,
                        line.order_line.name,
                        line.quantity,
                        line.received,
                        line.defective,
                        _label(Disposition, line.disposition) if line.disposition else "—",
                    ]
                    for line in lines
                ],
                col_widths=[30 * mm, 62 * mm, 18 * mm, 18 * mm, 18 * mm, 34 * mm],
                numeric_columns=[2, 3, 4],
            ),
        ]
    if case.inspection_result:
        story += [
            pdf.spacer(),
            pdf.paragraph(
                _("Inspection: %(result)s %(note)s")
                % {"result": case.get_inspection_result_display(), "note": case.inspection_note}
            ),
        ]
    story += [
        pdf.spacer(),
        pdf.facts_table(
            [
                (_("Handled by"), _person(case.assignee or case.approved_by or case.created_by)),
                (_("Opinion"), _opinion(case)),
            ],
            columns=1,
        ),
        pdf.spacer(),
        # 领导批示
        pdf.facts_table([(_("Approval"), _approval(case) or "____________________")], columns=1),
        pdf.spacer(8 * mm),
        pdf.facts_table([(_("Handler (signature)"), "____________"), (_("Supervisor (signature)"), "____________")]),
        PageBreak(),
        pdf.paragraph(_("Photos from the buyer — %(case)s") % {"case": case.number}, "heading"),
        *_photo_grid(buyer_photos[:MAX_PHOTOS]),
    ]
    printed = date_format(timezone.localtime(), "Y-m-d H:i")
    page = pdf.Page(
        title=f"{title} {case.number}",
        header=f"sellerdesk · {title} · {case.number}",
        footer=_("Printed %(at)s") % {"at": printed},
        page_label=_("Page %(page)s"),
    )
    return pdf.build(page, story)
