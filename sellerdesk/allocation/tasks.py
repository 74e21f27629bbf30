"""The allocation sweep: approved orders allocated in batches (`allocate_batch`, one
transaction per batch; and presale units that arrived while their orders were busy
converted). `core.periodic.jobs()` finds it here: it imports every app's `tasks`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.allocation import actions
from sellerdesk.core.periodic import periodic


# Orders are allocated once they closed or passed review in the same sweep.
@periodic("allocate_approved_orders", every=timedelta(minutes=1), after=("review_paid_orders",))
def allocate_approved_orders(now: datetime) -> int:
    return actions.allocate_approved_orders(now=now)
