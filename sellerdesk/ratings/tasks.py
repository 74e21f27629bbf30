"""The default positive rating when the rating window closes with one side silent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count

from sellerdesk.core.periodic import periodic
from sellerdesk.orders.models import Order
from sellerdesk.ratings import actions


# Orders confirmed received in this sweep open their rating window.
@periodic("default_ratings", every=timedelta(hours=1), after=("auto_confirm_receipts",))
def default_ratings(now: datetime) -> int:
    candidates = list(
        Order.objects.filter(status="completed", completed_at__lte=now - actions.window())
        .annotate(rated=Count("ratings"))
        .filter(rated=1)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(actions.give_default_rating(order_id=pk, now=now) for pk in candidates)
