"""Reading the exception queue: held orders with their open holds, counts per reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.holds import open_holds_filter
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.states import OrderStatus
from sellerdesk.shops.access import limit_to_visible_shops


@dataclass(frozen=True)
class QueuePage:
    page: Page[Order]
    counts: dict[str, int]  # open holds' reason -> number of held orders with it
    total: int  # held orders in the queue (of the shop, if one is chosen)


def open_holds() -> Prefetch:
    return Prefetch(
        "holds",
        queryset=OrderHold.objects.filter(open_holds_filter()).select_related("created_by").order_by("pk"),
        to_attr="open_holds",
    )


def _held(shop: str | None) -> QuerySet[Order]:
    orders = Order.objects.filter(status=OrderStatus.ON_HOLD)
    if shop:
        orders = orders.filter(shop__code=shop)
    return orders


def review_queue(
    *, actor: User | None, reason: str | None = None, shop: str | None = None, page: int | str | None = 1
) -> QueuePage:
    """Held orders, oldest first, each with `open_holds`; optionally of one reason or shop."""
    require(actor, "orders.view")
    held = limit_to_visible_shops(_held(shop), actor)
    counts_rows = (
        OrderHold.objects.filter(open_holds_filter(), order__in=held)
        .values("reason")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("reason", "n")
    )
    counts: dict[str, int] = defaultdict(int)
    for code, n in counts_rows:
        counts[code] += n
    orders = held
    if reason:
        orders = orders.filter(open_holds_filter(path="holds__"), holds__reason=reason).distinct()
    orders = orders.select_related("shop").prefetch_related(open_holds()).order_by("reviewed_at", "pk")
    paginator = Paginator(orders, settings.ORDERS_PAGE_SIZE)
    return QueuePage(paginator.get_page(page), dict(counts), held.count())
