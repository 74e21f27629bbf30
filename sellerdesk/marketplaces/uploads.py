"""Reading an uploaded export safely, for the API and the staff screens alike.

Django writes an upload larger than 2.5 MB to a temporary file as it arrives, whatever
its size: left alone, a 200 MB upload would be read and written whole before any code of
ours could say no. Here the declared size is checked before anything is read, and while
the body is read an upload handler stops at MAX_FILE_BYTES a file — the rest of the body
is never read and the part already received is dropped (its temporary file closed).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from sellerdesk.core.errors import DomainError, ValidationFailed

# Room for the form's other fields and the multipart boundaries beside the two files.
FORM_OVERHEAD_BYTES = 1024 * 1024


def max_file_bytes() -> int:
    """The largest export file accepted (settings.SELLERDESK["MARKETPLACES"]["MAX_FILE_BYTES"])."""
    return int(settings.SELLERDESK["MARKETPLACES"]["MAX_FILE_BYTES"])


class FileTooLarge(DomainError):
    """An uploaded file (or the whole upload, by its declared length) is larger than
    MAX_FILE_BYTES; nothing of it was kept."""

    code = "file_too_large"
    status = 413

    def __init__(self, *, field: str, max_bytes: int) -> None:
        megabytes = max(1, max_bytes // (1024 * 1024))
        super().__init__(
            _("The file is larger than %(megabytes)s MB; nothing was stored.") % {"megabytes": megabytes},
            details={
                "fields": {field: _("larger than %(megabytes)s MB") % {"megabytes": megabytes}},
                "max_bytes": max_bytes,
            },
        )


class SizeCappedUploadHandler(FileUploadHandler):
    """Passes each file's chunks on to the next handler (memory or temporary file) until
    the file passes `max_bytes`, then stops reading the request (StopUpload with
    connection_reset: the rest of the body is not read) and remembers which field."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large_field: str | None = None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.max_bytes:
            self.too_large_field = self.field_name or "file"
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        return None  # the next handler makes the file


def read_upload(request: HttpRequest) -> tuple[Any, Any]:
    """The multipart form of `request` as (POST, FILES), read with every file capped at
    MAX_FILE_BYTES. Raises FileTooLarge (413) when the declared length or a file is too
    large — before reading, or as soon as the cap is passed — and ValidationFailed (422)
    for a body that is not a readable multipart form. Must be called before anything
    else reads request.POST or request.FILES."""
    limit = max_file_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > 2 * limit + FORM_OVERHEAD_BYTES:  # two files at most: orders and items
        raise FileTooLarge(field="file", max_bytes=limit)
    if request.content_type != "multipart/form-data":
        raise ValidationFailed({"file": _("send the file as multipart/form-data")})
    handler = SizeCappedUploadHandler(request, max_bytes=limit)
    request.upload_handlers = [handler, *request.upload_handlers]
    try:
        post, files = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
        raise ValidationFailed({"body": _("too many fields or too large a form")}) from error
    except MultiPartParserError as error:
        raise ValidationFailed({"file": _("the upload is not a readable multipart form")}) from error
    if handler.too_large_field is not None:
        for _field, uploads in files.lists():
            for uploaded in uploads:
                if isinstance(uploaded, UploadedFile):
                    uploaded.close()  # a temporary file is deleted when closed
        raise FileTooLarge(field=handler.too_large_field, max_bytes=limit)
    # PostgreSQL cannot store a NUL character, and no shop code, layout or file name has one.
    bad = {
        key: _("must not contain a NUL character")
        for key, values in post.lists()
        if "\x00" in key or any("\x00" in str(value) for value in values)
    }
    for key, uploads in files.lists():
        if any("\x00" in (uploaded.name or "") for uploaded in uploads):
            bad[key] = _("must not contain a NUL character")
    if bad:
        raise ValidationFailed(bad)
    return post, files
