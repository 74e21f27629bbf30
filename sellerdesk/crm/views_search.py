"""/search/: the one search box's page (crm.search.search_everything)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.crm.search import MAX_QUERY_LENGTH, search_everything

# How many of each kind the page lists (the order list and the others page further).
PAGE_LIMIT = 20


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """The results grouped by kind; one order found by its own key opens that order."""
    q = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    results = search_everything(q=q, actor=logged_in_actor(request), limit=PAGE_LIMIT)
    if results.exact_order is not None:
        return redirect("orders:detail", number=results.exact_order.number)
    return render(request, "crm/search.html", {"results": results, "q": results.q})
