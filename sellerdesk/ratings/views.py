"""The ratings list page and the order page's ratings panel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.orders.queries import get_order
from sellerdesk.ratings import actions, queries
from sellerdesk.ratings.models import RatingSide, Score


@staff_required
@require_GET
def rating_list(request: HttpRequest) -> HttpResponse:
    side = request.GET.get("side", "")
    score = request.GET.get("score", "")
    side = side if side in RatingSide.values else ""
    score = score if score in Score.values else ""
    ratings = queries.list_ratings(actor=logged_in_actor(request), side=side, score=score)[:200]
    context = {"ratings": ratings, "side": side, "score": score, "sides": RatingSide.choices, "scores": Score.choices}
    return render(request, "ratings/list.html", context)


@staff_required
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order(number=number, actor=logged_in_actor(request))
    ratings = {r.side: r for r in order.ratings.all()}
    context = {
        "order": order,
        "buyer_rating": ratings.get(RatingSide.BUYER),
        "seller_rating": ratings.get(RatingSide.SELLER),
        "closes_at": actions.closes_at(order),
        "scores": Score.choices,
    }
    return render(request, "ratings/partials/order_panel.html", context)


@staff_required
@require_POST
def rate_buyer(request: HttpRequest, number: str) -> HttpResponse:
    """The seller rates the buyer."""
    actor = logged_in_actor(request)
    try:
        order = get_order(number=number, actor=actor)
        actions.rate_order(
            order=order,
            side=RatingSide.SELLER,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
            actor=actor,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rating saved."))
    return redirect("orders:detail", number=number)
