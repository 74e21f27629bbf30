"""Reads of ratings."""

from __future__ import annotations

from django.db.models import QuerySet

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.ratings.models import Rating


def list_ratings(*, actor: User | None, side: str = "", score: str = "") -> QuerySet[Rating]:
    require(actor, "orders.view")
    found = Rating.objects.select_related("order", "rated_by").order_by("-rated_at", "-pk")
    if side:
        found = found.filter(side=side)
    if score:
        found = found.filter(score=score)
    return found
