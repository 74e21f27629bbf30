"""The order list's export to Excel and its saved views (the list itself is in views.py)."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor
from sellerdesk.orders import saved_views
from sellerdesk.orders.export import export_orders
from sellerdesk.orders.forms_list import OrderListForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_url(query: str) -> str:
    return reverse("orders:list") + (f"?{query}" if query else "")


@staff_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The orders the list's filters select (every page), as an XLSX download."""
    form = OrderListForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters(None)
    # Spooled: a small export stays in memory, a large one goes to a temporary file.
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  (FileResponse closes it)
    try:
        export_orders(filters=filters, actor=logged_in_actor(request), target=target)
    except DomainError as error:
        target.close()
        messages.error(request, error_text(error))
        query = request.GET.copy()
        query.pop("page", None)
        return redirect(_list_url(query.urlencode()))
    target.seek(0)
    name = f"orders-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(target, as_attachment=True, filename=name, content_type=XLSX)
    return response  # type: ignore[return-value]  # streamed; staff_required is typed for HttpResponse


@staff_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    """Name the list's current filters (a view of the user's own)."""
    query = request.POST.get("query", "")
    try:
        view = saved_views.save_view(user=logged_in_actor(request), name=request.POST.get("name", ""), query=query)
    except ValidationFailed as refused:
        for problem in refused.fields.values():
            messages.error(request, _("Saved view: %(error)s") % {"error": problem})
        return redirect(_list_url(saved_views.kept_query(query)))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(view.query))


@staff_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved views (another user's is not found)."""
    try:
        view = saved_views.delete_view(user=logged_in_actor(request), view_id=pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("orders:list")
