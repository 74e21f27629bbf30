"""Rating a completed order (评价): each side once, within the window (default 15 days
after completion); when the window closes with only one side rated, the other side
gets the default positive rating."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import PERMISSIONS, require
from sellerdesk.orders.models import Order
from sellerdesk.ratings.models import Rating, RatingSide, Score


def window() -> timedelta:
    return timedelta(days=settings.SELLERDESK.get("RATING_WINDOW_DAYS", 15))


def closes_at(order: Order) -> datetime | None:
    return order.completed_at + window() if order.completed_at else None


def rate_order(
    *,
    order: Order,
    side: str,
    score: str,
    comment: str = "",
    actor: User | None,
    at: datetime | None = None,
) -> Rating:
    """Record one side's rating. The seller's side is rated by staff; the buyer's comes
    from the marketplace or the buyer portal (actor None or a buyer account)."""
    require(actor, "ratings.rate" if "ratings.rate" in PERMISSIONS else "orders.note")
    bad: dict[str, str] = {}
    if side not in RatingSide.values:
        bad["side"] = _("one of %(values)s") % {"values": ", ".join(RatingSide.values)}
    if score not in Score.values:
        bad["score"] = _("one of %(values)s") % {"values": ", ".join(Score.values)}
    if len(comment.strip()) > 500:
        bad["comment"] = _("at most 500 characters")
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != "completed" or order.completed_at is None:
            raise InvalidTransition(current=order.status, action="rate")
        deadline = order.completed_at + window()
        if at > deadline:
            raise Conflict(
                "rating_window_closed",
                _("Ratings closed on %(date)s.") % {"date": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
                details={"closed_at": deadline.isoformat()},
            )
        try:
            with transaction.atomic():
                return Rating.objects.create(
                    order=order, side=side, score=score, comment=comment.strip(), rated_at=at, rated_by=actor
                )
        except IntegrityError:
            raise Conflict(
                "already_rated",
                _("This side has rated the order already."),
                details={"side": side},
            ) from None


def give_default_rating(*, order_id: int, now: datetime) -> bool:
    """At the window's end, rate the silent side positively if the other side rated.
    Safe from several workers: the order row is locked and the state re-checked."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .filter(pk=order_id, status="completed", completed_at__lte=now - window())
            .first()
        )
        if order is None:
            return False
        sides = set(Rating.objects.filter(order=order).values_list("side", flat=True))
        if len(sides) != 1:
            return False
        missing = RatingSide.SELLER if RatingSide.BUYER in sides else RatingSide.BUYER
        Rating.objects.create(
            order=order,
            side=missing,
            score=Score.GOOD,
            is_default=True,
            rated_at=(order.completed_at or now) + window(),
        )
        return True
