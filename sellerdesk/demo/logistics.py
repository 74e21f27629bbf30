"""Demo logistics: carriers with the simulated adapter and cost tables, tracked parcels
for some shipped orders with their histories, one open exception of each kind, and
ratings of completed orders. Called by the demo generator after the orders exist."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.availability import available_expression
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics import actions, shipped_elsewhere
from sellerdesk.logistics.defaults import load_default_carriers, load_default_rates
from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierRate, Shipment
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
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


@contextmanager
def simulated_scenario(scenario: str) -> Iterator[None]:
    """Parcels booked or tracked meanwhile with the simulated carrier all tell this story
    (its documented `rates` setting, for this block only): the demo's history of parcels
    that arrived, or a parcel in one kind of trouble."""
    simulated = {**settings.SELLERDESK.get("SIMULATED_CARRIER", {}), "rates": {scenario: 1}}
    with override_settings(SELLERDESK={**settings.SELLERDESK, "SIMULATED_CARRIER": simulated}):
        yield


def track_at_once(order: Order) -> None:
    """Track an order the demo has just shipped now rather than after the commit. Shipping
    an order requests its tracking and asks the carrier once the transaction commits
    (logistics.shipped_elsewhere); the demo builds its shop in one transaction, and its
    parcels' stories (simulated_scenario) and polling happen inside it. A parcel whose
    carrier will not track it stays untracked, as after a request."""
    requested = (
        Shipment.objects.filter(order=order, status__in=shipped_elsewhere.AWAITING_ROUTE)
        .values_list("pk", flat=True)
        .first()
    )
    if requested is not None:
        # Steps 2 and 3 of the request shipping recorded, here inside the demo's transaction.
        shipped_elsewhere.register_tracking(shipment_id=requested)


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
        # The oldest troubles first: any parcel old enough for one is old enough for the next.
        for scenario, hours in sorted(TROUBLE_AGE_HOURS.items(), key=lambda item: -item[1]):
            needs_cod = scenario == "refused"
            handed_over = now - timedelta(hours=hours)
            # Parcels shipped by then, so their tracking starts after they shipped; a
            # refused parcel is a COD one when the demo has one on its way.
            old_enough = [o for o in shipped if o.shipped_at is not None and o.shipped_at <= handed_over]
            order = next((o for o in old_enough if (o.payment_method == "cod") == needs_cod), None) or next(
                iter(old_enough), None
            )
            if order is not None:
                shipped.remove(order)
                if _track(order, actor, handed_over, {"scenario": scenario}, now):
                    troubled += 1
            # No parcel of the shop that long on its way and not tracked yet (shipping an
            # order tracks it): a buyer's order of its own, shipped then, in that trouble.
            elif _shipped_order(rng, actor, shipped_at=handed_over, scenario=scenario, now=now):
                troubled += 1
        delivered = [o for o in Order.objects.filter(status="delivered").order_by("pk") if o.pk not in already]
        for order in (shipped + delivered)[:tracked]:
            start = order.shipped_at or now - timedelta(days=1)
            if _track(order, actor, start, {"scenario": "normal"}, now):
                made += 1
        detect_logistics_exceptions(now)
        ratings = _ratings(rng, now, rated)
    return {"tracked": made, "troubled": troubled, "ratings": ratings}


# A buyer of the logistics demo's own orders (an address every default carrier reaches).
BUYER = ("林晓", "13816650321", "晓晓_shop", ("浙江省", "杭州市", "西湖区", "文一西路 522 号"))


def _shipped_order(
    rng: random.Random, actor: User | None, *, shipped_at: datetime, scenario: str, now: datetime
) -> bool:
    """An order placed, paid (or cash on delivery, for a refused parcel) and approved the
    day before `shipped_at`, shipped then through the actions (which track its parcel, in
    `scenario`), its parcel polled at `now`; False when no SKU has stock to sell."""
    level = (
        StockLevel.objects.filter(
            warehouse=default_warehouse(), sku__is_active=True, sku__is_dropship=False, sku__is_presale=False
        )
        .alias(available_units=available_expression())
        .filter(available_units__gt=0)
        .select_related("sku")
        .order_by("sku__code")
        .first()
    )
    carrier = Carrier.objects.filter(is_active=True, supports_cod=True).order_by("pk").first()
    if level is None or carrier is None:
        return False
    cod = scenario == "refused"  # only a cash-on-delivery parcel is refused at the door
    name, phone, nickname, (province, city, district, detail) = BUYER
    placed = shipped_at - timedelta(hours=rng.randint(20, 30))
    order = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer(name, phone, nickname),
            address=order_actions.Address(province, city, district, detail),
            lines=[order_actions.LineDraft(level.sku.code, 1)],
            payment_method="cod" if cod else "online",
            source="cod" if cod else "silent",
            placed_at=placed,
        ),
        actor=actor,
    )
    paid = placed + timedelta(minutes=rng.randint(2, 40))
    if not cod:
        record_payment(
            order=order, amount=order.total, method="online", reference=f"DEMO-LOG-{order.number}", actor=actor, at=paid
        )
    order = order_actions.approve_order(order=order, actor=actor, at=paid + timedelta(hours=1))
    tracking = carrier.code + "".join(rng.choice("0123456789") for _ in range(12))
    with simulated_scenario(scenario):
        order = order_actions.ship_order(
            order=order, actor=actor, carrier=carrier.code, tracking_number=tracking, at=shipped_at
        )
        track_at_once(order)
    shipment = Shipment.objects.filter(order=order, tracking_number=tracking).first()
    if shipment is None:
        return False
    poll_shipment(shipment=shipment, now=now)
    return True


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
