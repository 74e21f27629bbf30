"""The allocation sweep: approved orders allocated in batches (`allocate_batch`, one
transaction per batch; and presale units that arrived while their orders were busy
converted). Registered with core.periodic once this module is imported by
`core.periodic.jobs()`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.allocation import actions
from sellerdesk.core.periodic import periodic


@periodic("allocate_approved_orders", every=timedelta(minutes=1))
def allocate_approved_orders(now: datetime) -> int:
    return actions.allocate_approved_orders(now=now)
