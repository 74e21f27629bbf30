"""Time-driven order work: close unpaid orders at their deadline, auto-confirm receipt,
review paid orders once their hold buffer is over.

Both run from `sellerdesk sweep` and from the worker (core.tasks.run_periodic_job, a
django-tasks task that core.scheduler enqueues when due). Candidates are read in
batches; each order is then claimed with SELECT … FOR UPDATE SKIP LOCKED and
re-checked, so N workers close each order once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from sellerdesk.core.periodic import periodic
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import AWAITING_RECEIPT, OrderStatus
from sellerdesk.shops.models import review_settings_for


def _batches(candidates: list[int]) -> list[list[int]]:
    size = settings.SELLERDESK["SWEEP_BATCH_SIZE"]
    return [candidates[start : start + size] for start in range(0, len(candidates), size)]


@periodic("close_unpaid_orders", every=timedelta(minutes=1))
def close_unpaid_orders(now: datetime) -> int:
    candidates = list(
        Order.objects.filter(status=OrderStatus.UNPAID, pay_deadline__lte=now)
        .order_by("pay_deadline", "pk")
        .values_list("pk", flat=True)
    )
    return sum(actions.close_expired_order(order_id=pk, now=now) for batch in _batches(candidates) for pk in batch)


# A parcel's trouble is looked for before its order is confirmed received.
@periodic("auto_confirm_receipts", every=timedelta(minutes=5), after=("detect_logistics_exceptions",))
def auto_confirm_receipts(now: datetime) -> int:
    candidates = list(
        Order.objects.filter(status__in=AWAITING_RECEIPT, auto_confirm_at__lte=now)
        .order_by("auto_confirm_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(actions.auto_confirm_receipt(order_id=pk, now=now) for batch in _batches(candidates) for pk in batch)


# Orders close before the paid ones are reviewed.
@periodic("review_paid_orders", every=timedelta(minutes=1), after=("close_unpaid_orders",))
def review_paid_orders(now: datetime) -> int:
    """Review the orders awaiting review whose hold buffer is over (paid_at, or created_at
    for COD); returns how many were approved or held."""
    from sellerdesk.orders.review import actions as review_actions

    waiting = list(
        Order.objects.filter(status=OrderStatus.PENDING_REVIEW, reviewed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "shop_id", "payment_status", "paid_at", "created_at")
    )
    if not waiting:
        return 0
    settings_by_shop = review_settings_for(sorted({row[1] for row in waiting}))
    candidates = [
        pk
        for pk, shop_id, payment_status, paid_at, created_at in waiting
        if (created_at if payment_status == "cod" or paid_at is None else paid_at)
        + settings_by_shop[shop_id].hold_buffer
        <= now
    ]
    reviewed = 0
    for batch in _batches(candidates):
        result = review_actions.review_batch(order_ids=batch, now=now)
        reviewed += result.approved + result.held + result.reviewed
    return reviewed
