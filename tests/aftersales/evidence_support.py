"""Cases and files for the evidence, dispute, complaint and form tests: a case on a
delivered order (opened through after-sales' open_case),
real images made with Pillow, and the smallest real video headers."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sellerdesk.aftersales import actions
from sellerdesk.aftersales.models import Case, CaseStatus, CaseType, Reason
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order
from tests.factories import make_sku


def make_case(
    order: Order | None = None,
    *,
    type: str = CaseType.RETURN_REFUND,
    reason: str = Reason.QUALITY,
    status: str = CaseStatus.REQUESTED,
    description: str = "收到的杯子有裂纹",
    **fields: Any,
) -> Case:
    """A case opened through after-sales' open_case on `order` (default: a delivered
    order of 2 × 59.00), one line asking back one unit (none for a complaint); then
    rejected or canceled through the actions when `status` says so. Other `fields` are
    set on the row directly (what the actions under test do not set)."""
    if order is None:
        order = delivered_order((make_sku().code, 2))
    lines = []
    if type != CaseType.COMPLAINT:
        line = order.lines.order_by("position").first()
        lines = [actions.LineRequest(order_line_id=line.pk, quantity=1, reason=reason)]
    case = actions.open_case(order=order, type=type, reason=reason, lines=lines, description=description, actor=None)
    if status == CaseStatus.REJECTED:
        case = actions.reject_case(case=case, actor=None, reason=fields.pop("rejection_reason", "人为损坏"))
    elif status == CaseStatus.CANCELED:
        case = actions.cancel_case(case=case, actor=None)
    elif status != CaseStatus.REQUESTED:
        raise ValueError(f"make_case cannot reach {status}")
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def image_bytes(
    format: str = "JPEG", *, size: tuple[int, int] = (800, 600), color: str = "red", exif: Image.Exif | None = None
) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    # A second colour in one corner, so orientation can be checked.
    image.paste(Image.new("RGB", (size[0] // 4, size[1] // 4), "blue"), (0, 0))
    options: dict[str, Any] = {}
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = {1: "N", 2: (30.0, 16.0, 12.0), 3: "E", 4: (120.0, 9.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# The smallest real MP4 start: an `ftyp` box (brand isom) and an empty `free` box.
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free"
# A QuickTime movie's `ftyp` box (brand "qt  ").
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00\x00\x00\x08free"
# A WebM EBML header: EBMLVersion 1 … DocType "webm", DocTypeVersion 4.
WEBM_HEAD = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878104428581021853806701")
