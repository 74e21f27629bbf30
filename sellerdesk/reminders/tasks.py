"""The reminders sweep: every few minutes, each shop's due unpaid orders are reminded
while its window (default 11–12 and 16–17) is open. Run from `sellerdesk sweep` and the
worker; safe in several processes at once (the database keeps one reminder per order)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.core.periodic import periodic
from sellerdesk.reminders import actions


# After the unpaid orders past their deadline are closed: a closed order is never reminded.
@periodic("remind_unpaid_orders", every=timedelta(minutes=5), after=("close_unpaid_orders",))
def remind_unpaid_orders(now: datetime) -> int:
    return actions.sweep_reminders(now=now)
