"""The task approval enqueues (on commit) so that a just-approved order is allocated
within seconds rather than at the next sweep, and the enqueuing itself
(`schedule_allocation`, called by the OrdersApproved subscriber)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sellerdesk.allocation import actions


@task()
def allocate_orders(order_ids: list[int]) -> int:
    """Allocate orders just approved, a batch per transaction; those another worker
    holds are left to the sweep. Returns how many were handled."""
    result = actions.allocate_in_batches(order_ids, now=timezone.now())
    return len(result.outcomes)


def schedule_allocation(order_ids: Sequence[int]) -> None:
    """Allocate these orders soon after the current transaction commits (the worker runs
    it); call it where orders are approved."""
    ids = list(order_ids)
    if not ids:
        return
    transaction.on_commit(lambda: allocate_orders.enqueue(ids), robust=True)
