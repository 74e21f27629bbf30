"""Cases and files for the evidence, dispute, complaint and form tests: a case on a
delivered order (built through after-sales' open_case once it exists, else directly),
real images made with Pillow, and the smallest real video headers."""

from __future__ import annotations

import io
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sellerdesk.aftersales.models import Case, CaseLine, CaseType, Reason
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order
from tests.factories import make_sku

_numbers = count(1)


def make_case(
    order: Order | None = None, *, type: str = CaseType.RETURN_REFUND, reason: str = Reason.QUALITY, **fields: Any
) -> Case:
    """A requested case on `order` (default: a delivered order of 2 × 59.00), one line
    asking back one unit."""
    if order is None:
        order = delivered_order((make_sku().code, 2))
    case = Case.objects.create(
        number=f"AS{next(_numbers):010d}",
        order=order,
        shop=order.shop,
        customer=order.customer,
        type=type,
        reason=reason,
        description=fields.pop("description", "收到的杯子有裂纹"),
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )
    if type != CaseType.COMPLAINT:
        line = order.lines.order_by("position").first()
        CaseLine.objects.create(case=case, order_line=line, sku=line.sku, quantity=1, reason=reason)
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
