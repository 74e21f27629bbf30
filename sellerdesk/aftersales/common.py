"""Steps every after-sales action module shares: locking a case with its order."""

from __future__ import annotations

from sellerdesk.aftersales.events import locked
from sellerdesk.aftersales.models import Case
from sellerdesk.orders.models import Order


def locked_case(case: Case) -> Case:
    """The case, then its order, locked for the rest of the transaction (the order that
    aftersales.refunds locks them in too, so two actions on one case never wait on each
    other crosswise), the case re-read with its order."""
    fresh = locked(case)
    fresh.order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=fresh.order_id)
    return fresh
