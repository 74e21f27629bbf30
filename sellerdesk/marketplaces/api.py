"""Marketplace order files in the API: upload, preview, commit, status, download.

/api/v1/marketplace-imports (an export file checked into a preview, then committed or
discarded) and /api/v1/shops/{code}/bulk-ship-file (the day's shipped orders as the
platform's bulk-ship upload file). Parse, call importing's or shipfiles' function, answer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from sellerdesk.core import messages
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.permissions import require
from sellerdesk.marketplaces import importing, presenting, shipfiles
from sellerdesk.marketplaces.models import ImportStatus, Layout, OrderImport
from sellerdesk.marketplaces.schemas import (
    BulkShipQuery,
    ImportFilters,
    ImportOut,
    ImportPage,
    PlanFilters,
    PlanPage,
)
from sellerdesk.marketplaces.uploads import read_upload
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop

router = Router(tags=["marketplaces"])


PAGE_SIZE = 50
# An import's answer lists this many refused rows; refused.csv has every one.
REFUSED_SHOWN = 1000
# A layout left to be recognised from the file's header.
DETECT = ("", "detect", "auto")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_ANSWER = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["shop", "file"],
                    "properties": {
                        "shop": {"type": "string", "description": "the shop's code"},
                        "layout": {
                            "type": "string",
                            "enum": ["", *Layout.values],
                            "description": "empty: recognised from the header",
                        },
                        "file": {"type": "string", "format": "binary", "description": "the orders file"},
                        "items_file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the items file (Taobao/Tmall 宝贝报表)",
                        },
                    },
                }
            }
        },
    }
}


def import_out(order_import: OrderImport, *, refused_shown: int = REFUSED_SHOWN) -> dict[str, Any]:
    """An import as the API answers it: progress, counts, its error and its refused rows
    rendered in the request's language."""
    # A list shows no refused rows and leaves them (and the plan) unread: deferred, they
    # could be 100,000 entries an import.
    refused = presenting.refused_lines(order_import.refused_rows or []) if refused_shown else []
    error = order_import.error if isinstance(order_import.error, dict) else {}
    return {
        "id": order_import.pk,
        "shop": order_import.shop.code,
        "layout": order_import.layout,
        "status": order_import.status,
        "status_text": order_import.get_status_display(),
        "percent": order_import.percent,
        "file_name": order_import.file_name,
        "items_file_name": order_import.items_file_name,
        "rows_total": order_import.rows_total,
        "rows_checked": order_import.rows_checked,
        "orders_total": order_import.orders_total,
        "orders_done": order_import.orders_done,
        "counts": {
            "to_create": order_import.to_create,
            "to_update": order_import.to_update,
            "unchanged": order_import.unchanged,
            "skipped": order_import.skipped,
            "refused": order_import.refused,
            "created": order_import.created,
            "updated": order_import.updated,
        },
        "error_code": str(error.get("code") or ""),
        "error": messages.render(error) if error else "",
        "refused_rows": [row.__dict__ for row in refused[:refused_shown]],
        "refused_rows_count": len(refused) if refused_shown else order_import.refused,
        "created_at": order_import.created_at,
        "started_at": order_import.started_at,
        "finished_at": order_import.finished_at,
    }


def _import(request: HttpRequest, import_id: int) -> OrderImport:
    if not 0 < import_id <= MAX_ID:
        raise NotFound(_("No such import."))
    return importing.get_import(import_id=import_id, actor=actor_of(request))


def _upload_fingerprint(request: HttpRequest, fields: dict[str, str], files: list[Any]) -> str:
    digest = hashlib.sha256(request.path.encode())
    digest.update(json.dumps(fields, sort_keys=True).encode())
    for uploaded in files:
        digest.update(b"\0file\0")
        if uploaded is not None:
            for chunk in uploaded.chunks():
                digest.update(chunk)
            uploaded.seek(0)
    return digest.hexdigest()


@router.post(
    "/marketplace-imports",
    response={201: ImportOut, **ERROR_RESPONSES},
    openapi_extra=UPLOAD_BODY,
)
def upload_import(request: HttpRequest) -> Status[Any]:
    """Upload a marketplace order export (multipart: `shop`, `layout` optional, `file`, and
    `items_file` for a Taobao/Tmall 宝贝报表): checked at once when small, else by the
    worker; poll GET …/{id} until `previewed`. A file over MAX_FILE_BYTES is 413
    `file_too_large` as soon as it passes the limit, nothing stored; an unreadable file
    (unknown layout, wrong encoding, too many rows…) is 422 `bad_file`, nothing stored."""
    actor = actor_of(request)
    require(actor, "marketplaces.import")  # before a byte of the body is read
    post, files = read_upload(request)
    shop_code = str(post.get("shop", "")).strip()
    layout = str(post.get("layout", "")).strip()
    orders_file = files.get("file")
    items_file = files.get("items_file")
    bad: dict[str, str] = {}
    shops = limit_to_visible_shops(Shop.objects.all(), actor, shop_field="pk")  # only those the actor sees
    shop = shops.filter(code=shop_code).first() if shop_code and len(shop_code) <= 40 else None
    if shop is None:
        bad["shop"] = _("unknown shop %(code)s") % {"code": shop_code[:40]} if shop_code else _("required")
    if layout not in DETECT and layout not in Layout.values:
        bad["layout"] = _("one of %(values)s, or empty to recognise it") % {"values": ", ".join(Layout.values)}
    if orders_file is None:
        bad["file"] = _("required")
    if bad:
        raise ValidationFailed(bad)
    assert shop is not None and orders_file is not None

    def produce() -> tuple[int, dict[str, Any]]:
        started = importing.start_import(
            shop=shop,
            orders_file=orders_file,
            items_file=items_file,
            layout=None if layout in DETECT else layout,
            actor=actor,
        )
        return 201, import_out(started)

    # The raw body a multipart upload was read from is gone (upload handlers): the
    # request is told apart by its fields and the files' bytes. The check may run in
    # this request and commits its own steps, so it is not run inside the key's
    # transaction; two uploads racing with one key may each leave a preview (a preview
    # writes no order), and both get the first one's answer.
    fingerprint = _upload_fingerprint(request, {"shop": shop_code, "layout": layout}, [orders_file, items_file])
    return idempotent(request, produce, in_transaction=False, fingerprint=fingerprint)


@router.get("/marketplace-imports", response={200: ImportPage, **ERROR_RESPONSES})
def list_imports(request: HttpRequest, filters: Query[ImportFilters]) -> Any:
    """Imports newest first, 50 a page; `shop` and `status` narrow them."""
    shop = None
    if filters.shop:
        shops = limit_to_visible_shops(Shop.objects.all(), actor_of(request), shop_field="pk")
        shop = shops.filter(code=filters.shop).first()
        if shop is None:
            raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": filters.shop}})
    if filters.status and filters.status not in ImportStatus.values:
        raise ValidationFailed({"status": _("one of %(values)s") % {"values": ", ".join(ImportStatus.values)}})
    found = (
        importing.list_imports(actor=actor_of(request), shop=shop).select_related("shop").defer("plan", "refused_rows")
    )
    if filters.status:
        found = found.filter(status=filters.status)
    page = Paginator(found, PAGE_SIZE).get_page(filters.page)
    return {
        # A list carries the counts; each import's refused rows are in GET …/{id}.
        "items": [import_out(item, refused_shown=0) for item in page.object_list],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


@router.get("/marketplace-imports/{import_id}", response={200: ImportOut, **ERROR_RESPONSES})
def get_import(request: HttpRequest, import_id: int) -> Any:
    """The import's status, percent done, counts, error and (the first 1,000) refused rows."""
    return import_out(_import(request, import_id))


@router.get("/marketplace-imports/{import_id}/plan", response={200: PlanPage, **ERROR_RESPONSES})
def get_plan(request: HttpRequest, import_id: int, filters: Query[PlanFilters]) -> Any:
    """What committing would do to each order, 50 a page; `action` narrows it."""
    found = _import(request, import_id)
    entries = found.plan if isinstance(found.plan, list) else []
    if filters.action:
        entries = [entry for entry in entries if isinstance(entry, dict) and entry.get("action") == filters.action]
    page = Paginator(entries, PAGE_SIZE).get_page(filters.page)
    return {
        "items": [
            {
                "external_id": line.external_id,
                "action": line.action,
                "changes": line.changes,
                "refused": line.refused.__dict__ if line.refused else None,
            }
            for line in presenting.plan_lines(page.object_list)
        ],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


@router.post("/marketplace-imports/{import_id}/commit", response={202: ImportOut, **ERROR_RESPONSES})
def commit_import(request: HttpRequest, import_id: int) -> Status[Any]:
    """Write the previewed import: queued for the worker (202); poll GET …/{id} for its
    progress. Committing twice is 409 `invalid_transition`."""
    found = _import(request, import_id)
    committed = importing.commit_import(import_id=found.pk, actor=actor_of(request))
    return Status(202, import_out(committed))


@router.post("/marketplace-imports/{import_id}/discard", response={200: ImportOut, **ERROR_RESPONSES})
def discard_import(request: HttpRequest, import_id: int) -> Any:
    """Throw the preview away: nothing is written."""
    found = _import(request, import_id)
    return import_out(importing.discard_import(import_id=found.pk, actor=actor_of(request)))


@router.get(
    "/marketplace-imports/{import_id}/refused.csv",
    response=ERROR_RESPONSES,
    openapi_extra={"responses": FILE_ANSWER},
)
def refused_rows_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every refused row: file, line, marketplace order id, field, reason (UTF-8 with BOM)."""
    found = _import(request, import_id)
    response = HttpResponse(presenting.refused_csv(found), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = content_disposition_header(True, f"refused-rows-{found.pk}.csv")
    return response


@router.get("/shops/{code}/bulk-ship-file", response=ERROR_RESPONSES, openapi_extra={"responses": FILE_ANSWER})
def bulk_ship_file(request: HttpRequest, code: str, query: Query[BulkShipQuery]) -> HttpResponse:
    """The shop's orders shipped on `date` (local) as the platform's bulk-ship upload file:
    order id, carrier as the platform names it, tracking number."""
    shops = limit_to_visible_shops(Shop.objects.all(), actor_of(request), shop_field="pk")
    shop = shops.filter(code=code).first() if len(code) <= 40 and "\x00" not in code else None
    if shop is None:
        raise NotFound(_("No such shop."), details={"shop": code[:40]})
    name, content = shipfiles.bulk_ship_file(shop=shop, day=query.date, fmt=query.format, actor=actor_of(request))
    response = HttpResponse(content, content_type=CONTENT_TYPES[query.format])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
