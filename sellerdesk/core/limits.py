"""Bounds on what a request may send: the size of its body and the nesting of its JSON.

`RequestLimitsMiddleware` runs before anything reads the body (it is near the top of
settings.MIDDLEWARE and settings.API_MIDDLEWARE):

- A body whose declared length (Content-Length) is over the limit of its path is
  refused with 413 before a byte of it is read, and nothing is stored. The limit is
  REQUEST_BODY_MAX_BYTES (default: DATA_UPLOAD_MAX_MEMORY_SIZE, what Django reads of a
  form or JSON body anyway) for a body of fields; a file upload (multipart) may be
  larger: REQUEST_UPLOAD_MAX_BYTES, and on the paths whose files are larger by design
  (the buyer's photos) the limit those files allow. The marketplace uploads are bounded
  by their own reader (marketplaces.uploads, which stops a file while it is read).
- JSON nested deeper than REQUEST_JSON_MAX_DEPTH levels is refused with 400: Python's
  json module would give up with a RecursionError (a 500) at about 1,000 levels, and
  nothing a shop sends needs more than a handful. Checked for a JSON body anywhere, and
  under /api/ for any body that is not a file upload (a carrier's form field or a
  gateway's text/plain body may carry JSON too).

Under /api/ the answers are the API's JSON errors; elsewhere a short text.
`loads` is json.loads with the same depth check, for code that reads JSON it received
in another way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

DEFAULT_BODY_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_JSON_MAX_DEPTH = 64
# The largest id a path, query or body may name (a bigint): a larger one is a 422, never
# a database overflow.
MAX_ID = 2**63 - 1
# Room for a multipart form's boundaries, headers and small fields besides its files.
FORM_OVERHEAD_BYTES = 1024 * 1024

# A JSON string (closed or not) is skipped whole; a bracket outside one opens or closes.
_TOKENS = re.compile(rb'"(?:[^"\\]+|\\.)*"?|[\[\]{}]')


class TooDeeplyNested(json.JSONDecodeError):
    """JSON nested deeper than the limit: bad JSON (a ValueError, a JSONDecodeError) like
    any other, for the callers that catch either."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels", "", 0)
        self.max_depth = max_depth


def json_max_depth() -> int:
    """The deepest JSON nesting accepted (settings.REQUEST_JSON_MAX_DEPTH)."""
    return int(getattr(settings, "REQUEST_JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))


def is_nested_deeper(data: bytes | str, max_depth: int) -> bool:
    """Whether the JSON text `data` opens more than `max_depth` arrays or objects inside
    one another (brackets inside strings do not count). Reads without recursion; a text
    with no more brackets than the limit is answered by counting them alone."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _TOKENS.finditer(raw):
        first = match.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        elif first in (b"]", b"}"):
            depth = max(depth - 1, 0)
    return False


def loads(data: bytes | str, *, max_depth: int | None = None, **options: Any) -> Any:
    """json.loads (with its `options`, e.g. parse_float), refusing JSON nested deeper
    than `max_depth` (default: the setting) with TooDeeplyNested, a ValueError like any
    other bad JSON. For JSON from outside that no request check has seen (an uploaded
    file, a websocket frame, another system's answer)."""
    limit = json_max_depth() if max_depth is None else max_depth
    if is_nested_deeper(data, limit):
        raise TooDeeplyNested(limit)
    return json.loads(data, **options)


def _upload_limits() -> dict[str, int | None]:
    """Path prefixes whose uploads have a limit of their own: larger than
    REQUEST_UPLOAD_MAX_BYTES by what their files allow (from their own settings), or
    None where the view bounds the upload itself while reading it. The setting
    REQUEST_UPLOAD_PATH_MAX_BYTES adds prefixes or changes these."""
    photos = 9 * int(settings.SELLERDESK["AFTERSALES"]["MAX_EVIDENCE_BYTES"]) + FORM_OVERHEAD_BYTES  # 9 photos
    limits: dict[str, int | None] = {
        # marketplaces.uploads.read_upload: a 413 of its own, naming the file.
        "/api/v1/marketplace-imports": None,
        "/marketplaces/imports/": None,
        "/api/v1/portal/": photos,
        "/portal/": photos,
    }
    limits.update(getattr(settings, "REQUEST_UPLOAD_PATH_MAX_BYTES", {}))
    return limits


def body_limit(request: HttpRequest) -> int | None:
    """The most bytes the body of `request` may have (None: its view bounds it while
    reading; see the module's docstring)."""
    return limit_for(request.path, request.content_type or "")


def limit_for(path: str, content_type: str) -> int | None:
    """The most bytes a body of `content_type` sent to `path` may have (None: its view
    bounds it while reading)."""
    if content_type != "multipart/form-data":
        default = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_BODY_MAX_BYTES
        return int(getattr(settings, "REQUEST_BODY_MAX_BYTES", None) or default)
    limit = int(getattr(settings, "REQUEST_UPLOAD_MAX_BYTES", None) or DEFAULT_UPLOAD_MAX_BYTES)
    by_prefix = _upload_limits()
    matches = [prefix for prefix in by_prefix if path.startswith(prefix)]
    if not matches:
        return limit
    own = by_prefix[max(matches, key=len)]
    return None if own is None else max(limit, own)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _refusal(request: HttpRequest, status: int, code: str, message: str, details: dict[str, Any]) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "details": details}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RequestLimitsMiddleware:
    """Refuses a body over its path's limit (413) and JSON nested too deeply (400) before
    any view, form or CSRF check reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if limit is not None and _declared_length(request) > limit:
            return self._too_large(request, limit)
        if self._may_carry_json(request):
            try:
                body = request.body
            except RequestDataTooBig:
                return self._too_large(request, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit or 0))
            if request.content_type == "application/x-www-form-urlencoded":
                body = unquote_to_bytes(body.replace(b"+", b" "))
            max_depth = json_max_depth()
            if is_nested_deeper(body, max_depth):
                return _refusal(
                    request,
                    400,
                    "bad_request",
                    _("The JSON is nested more than %(max)s levels deep.") % {"max": max_depth},
                    {"max_depth": max_depth},
                )
        return self.get_response(request)

    @staticmethod
    def _may_carry_json(request: HttpRequest) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS") or not _declared_length(request):
            return False
        content_type = request.content_type or ""
        if "json" in content_type:
            return True
        return request.path.startswith("/api/") and content_type != "multipart/form-data"

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        megabytes = max(1, round(limit / (1024 * 1024)))
        return _refusal(
            request,
            413,
            "body_too_large",
            _("The request body is larger than %(max_mb)s MB.") % {"max_mb": megabytes},
            {"max_bytes": limit},
        )


class AsgiBodyLimit:
    """The body limit for the ASGI application: Django's ASGIHandler reads a whole body
    (into a temporary file) before any middleware runs, so under ASGI the limit is kept
    here, around the application. A declared Content-Length over the path's limit is
    answered 413 before a byte is read; a body sent without a length (chunked) is cut
    off once it passes the limit (the handler sees the client gone, and answers nothing)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        path = str(scope.get("path", ""))
        limit = limit_for(path, content_type)
        if limit is None:
            await self.app(scope, receive, send)
            return
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            await self._refuse(path, limit, send)
            return
        received = 0

        async def bounded_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return {"type": "http.disconnect"}
            return message  # type: ignore[no-any-return]

        await self.app(scope, bounded_receive, send)

    @staticmethod
    async def _refuse(path: str, limit: int, send: Any) -> None:
        megabytes = max(1, round(limit / (1024 * 1024)))
        message = _("The request body is larger than %(max_mb)s MB.") % {"max_mb": megabytes}
        if path.startswith("/api/"):
            body = json.dumps(
                {"code": "body_too_large", "message": message, "details": {"max_bytes": limit}}, ensure_ascii=False
            ).encode()
            content_type = b"application/json"
        else:
            body, content_type = message.encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
