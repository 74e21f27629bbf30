"""Resolving an order's open holds, and who may: some reasons need a supervisor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import Order, OrderHold

MAX_RESOLUTION = 500

# Reasons a plain agent may not release: a price that does not match the price list
# locks the order until a supervisor accepts or corrects it.
RELEASE_PERMISSION_BY_REASON = {"price": "orders.release_price"}


def open_hold_reasons(order: Order) -> list[str]:
    return list(order.holds.filter(resolved_at__isnull=True).order_by("pk").values_list("reason", flat=True))


def require_release(actor: User | None, reasons: Iterable[str]) -> None:
    for reason in sorted(set(reasons)):
        permission = RELEASE_PERMISSION_BY_REASON.get(reason)
        if permission:
            require(actor, permission)


def resolve_open_holds(order: Order, *, actor: User | None, at: datetime, resolution: str) -> list[str]:
    """Close every open hold of the order; returns their reasons, oldest first."""
    holds = list(order.holds.filter(resolved_at__isnull=True).order_by("pk"))
    OrderHold.objects.filter(pk__in=[hold.pk for hold in holds]).update(
        resolved_at=at, resolved_by=actor, resolution=resolution[:MAX_RESOLUTION]
    )
    return [hold.reason for hold in holds]
