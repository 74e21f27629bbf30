"""Resolving an order's open holds, and who may: some reasons need a supervisor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from sellerdesk.core.messages import Text, typed_or_coded
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.states import HOLDS, HoldAction, HoldStatus

MAX_RESOLUTION = 500

# Reasons a plain agent may not release: a price that does not match the price list
# locks the order until a supervisor accepts or corrects it.
RELEASE_PERMISSION_BY_REASON = {"price": "orders.release_price"}


def holds_in(statuses: Iterable[HoldStatus], *, path: str = "") -> Q:
    """A filter for holds in one of `statuses` (`path` leads from the queried model to the
    hold, e.g. "holds__"): a hold's status is whether it has a resolution time."""
    wanted = set(statuses)
    if wanted >= set(HoldStatus):
        return Q()
    if not wanted:
        return Q(pk__in=[])
    return Q(**{f"{path}resolved_at__isnull": HoldStatus.OPEN in wanted})


def open_holds_filter(*, path: str = "") -> Q:
    """Holds still open: those the table lets be resolved."""
    return holds_in(HOLDS.statuses_allowing(HoldAction.RESOLVE), path=path)


def resolve_holds(holds: QuerySet[OrderHold], *, actor: User | None, at: datetime, resolution: Text) -> int:
    """Resolve the open ones of `holds` in one UPDATE (the hold table's one move, RESOLVE:
    a resolved hold has a resolution time); returns how many."""
    typed, coded = typed_or_coded(resolution)
    return holds.filter(open_holds_filter()).update(
        resolved_at=at, resolved_by=actor, resolution=typed[:MAX_RESOLUTION], resolution_data=coded
    )


def open_hold_reasons(order: Order) -> list[str]:
    return list(order.holds.filter(open_holds_filter()).order_by("pk").values_list("reason", flat=True))


def require_release(actor: User | None, reasons: Iterable[str]) -> None:
    for reason in sorted(set(reasons)):
        permission = RELEASE_PERMISSION_BY_REASON.get(reason)
        if permission:
            require(actor, permission)


def resolve_open_holds(order: Order, *, actor: User | None, at: datetime, resolution: Text) -> list[str]:
    """Close every open hold of the order; returns their reasons, oldest first."""
    holds = list(order.holds.filter(open_holds_filter()).order_by("pk"))
    resolve_holds(
        OrderHold.objects.filter(pk__in=[hold.pk for hold in holds]), actor=actor, at=at, resolution=resolution
    )
    return [hold.reason for hold in holds]
