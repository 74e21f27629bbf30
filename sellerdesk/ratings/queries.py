"""Reads of ratings."""

from __future__ import annotations

from django.db.models import QuerySet

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.ratings.models import Rating
from sellerdesk.shops.access import limit_to_visible_shops


def list_ratings(*, actor: User | None, side: str = "", score: str = "") -> QuerySet[Rating]:
    """The latest ratings first, of the orders of the shops `actor` may see."""
    require(actor, "orders.view")
    found = limit_to_visible_shops(Rating.objects.all(), actor, shop_field="order__shop_id")
    found = found.select_related("order", "rated_by").order_by("-rated_at", "-pk")
    if side:
        found = found.filter(side=side)
    if score:
        found = found.filter(score=score)
    return found
