"""After-sales periodic work (core.periodic). Overdue cases need no sweep: every move sets
the case's `due_at`, and the queue reads "overdue" from it (aftersales.queries)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.aftersales.models import Case, CaseStatus
from sellerdesk.aftersales.refunds import retry_refunds_job
from sellerdesk.aftersales.returns import record_pickup_booked
from sellerdesk.core.periodic import periodic

# retry_refunds_job (aftersales.refunds) asks the gateway again for refunds whose call died.
__all__ = ["record_booked_pickups", "retry_refunds_job"]


# A pickup whose booking the worker finished (the carrier was unreachable when the agent
# asked) gets its tracking number onto the case, and the buyer told, after that retry.
@periodic("aftersales_record_booked_pickups", every=timedelta(minutes=1), after=("retry_carrier_bookings",))
def record_booked_pickups(now: datetime) -> int:
    """Cases awaiting a return whose booked pickup has a tracking number the case lacks."""
    waiting = (
        Case.objects.filter(status=CaseStatus.AWAITING_RETURN, return_shipment__isnull=False, return_tracking_number="")
        .exclude(return_shipment__tracking_number="")
        .select_related("return_shipment__carrier")
        .order_by("pk")[:500]
    )
    recorded = 0
    for case in waiting:
        assert case.return_shipment is not None
        before = case.return_tracking_number
        after = record_pickup_booked(case=case, shipment=case.return_shipment, actor=None, at=now)
        recorded += after.return_tracking_number != before
    return recorded
