"""Images attached to messages, judged by their content (Pillow, as after-sales evidence
is: aftersales.evidence.check_image), never by their name or the type a client claims.

An image is re-encoded without its metadata (EXIF, GPS) before it is stored; anything
that is not a JPEG, PNG, WebP or GIF image is refused (422), as is a file over
SERVICE["MAX_ATTACHMENT_BYTES"] (413) or more than MAX_ATTACHMENTS files on a message,
and then nothing is stored. Files go through Django's storage API and are written before
the message's transaction; `discard` removes them when that transaction fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from sellerdesk.aftersales.evidence import EvidenceTooLarge, check_image
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.service import config
from sellerdesk.service.models import Attachment, Message

MAX_ATTACHMENTS = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME = 200


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived: the name the sender gave it and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    """A checked image written to storage, waiting for its message's row."""

    storage_name: str
    content_type: str
    size: int
    width: int
    height: int
    original_name: str


def max_attachment_bytes() -> int:
    return int(config.setting("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def read_upload(upload: IO[bytes], *, name: str, declared_size: int | None = None) -> IncomingFile:
    """An uploaded file's bytes, refused (413) as soon as they pass the limit."""
    limit = max_attachment_bytes()
    if declared_size is not None and declared_size > limit:
        raise EvidenceTooLarge(size=declared_size, limit=limit)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise EvidenceTooLarge(size=len(data), limit=limit)
    return IncomingFile(name=name, content=data)


def store(files: Sequence[IncomingFile], *, at: datetime) -> list[StoredFile]:
    """Check every file (all before any is written) and write the re-encoded images to
    storage. ValidationFailed names the file (`attachments[i]`) that is not an image."""
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed({"attachments": _("at most %(count)s files") % {"count": MAX_ATTACHMENTS}})
    limit = max_attachment_bytes()
    checked = []
    for index, incoming in enumerate(files):
        field = f"attachments[{index}]"
        if len(incoming.content) > limit:
            raise EvidenceTooLarge(size=len(incoming.content), limit=limit)
        if not incoming.content:
            raise ValidationFailed({field: _("is empty")})
        try:
            image = check_image(incoming.content)
        except ValidationFailed as error:
            raise ValidationFailed({field: next(iter(error.fields.values()), _("is not an image"))}) from None
        if image is None:
            raise ValidationFailed({field: _("is not an image we accept (JPEG, PNG, WebP, GIF)")})
        checked.append((incoming, image))
    stored: list[StoredFile] = []
    try:
        for incoming, image in checked:
            digest = hashlib.sha256(image.content).hexdigest()
            name = default_storage.save(
                f"service/{at:%Y/%m}/{digest[:32]}.{image.extension}", ContentFile(image.content)
            )
            stored.append(
                StoredFile(
                    storage_name=name,
                    content_type=image.content_type,
                    size=len(image.content),
                    width=image.width or 0,
                    height=image.height or 0,
                    original_name=incoming.name.replace("\x00", "")[:MAX_NAME],
                )
            )
    except BaseException:
        discard(stored)
        raise
    return stored


def attach(message: Message, stored: Sequence[StoredFile]) -> list[Attachment]:
    """The rows of `stored` files on `message` (in the message's transaction)."""
    return [
        Attachment.objects.create(
            message=message,
            file=item.storage_name,
            content_type=item.content_type,
            size=item.size,
            width=item.width,
            height=item.height,
            original_name=item.original_name,
        )
        for item in stored
    ]


def discard(stored: Sequence[StoredFile]) -> None:
    """Remove files written for a message that was not saved."""
    for item in stored:
        default_storage.delete(item.storage_name)
