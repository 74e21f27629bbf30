"""The staff screens of marketplace order files, under /marketplaces/: the imports with
the upload form, one import (its progress bar while checked or written, then the preview
to commit or discard), and the bulk-ship file of a shop's day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core import messages as texts
from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor
from sellerdesk.marketplaces import importing, presenting, shipfiles
from sellerdesk.marketplaces.api import CONTENT_TYPES, DETECT
from sellerdesk.marketplaces.models import ImportStatus, Layout, OrderImport
from sellerdesk.marketplaces.uploads import read_upload
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Platform, Shop

# While an import is in one of these, its page polls its progress.
ACTIVE = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)
IMPORTS_PAGE = 25
PLAN_PAGE = 50
REFUSED_PAGE = 100
FORMATS = ("csv", "xlsx")
# An import's status shown with the badge colour of the nearest order status (app.css).
BADGES: dict[str, str] = {
    ImportStatus.CHECKING: "badge-pending_review",
    ImportStatus.PREVIEWED: "badge-approved",
    ImportStatus.QUEUED: "badge-allocated",
    ImportStatus.RUNNING: "badge-allocated",
    ImportStatus.DONE: "badge-completed",
    ImportStatus.FAILED: "badge-stockout",
    ImportStatus.DISCARDED: "badge-closed",
}


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "403.html", {"message": error.message}, status=error.status)


def _visible_shops(request: HttpRequest) -> QuerySet[Shop]:
    """The shops the logged-in user may see (shops.access): the only ones offered."""
    return limit_to_visible_shops(Shop.objects.all(), logged_in_actor(request), shop_field="pk")


def _marketplace_shops(request: HttpRequest) -> list[Shop]:
    return list(_visible_shops(request).exclude(platform=Platform.WEB).order_by("pk"))


def _imports_page(
    request: HttpRequest, *, errors: dict[str, str] | None = None, values: Any = None, status: int = 200
) -> HttpResponse:
    actor = logged_in_actor(request)
    shops = list(_visible_shops(request).order_by("pk"))
    shop = next((s for s in shops if s.code == request.GET.get("shop")), None)
    try:
        found = importing.list_imports(actor=actor, shop=shop).select_related("shop").defer("plan", "refused_rows")
    except DomainError as error:
        return _refused(request, error)
    page = Paginator(found, IMPORTS_PAGE).get_page(request.GET.get("page"))
    marketplace_shops = [s for s in shops if s.platform != Platform.WEB]
    context = {
        "page": page,
        "rows": [(item, BADGES.get(item.status, "")) for item in page.object_list],
        "shops": shops,
        "upload_shops": marketplace_shops or shops,
        "shop": shop,
        "layouts": Layout.choices,
        "errors": errors or {},
        "values": values or {},
        "may_export": has_permission(actor, "marketplaces.export"),
    }
    return render(request, "marketplaces/imports.html", context, status=status)


@staff_required
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    return _imports_page(request)


@csrf_exempt  # the token is checked by `_upload` below, once the capped reader installed
@staff_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form's POST. The files are read through uploads.read_upload, which stops
    at MAX_FILE_BYTES; Django's CSRF check would read the whole body first, so it runs
    after the reader is in place (the pattern of Django's upload-handler docs)."""
    actor = logged_in_actor(request)
    if not has_permission(actor, "marketplaces.import"):
        return render(request, "403.html", {"message": _("Your role may not import order files.")}, status=403)
    try:
        post, files = read_upload(request)
    except DomainError as error:
        return _imports_page(
            request, errors=error.details.get("fields") or {"file": error.message}, status=error.status
        )
    return _upload(request, post, files)


@csrf_protect
def _upload(request: HttpRequest, post: Any, files: Any) -> HttpResponse:
    shop = _visible_shops(request).filter(code=str(post.get("shop", ""))[:40]).first()
    layout = str(post.get("layout", ""))
    errors: dict[str, str] = {}
    if shop is None:
        errors["shop"] = _("choose a shop")
    if layout not in DETECT and layout not in Layout.values:
        errors["layout"] = _("choose a layout")
    if files.get("file") is None:
        errors["file"] = _("choose the orders file")
    if errors or shop is None:
        return _imports_page(request, errors=errors, values=post, status=422)
    try:
        started = importing.start_import(
            shop=shop,
            orders_file=files["file"],
            items_file=files.get("items_file"),
            layout=None if layout in DETECT else layout,
            actor=logged_in_actor(request),
        )
    except DomainError as error:
        fields = error.details.get("fields") or {"file": error.message}
        return _imports_page(request, errors=fields, values=post, status=error.status)
    return redirect("marketplaces:import", import_id=started.pk)


def _get(request: HttpRequest, import_id: int) -> OrderImport:
    if not 0 < import_id <= MAX_ID:
        raise NotFound(_("No such import."))
    return importing.get_import(import_id=import_id, actor=logged_in_actor(request))


def _panel_context(request: HttpRequest, order_import: OrderImport) -> dict[str, Any]:
    actor = logged_in_actor(request)
    action = request.GET.get("action", "")
    entries = order_import.plan if isinstance(order_import.plan, list) else []
    if action:
        entries = [entry for entry in entries if isinstance(entry, dict) and entry.get("action") == action]
    plan_page = Paginator(entries, PLAN_PAGE).get_page(request.GET.get("page"))
    refused_page = Paginator(presenting.refused_lines(order_import.refused_rows or []), REFUSED_PAGE).get_page(
        request.GET.get("rpage")
    )
    error = order_import.error if isinstance(order_import.error, dict) else {}
    return {
        "imp": order_import,
        "badge": BADGES.get(order_import.status, ""),
        "active": order_import.status in ACTIVE,
        "plan_page": plan_page,
        "plan": presenting.plan_lines(plan_page.object_list),
        "action": action,
        "actions": [
            ("create", _("new")),
            ("update", _("changed")),
            ("unchanged", _("unchanged")),
            ("skip", _("skipped")),
            ("refuse", _("refused")),
        ],
        "refused_page": refused_page,
        "error": texts.render(error) if error else "",
        "may_commit": order_import.status == ImportStatus.PREVIEWED and has_permission(actor, "marketplaces.import"),
    }


@staff_required
@require_GET
def import_page(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        order_import = _get(request, import_id)
    except DomainError as error:
        return _refused(request, error)
    return render(request, "marketplaces/import.html", _panel_context(request, order_import))


@staff_required
@require_GET
def import_panel(request: HttpRequest, import_id: int) -> HttpResponse:
    """The import's panel alone: what the page polls while the import is checked or written."""
    try:
        order_import = _get(request, import_id)
    except DomainError as error:
        return _refused(request, error)
    return render(request, "marketplaces/partials/import_panel.html", _panel_context(request, order_import))


@staff_required
@require_POST
def commit(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        found = _get(request, import_id)
        importing.commit_import(import_id=found.pk, actor=logged_in_actor(request))
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The import is queued; the orders are written in the background."))
    return redirect("marketplaces:import", import_id=import_id)


@staff_required
@require_POST
def discard(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        found = _get(request, import_id)
        importing.discard_import(import_id=found.pk, actor=logged_in_actor(request))
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("marketplaces:import", import_id=import_id)
    messages.success(request, _("The import was discarded; nothing was written."))
    return redirect("marketplaces:imports")


@staff_required
@require_GET
def refused_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        found = _get(request, import_id)
    except DomainError as error:
        return _refused(request, error)
    response = HttpResponse(presenting.refused_csv(found), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = content_disposition_header(True, f"refused-rows-{found.pk}.csv")
    return response


@staff_required
@require_GET
def bulk_ship(request: HttpRequest) -> HttpResponse:
    """The export form; submitted (a date given), the file itself, or the form again with
    what is wrong at its field."""
    actor = logged_in_actor(request)
    if not has_permission(actor, "marketplaces.export"):
        return render(request, "403.html", {"message": _("Your role may not export shipped orders.")}, status=403)
    shops = _marketplace_shops(request)
    values = {
        "shop": request.GET.get("shop", shops[0].code if shops else ""),
        "date": request.GET.get("date", timezone.localdate().isoformat()),
        "format": request.GET.get("format", "csv"),
    }
    errors: dict[str, str] = {}
    status = 200
    if "date" in request.GET:
        shop = next((s for s in shops if s.code == values["shop"]), None)
        try:
            day = dt.date.fromisoformat(values["date"])
        except ValueError:
            day = None
        if shop is None:
            errors["shop"] = _("choose a shop")
        if day is None:
            errors["date"] = _("enter a date as YYYY-MM-DD")
        if values["format"] not in FORMATS:
            errors["format"] = _("choose csv or xlsx")
        if not errors:
            assert shop is not None and day is not None
            try:
                name, content = shipfiles.bulk_ship_file(shop=shop, day=day, fmt=values["format"], actor=actor)
            except DomainError as error:
                errors = error.details.get("fields") or {"shop": error.message}
            else:
                response = HttpResponse(content, content_type=CONTENT_TYPES[values["format"]])
                response["Content-Disposition"] = content_disposition_header(True, name)
                return response
        status = 422
    context = {"shops": shops, "values": values, "errors": errors, "formats": FORMATS}
    return render(request, "marketplaces/bulk_ship.html", context, status=status)
