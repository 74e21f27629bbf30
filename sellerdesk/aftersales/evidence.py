"""Evidence on a case (凭证): the buyer's and the agent's photos and videos, chat excerpts
and the order's own record, each hashed (SHA-256) when attached.

A file is judged by its content, never by its name or the type the browser claims:
images are opened with Pillow (header first, so that a decompression bomb is refused
before any pixel is decoded), verified, turned upright, re-encoded as JPEG or PNG without
their metadata (EXIF, GPS) and given a thumbnail; videos are recognised by their
container's signature (MP4/MOV `ftyp`, WebM/Matroska EBML) and kept as sent. Anything
else is refused (422), as is a file over settings.SELLERDESK["AFTERSALES"]
["MAX_EVIDENCE_BYTES"] (413), and nothing is stored.

Files go through Django's storage API (`default_storage`): the local disk under
MEDIA_ROOT by default, S3-compatible storage when STORAGES["default"] says so. They are
never served from MEDIA_URL: `open_evidence` is read by a permission-checked view
(aftersales.files) and by the portal after its own ownership check.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from sellerdesk.aftersales import events
from sellerdesk.aftersales.models import Case, CaseStatus, Evidence, EvidenceKind
from sellerdesk.core.errors import Conflict, DomainError, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.logistics.models import Shipment, TrackingEvent
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment

# Pillow formats accepted as photos (what phones and screenshots produce); HEIC is not
# among them: Pillow cannot read it without a plugin, and phones' browsers send JPEG.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Refused before decoding: 50 megapixels is more than any phone camera's photo.
DEFAULT_MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 85
MAX_CAPTION = 200
MAX_TEXT = 20_000
# Evidence may be added while a case lives, and to a closed case only when a dispute or
# review needs it; a canceled case takes no more.
CLOSED_TO_EVIDENCE = frozenset({CaseStatus.CANCELED})

FILE_CODE = "evidence_file_added"
TEXT_CODE = "evidence_text_added"
ORDER_RECORD_CODE = "evidence_order_record_attached"

_KIND_LABELS = {kind.value: kind.label for kind in EvidenceKind}


def _kind_label(value: str) -> str:
    return str(_KIND_LABELS.get(value, value))


events.register_case_code(
    FILE_CODE,
    gettext_lazy("%(kind)s added (%(size)s, SHA-256 %(short_hash)s) %(caption)s"),
    format=lambda p: {
        "kind": _kind_label(p.get("kind", "")),
        "size": _size_text(int(p.get("size", 0))),
        "short_hash": str(p.get("sha256", ""))[:12],
        "caption": p.get("caption", ""),
    },
    example={"evidence_id": 1, "kind": "photo", "size": 183_204, "sha256": "ab" * 32, "caption": "外盒破损"},
)
events.register_case_code(
    TEXT_CODE,
    gettext_lazy("%(kind)s attached (%(length)s characters)"),
    format=lambda p: {"kind": _kind_label(p.get("kind", "")), "length": p.get("length", 0)},
    example={"evidence_id": 2, "kind": "chat", "length": 240, "sha256": "cd" * 32},
)
events.register_case_code(
    ORDER_RECORD_CODE,
    gettext_lazy("Order record of %(order)s attached: %(payments)s payment(s), %(parcels)s parcel(s)"),
    example={"evidence_id": 3, "order": "SO2611280001", "payments": 1, "parcels": 1, "sha256": "ef" * 32},
)


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


class EvidenceTooLarge(DomainError):
    """A file over the evidence size limit: 413, the field named, nothing stored."""

    code = "file_too_large"
    status = 413

    def __init__(self, *, size: int, limit: int) -> None:
        message = _("The file is %(size)s; files up to %(limit)s are accepted.") % {
            "size": _size_text(size),
            "limit": _size_text(limit),
        }
        super().__init__(message, details={"fields": {"file": message}, "size": size, "max_bytes": limit})


def max_evidence_bytes() -> int:
    return int(settings.SELLERDESK["AFTERSALES"]["MAX_EVIDENCE_BYTES"])


def _max_pixels() -> int:
    return int(settings.SELLERDESK["AFTERSALES"].get("MAX_EVIDENCE_PIXELS", DEFAULT_MAX_PIXELS))


# --- content checks (pure: bytes in, what to store out) -------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """What a file turned out to be and the bytes to store for it."""

    kind: str  # EvidenceKind.PHOTO | EvidenceKind.VIDEO
    content_type: str
    extension: str
    content: bytes
    thumbnail: bytes = b""
    thumbnail_extension: str = ""
    width: int | None = None
    height: int | None = None


def _not_accepted() -> ValidationFailed:
    return ValidationFailed({"file": _("is not a photo or a video we accept (JPEG, PNG, WebP, GIF; MP4, MOV, WebM)")})


def video_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) when `head` starts like an MP4/MOV or WebM/Matroska
    container, else None. Only the signature is read: videos are kept as sent."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime", "mov"
        return "video/mp4", "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        # The EBML header names its DocType early; "webm" marks a WebM file.
        return ("video/webm", "webm") if b"webm" in head[:64] else ("video/x-matroska", "mkv")
    return None


def _encode(image: Image.Image, *, keep_alpha: bool) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if keep_alpha:
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "png"
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), "jpg"


def check_image(data: bytes) -> CheckedFile | None:
    """The re-encoded photo and its thumbnail, None when `data` is no image at all.

    Raises ValidationFailed for an image that is broken or too large in pixels."""
    # Our own pixel limit (below Pillow's) is checked from the header, before decoding;
    # Pillow itself refuses twice its limit while opening (DecompressionBombError).
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:
            width, height = probe.size
            if width * height > _max_pixels():
                raise ValidationFailed(
                    {
                        "file": _("has %(pixels)s pixels; photos up to %(max)s are accepted")
                        % {
                            "pixels": f"{width}×{height}",
                            "max": f"{_max_pixels() // 1_000_000} MP",
                        }
                    }
                )
            probe.verify()
        # verify() leaves the image unusable: open it again to decode it.
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as source:
            source_format = source.format
            source.seek(0)  # the first frame of an animation
            upright = ImageOps.exif_transpose(source) or source
            upright.load()
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:
        raise ValidationFailed({"file": _("has too many pixels")}) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationFailed({"file": _("is a damaged image")}) from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    keep_alpha = has_alpha or source_format in ("PNG", "GIF")
    # A new image from the pixels alone: no EXIF, GPS, XMP, ICC or comments travel on.
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    content, extension = _encode(clean, keep_alpha=keep_alpha)
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumbnail, thumbnail_extension = _encode(thumb, keep_alpha=has_alpha)
    return CheckedFile(
        kind=EvidenceKind.PHOTO,
        content_type="image/png" if extension == "png" else "image/jpeg",
        extension=extension,
        content=content,
        thumbnail=thumbnail,
        thumbnail_extension=thumbnail_extension,
        width=clean.width,
        height=clean.height,
    )


def check_file(data: bytes) -> CheckedFile:
    """What to store for an uploaded file's bytes (ValidationFailed if it is neither a
    photo nor a video)."""
    if not data:
        raise ValidationFailed({"file": _("is empty")})
    video = video_type(data[:64])
    if video is not None:
        content_type, extension = video
        return CheckedFile(kind=EvidenceKind.VIDEO, content_type=content_type, extension=extension, content=data)
    image = check_image(data)
    if image is None:
        raise _not_accepted()
    return image


def _read_limited(upload: UploadedFile, limit: int) -> bytes:
    """The upload's bytes, refusing it as soon as it passes `limit` (whatever size the
    client declared)."""
    declared = upload.size or 0
    if declared > limit:
        raise EvidenceTooLarge(size=declared, limit=limit)
    upload.seek(0)
    chunks: list[bytes] = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            raise EvidenceTooLarge(size=max(total, declared), limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


# --- actions ------------------------------------------------------------------------------


def lock_case(case: Case) -> Case:
    """The case's order, then the case, locked and re-read: the order first, in the same
    order as opening a case and refunding do, so that two writers never deadlock."""
    order_id = Case.objects.filter(pk=case.pk).values_list("order_id", flat=True).first()
    if order_id is not None:
        Order.objects.select_for_update().filter(pk=order_id).first()
    return events.locked(case)


def _require_staff(actor: User | None) -> None:
    # The warehouse photographs what it receives; agents attach what buyers send.
    if not (has_permission(actor, "aftersales.handle") or has_permission(actor, "aftersales.receive")):
        require(actor, "aftersales.handle")


def _check_open(case: Case) -> None:
    if case.status in CLOSED_TO_EVIDENCE:
        raise Conflict(
            "case_closed_to_evidence",
            _("Case %(number)s is %(status)s: no more evidence can be added.")
            % {"number": case.number, "status": case.get_status_display()},
            details={"current_status": case.status},
        )


def _caption(caption: str) -> str:
    caption = (caption or "").strip()
    if len(caption) > MAX_CAPTION:
        raise ValidationFailed({"caption": _("at most %(max)s characters") % {"max": MAX_CAPTION}})
    if "\x00" in caption:
        raise ValidationFailed({"caption": _("must not contain a NUL character")})
    return caption


def _storage_name(case: Case, at: datetime, digest: str, extension: str, *, thumbnail: bool = False) -> str:
    # The name says nothing the uploader chose: the case, the date and the content's hash.
    local = timezone.localtime(at)
    folder = "aftersales/thumbs" if thumbnail else "aftersales"
    return f"{folder}/{local:%Y/%m}/{case.number}-{digest[:24]}.{extension}"


def add_file(
    *,
    case: Case,
    upload: UploadedFile,
    caption: str = "",
    actor: User | None,
    from_buyer: bool = False,
    kind: str | None = None,
    at: datetime | None = None,
) -> Evidence:
    """Attach a photo or a video to `case`, checked by its content.

    Photos are re-encoded (upright, without EXIF or GPS) with a thumbnail of about
    320 px; videos are kept as sent. The stored bytes' SHA-256 is kept. `kind` may be
    EvidenceKind.TRANSFER_PROOF for a bank transfer's receipt (a photo); otherwise the
    content decides (photo or video). The buyer (from_buyer, actor None) is checked by
    the portal; staff need aftersales.handle or aftersales.receive.

    Raises EvidenceTooLarge (413) over the size limit and ValidationFailed (422) for a
    file that is not an accepted photo or video; nothing is stored then.
    """
    _require_staff(actor)
    at = at or timezone.now()
    caption = _caption(caption)
    if kind not in (None, EvidenceKind.TRANSFER_PROOF):
        raise ValidationFailed({"kind": _("must be empty or %(kind)s") % {"kind": EvidenceKind.TRANSFER_PROOF.value}})
    checked = check_file(_read_limited(upload, max_evidence_bytes()))
    if kind == EvidenceKind.TRANSFER_PROOF and checked.kind != EvidenceKind.PHOTO:
        raise ValidationFailed({"file": _("a transfer proof must be a photo or a screenshot")})
    _check_open(case)
    digest = hashlib.sha256(checked.content).hexdigest()
    # Storage is written before the transaction (it may be a remote service); a failed
    # transaction removes what was written.
    stored = default_storage.save(_storage_name(case, at, digest, checked.extension), ContentFile(checked.content))
    names = [stored]
    try:
        thumbnail = ""
        if checked.thumbnail:
            thumbnail = default_storage.save(
                _storage_name(case, at, digest, checked.thumbnail_extension, thumbnail=True),
                ContentFile(checked.thumbnail),
            )
            names.append(thumbnail)
        with transaction.atomic():
            case = lock_case(case)
            _check_open(case)
            evidence = Evidence.objects.create(
                case=case,
                kind=kind or checked.kind,
                file=stored,
                thumbnail=thumbnail,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=digest,
                width=checked.width,
                height=checked.height,
                caption=caption,
                from_buyer=from_buyer,
                uploaded_by=actor,
                at=at,
            )
            events.write_case_event(
                case,
                FILE_CODE,
                actor=actor,
                at=at,
                by_buyer=from_buyer,
                buyer_visible=from_buyer,
                evidence_id=evidence.pk,
                kind=evidence.kind,
                size=evidence.size,
                sha256=digest,
                caption=caption,
            )
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise
    return evidence


def _text_evidence(
    *, case: Case, kind: str, text: str, actor: User | None, at: datetime, code: str, **facts: Any
) -> Evidence:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with transaction.atomic():
        case = lock_case(case)
        _check_open(case)
        evidence = Evidence.objects.create(
            case=case,
            kind=kind,
            content_type="text/plain; charset=utf-8" if kind == EvidenceKind.CHAT else "application/json",
            size=len(text.encode("utf-8")),
            sha256=digest,
            text=text,
            uploaded_by=actor,
            at=at,
        )
        events.write_case_event(
            case,
            code,
            actor=actor,
            at=at,
            buyer_visible=False,
            evidence_id=evidence.pk,
            kind=kind,
            sha256=digest,
            **facts,
        )
    return evidence


def add_text(*, case: Case, kind: str, text: str, actor: User | None, at: datetime | None = None) -> Evidence:
    """Attach a chat excerpt (kind "chat") as it was copied, hashed; staff only."""
    require(actor, "aftersales.handle")
    if kind != EvidenceKind.CHAT:
        raise ValidationFailed({"kind": _("must be %(kind)s") % {"kind": EvidenceKind.CHAT.value}})
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": _("is required")})
    if len(text) > MAX_TEXT:
        raise ValidationFailed({"text": _("at most %(max)s characters") % {"max": MAX_TEXT}})
    if "\x00" in text:
        raise ValidationFailed({"text": _("must not contain a NUL character")})
    _check_open(case)
    return _text_evidence(
        case=case,
        kind=EvidenceKind.CHAT,
        text=text,
        actor=actor,
        at=at or timezone.now(),
        code=TEXT_CODE,
        length=len(text),
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def order_record(order: Order) -> dict[str, Any]:
    """The order as a dispute needs it: lines, amounts, payments and refunds, parcels and
    their tracking. Facts only; the buyer's address and phone stay on the order."""
    payments = Payment.objects.filter(order=order).order_by("received_at", "pk")
    shipments = list(Shipment.objects.filter(order=order).select_related("carrier").order_by("created_at", "pk"))
    tracking: dict[int, list[dict[str, Any]]] = {}
    for event in TrackingEvent.objects.filter(shipment__in=shipments).order_by("at", "pk"):
        tracking.setdefault(event.shipment_id, []).append(
            {"at": _iso(event.at), "kind": event.kind, "location": event.location, "description": event.description}
        )
    return {
        "order": order.number,
        "shop": order.shop.code,
        "status": order.status,
        "payment_status": order.payment_status,
        "payment_method": order.payment_method,
        "placed_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "shipped_at": _iso(order.shipped_at),
        "delivered_at": _iso(order.delivered_at),
        "completed_at": _iso(order.completed_at),
        # An order shipped by hand has its carrier and number here and no parcel rows.
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "subtotal": str(order.subtotal),
        "shipping_fee": str(order.shipping_fee),
        "total": str(order.total),
        "paid": str(order.paid_amount),
        "refunded": str(order.refunded_amount),
        "lines": [
            {
                "position": line.position,
                "sku": line.sku_code,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in order.lines.order_by("position")
        ],
        "payments": [
            {
                "kind": payment.kind,
                "amount": str(payment.amount),
                "method": payment.method,
                "gateway": payment.gateway,
                "reference": payment.reference,
                "at": _iso(payment.received_at),
            }
            for payment in payments
        ],
        "parcels": [
            {
                "direction": shipment.direction,
                "carrier": shipment.carrier.code,
                "carrier_name": shipment.carrier.name,
                "tracking_number": shipment.tracking_number,
                "status": shipment.status,
                "handed_over_at": _iso(shipment.handed_over_at),
                "delivered_at": _iso(shipment.delivered_at),
                "tracking": tracking.get(shipment.pk, []),
            }
            for shipment in shipments
        ],
    }


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces, the form that is hashed (same data, same hash)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def attach_order_record(*, case: Case, actor: User | None, at: datetime | None = None) -> Evidence:
    """Attach the order's record (lines, payments, parcels and tracking as JSON) as it is
    now, hashed; staff only."""
    require(actor, "aftersales.handle")
    _check_open(case)
    record = order_record(case.order)
    return _text_evidence(
        case=case,
        kind=EvidenceKind.ORDER_RECORD,
        text=json.dumps(record, sort_keys=True, ensure_ascii=False, indent=2),
        actor=actor,
        at=at or timezone.now(),
        code=ORDER_RECORD_CODE,
        order=record["order"],
        payments=len(record["payments"]),
        parcels=len(record["parcels"]),
    )


# --- reading the files back ---------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFile:
    """An opened stored file, for a response: close `file` when done (FileResponse does)."""

    file: IO[bytes]
    content_type: str
    filename: str
    size: int


_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def open_evidence(evidence: Evidence, variant: Literal["file", "thumbnail"] = "file") -> EvidenceFile:
    """Open the evidence's stored file (or its thumbnail) through the storage API. The
    caller has checked who may see it. A text evidence has no file: LookupError."""
    if variant not in ("file", "thumbnail"):
        raise ValueError(f"unknown variant {variant!r}")
    field = evidence.thumbnail if variant == "thumbnail" else evidence.file
    if not field:
        raise LookupError(f"evidence {evidence.pk} has no {variant}")
    name = field.name or ""
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = evidence.content_type if variant == "file" else _TYPES.get(extension, "image/jpeg")
    handle = default_storage.open(name, "rb")
    size = evidence.size if variant == "file" else default_storage.size(name)
    return EvidenceFile(
        file=handle, content_type=content_type, filename=f"{evidence.case.number}-{evidence.pk}.{extension}", size=size
    )
