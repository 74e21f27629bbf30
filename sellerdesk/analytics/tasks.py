"""The facts' periodic refresh: the last few days rebuilt every ten minutes, so the
dashboards are at most that old (the page shows the last FactRefresh's time). Older days
change rarely (a late refund, a case on an old order): `sellerdesk rebuild-facts` rebuilds
any range by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from sellerdesk.analytics import facts
from sellerdesk.core.periodic import periodic

DEFAULT_REFRESH_DAYS = 14


def refresh_days() -> int:
    """SELLERDESK["ANALYTICS"]["REFRESH_DAYS"]: how many days, today included, the job rebuilds."""
    configured = settings.SELLERDESK.get("ANALYTICS", {}).get("REFRESH_DAYS", DEFAULT_REFRESH_DAYS)
    return max(1, int(configured))


# Last in a sweep: the facts then include what the other jobs just did (orders closed,
# receipts confirmed, reminders sent, the service desk's clocks).
@periodic(
    "analytics.facts",
    every=timedelta(minutes=10),
    after=(
        "close_unpaid_orders",
        "remind_unpaid_orders",
        "auto_confirm_receipts",
        "retry_refunds",
        "service.sla",
        "service.routing",
    ),
)
def refresh_facts(now: datetime) -> int:
    """Rebuild the last REFRESH_DAYS Shanghai days up to `now`'s; returns how many fact
    rows changed (0 when nothing happened since the last refresh)."""
    today = now.astimezone(facts.SHANGHAI).date()
    first_day = today - timedelta(days=refresh_days() - 1)
    return facts.rebuild_days(first_day=first_day, last_day=today, now=now).changed
