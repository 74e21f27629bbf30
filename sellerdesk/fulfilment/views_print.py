"""Printing labels or packing slips for the orders ticked on the order list."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sellerdesk.core.errors import DomainError
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor
from sellerdesk.fulfilment.api import pdf_response
from sellerdesk.fulfilment.selection import PRINT_MAX, SELECTION_KINDS, selection_document
from sellerdesk.orders.forms_list import OrderListForm
from sellerdesk.orders.queries import matching_numbers


@staff_required
@require_POST
def print_selection(request: HttpRequest) -> HttpResponse:
    """One PDF of the ticked orders' labels or packing slips (or of every order the list's
    filters select); back to the list with why when nothing can be printed."""
    kind = request.POST.get("print", "")
    numbers = request.POST.getlist("orders")
    if request.POST.get("all_matching"):
        # Every order the list's filters (sent as its query string) select, not only the ticked.
        form = OrderListForm(QueryDict(request.POST.get("query", "")))
        form.is_valid()
        filters = form.filters(None)
        numbers = matching_numbers(filters=filters, actor=logged_in_actor(request), limit=PRINT_MAX + 1)
    try:
        if kind not in SELECTION_KINDS:
            kind = "packing-slips"
        document = selection_document(numbers=numbers, kind=kind, actor=logged_in_actor(request))  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error_text(error))
        back = request.POST.get("next", "")
        return redirect(back if back.startswith("/orders/") else "orders:list")
    response = pdf_response(document.content, f"orders-{kind}.pdf")
    response["X-Orders-Printed"] = str(len(document.printed))
    response["X-Orders-Left-Out"] = ",".join([*document.without_label, *document.unknown])[:2000]
    return response
