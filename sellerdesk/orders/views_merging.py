"""The order page's merge / split panel (合单 / 拆单): thin views over orders.merging.

The panel is loaded into the order page by htmx (so the order view stays as it is);
each button posts here, calls one action and redirects to the resulting order with a
message, or back to this order with the refusal (nothing was changed then)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor, show_refusal
from sellerdesk.orders import merging, queries
from sellerdesk.orders.models import Order


@staff_required
@require_GET
def merge_panel(request: HttpRequest, number: str) -> HttpResponse:
    order = queries.get_order(number=number, actor=logged_in_actor(request))
    context = {
        "order": order,
        "panel": True,
        "candidates": merging.merge_candidates(order=order),
        "originals": list(Order.objects.filter(merged_into=order).order_by("pk")),
        "is_open": order.status in merging.MERGEABLE_STATUSES,
        "lines": list(order.lines.order_by("position")),
    }
    return render(request, "orders/partials/merge_split.html", context)


def _refused(request: HttpRequest, number: str, error: DomainError) -> HttpResponse:
    show_refusal(request, error)
    return redirect("orders:detail", number=number)


@staff_required
@require_POST
def merge(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        numbers = [number, *request.POST.getlist("numbers")]
        orders = [queries.get_order(number=each, actor=actor) for each in numbers]
        merged = merging.merge_orders(orders=orders, actor=actor)
    except DomainError as error:
        return _refused(request, number, error)
    messages.success(request, _("Merged into %(number)s.") % {"number": merged.number})
    return redirect("orders:detail", number=merged.number)


@staff_required
@require_POST
def unmerge(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        originals = merging.unmerge_order(order=queries.get_order(number=number, actor=actor), actor=actor)
    except DomainError as error:
        return _refused(request, number, error)
    messages.success(request, _("Split back into %(numbers)s.") % {"numbers": ", ".join(o.number for o in originals)})
    return redirect("orders:detail", number=originals[0].number)


@staff_required
@require_POST
def split(request: HttpRequest, number: str) -> HttpResponse:
    """Two parts: the quantity of each line typed in goes to the new part, the rest stays."""
    actor = logged_in_actor(request)
    try:
        order = queries.get_order(number=number, actor=actor)
        kept: list[merging.PartLine] = []
        moved: list[merging.PartLine] = []
        for line in order.lines.order_by("position"):
            raw = request.POST.get(f"move_{line.position}", "").strip() or "0"
            if not raw.isdigit():
                messages.error(request, _("Line %(n)s: enter a whole number.") % {"n": line.position})
                return redirect("orders:detail", number=number)
            moving = min(int(raw), line.quantity + 1)  # more than the line holds is refused by the action
            if line.quantity - moving > 0:
                kept.append(merging.PartLine(line.position, line.quantity - moving))
            if moving > 0:
                moved.append(merging.PartLine(line.position, moving))
        parts = merging.split_order(order=order, actor=actor, parts=[kept, moved])
    except DomainError as error:
        return _refused(request, number, error)
    messages.success(request, _("Split into %(numbers)s.") % {"numbers": ", ".join(p.number for p in parts)})
    return redirect("orders:detail", number=parts[0].number)
