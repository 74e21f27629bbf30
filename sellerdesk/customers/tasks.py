"""Periodic customer work: the automatic tiers (customers.tiers.promote)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.core.periodic import periodic
from sellerdesk.customers import tiers


# Hourly: a customer's spending and order count change with each payment and order; a
# level earned an hour late is soon enough, and the job is one UPDATE per level.
@periodic("promote_customers", every=timedelta(hours=1))
def promote_customers(now: datetime) -> int:
    return tiers.promote(now=now)
