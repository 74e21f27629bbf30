"""The task approval enqueues (on commit) so that a just-approved order is allocated
within seconds rather than at the next sweep."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from sellerdesk.allocation import actions


@task()
def allocate_orders(order_ids: list[int]) -> int:
    """Allocate orders just approved, a batch per transaction; those another worker
    holds are left to the sweep. Returns how many were handled."""
    result = actions.allocate_in_batches(order_ids, now=timezone.now())
    return len(result.outcomes)
