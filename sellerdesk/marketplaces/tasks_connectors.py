"""The connectors' periodic jobs (imported by marketplaces.tasks, which core.periodic
discovers): shipment notices sent back to the marketplaces, and orders pulled from them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.core.periodic import periodic
from sellerdesk.marketplaces.notices import SEND_JOB, send_due_notices
from sellerdesk.marketplaces.pulls import PULL_JOB, pull_all


@periodic(SEND_JOB, every=timedelta(minutes=1))
def send_shipment_notices(now: datetime) -> int:
    """Send the shipment notices due (marketplaces.notices); how many were tried."""
    return send_due_notices(now=now)


@periodic(PULL_JOB, every=timedelta(minutes=5))
def pull_marketplace_orders(now: datetime) -> int:
    """Pull each connected shop's changed orders (marketplaces.pulls); how many orders were
    created or updated."""
    return sum(pulled.changed for pulled in pull_all(now=now))
