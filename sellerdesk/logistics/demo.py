"""Demo logistics: carriers with the simulated adapter and cost tables, tracked parcels
for some shipped orders with their histories, one open exception of each kind, and
ratings of completed orders. Called by the demo generator after the orders exist."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User
from sellerdesk.logistics import actions
from sellerdesk.logistics.defaults import load_default_carriers, load_default_rates
from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierRate, Shipment
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.orders.models import Order
from sellerdesk.ratings.actions import rate_order, window
from sellerdesk.ratings.models import Rating
from sellerdesk.ratings.tasks import default_ratings

# scenario → hours since hand-over that show its trouble (and not yet its end)
TROUBLE_AGE_HOURS = {
    "weather": 24,
    "accident": 24,
    "overload": 24,
    "stalled": 80,
    "lost": 150,
    "damaged": 36,
    "refused": 46,
    "out_of_area": 40,
}


def load_demo_logistics(
    *, rng: random.Random, actor: User | None, now: datetime | None = None, tracked: int = 40, rated: int = 30
) -> dict[str, int]:
    """Returns counts of what it made. Idempotent enough for `demo --if-empty`: orders
    already tracked are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        load_default_carriers(Carrier, CarrierCoverage)
        load_default_rates(Carrier, CarrierRate)
        already = set(Shipment.objects.values_list("order_id", flat=True))
        shipped = [o for o in Order.objects.filter(status="shipped").order_by("pk") if o.pk not in already]
        rng.shuffle(shipped)
        made = troubled = 0
        for scenario, hours in TROUBLE_AGE_HOURS.items():
            needs_cod = scenario == "refused"
            # a refused parcel is a COD one when the demo has one on its way
            order = next((o for o in shipped if (o.payment_method == "cod") == needs_cod), None) or next(
                iter(shipped), None
            )
            if order is None:
                continue
            shipped.remove(order)
            if _track(order, actor, now - timedelta(hours=hours), {"scenario": scenario}, now):
                troubled += 1
        delivered = [o for o in Order.objects.filter(status="delivered").order_by("pk") if o.pk not in already]
        for order in (shipped + delivered)[:tracked]:
            start = order.shipped_at or now - timedelta(days=1)
            if _track(order, actor, start, {"scenario": "normal"}, now):
                made += 1
        detect_logistics_exceptions(now)
        ratings = _ratings(rng, now, rated)
    return {"tracked": made, "troubled": troubled, "ratings": ratings}


def _track(order: Order, actor: User | None, start: datetime, options: dict[str, str], now: datetime) -> bool:
    try:
        shipment = actions.track_shipped_order(order=order, actor=actor, handed_over_at=start, options=options)
    except DomainError:
        return False  # an address the carrier does not reach, a carrier we do not know
    poll_shipment(shipment=shipment, now=now)
    return True


def _ratings(rng: random.Random, now: datetime, limit: int) -> int:
    made = 0
    completed = list(
        Order.objects.filter(status="completed", completed_at__isnull=False).order_by("-completed_at")[: limit * 2]
    )
    for order in completed[:limit]:
        assert order.completed_at is not None
        at = min(order.completed_at + timedelta(hours=rng.randint(2, 200)), order.completed_at + window(), now)
        if Rating.objects.filter(order=order).exists():
            continue
        score = rng.choices(["good", "neutral", "bad"], weights=[90, 7, 3])[0]
        rate_order(
            order=order,
            side="buyer",
            score=score,
            comment=rng.choice(["", "物流很快", "质量不错", "包装好"]),
            actor=None,
            at=at,
        )
        made += 1
        if rng.random() < 0.6:
            rate_order(order=order, side="seller", score="good", actor=None, at=at)
            made += 1
    return made + default_ratings(now)
