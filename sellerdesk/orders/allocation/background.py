"""The task approval enqueues (on commit) so that a just-approved order is allocated
within seconds rather than at the next sweep."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from sellerdesk.orders.allocation import actions


@task()
def allocate_orders(order_ids: list[int]) -> int:
    """Allocate orders just approved; those another worker holds are left to the sweep."""
    now = timezone.now()
    warehouses = actions.active_warehouses()
    done = 0
    for order_id in order_ids:
        result = actions.allocate_order_id(order_id=order_id, actor=None, at=now, warehouses=warehouses)
        done += result is not None
    return done
