"""Steps every after-sales action module shares: locking a case with its order, and
handing an approved or received case's money to aftersales.refunds."""

from __future__ import annotations

import importlib.util
from datetime import datetime

from sellerdesk.aftersales.events import locked
from sellerdesk.aftersales.models import Case
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order


def locked_case(case: Case) -> Case:
    """The case, then its order, locked for the rest of the transaction (the order that
    aftersales.refunds locks them in too, so two actions on one case never wait on each
    other crosswise), the case re-read with its order."""
    fresh = locked(case)
    fresh.order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=fresh.order_id)
    return fresh


def start_refund(case: Case, *, actor: User | None, at: datetime) -> None:
    """Hand the case's money to aftersales.refunds.start_refund (in this transaction)."""
    # The refunds module is written by another part of the team; while it is not there
    # the case waits (approved, received) for the refund to be started from the case page.
    if importlib.util.find_spec("sellerdesk.aftersales.refunds") is None:
        return
    from sellerdesk.aftersales import refunds

    refunds.start_refund(case=case, actor=actor, at=at)
