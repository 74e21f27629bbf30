"""Parcels to the buyer that come back: refused at the door (拒收, typically cash on
delivery) or returned undelivered. The carrier's scans drive it (logistics.tracking):

- a refusal or a return scan (the parcel is returning or returned) ends its order as
  refused — never confirmed received, never counted as a sale (orders.refusals);
- the parcel back with the seller (returned) puts what left for the order back on hand
  through the stock ledger, once every parcel of the order that left is back (which
  units were in which parcel is not recorded, so a part delivered and a part returned is
  left to the exception desk, where the refusal is open already).
"""

from __future__ import annotations

from sellerdesk.core import messages
from sellerdesk.logistics import states
from sellerdesk.logistics.models import Shipment, ShipmentDirection, ShipmentStatus, TrackingEvent, TrackingKind
from sellerdesk.orders import refusals, texts
from sellerdesk.orders import states as order_states
from sellerdesk.orders.states import OrderAction

S = ShipmentStatus
# A parcel in these is on its way back to the seller, or back.
COMING_BACK = frozenset({states.SCAN_TARGETS[states.ShipmentAction.START_RETURN], S.RETURNED})


def follow_return(shipment: Shipment, latest: TrackingEvent) -> None:
    """Move the order of an outbound `shipment` whose status a scan just set: refused when
    the parcel comes back, restocked once it (and every other parcel that left) is back.
    Inside the caller's transaction; safe to call again for the same parcel."""
    if shipment.direction != ShipmentDirection.OUTBOUND or shipment.status not in COMING_BACK:
        return
    order = shipment.order
    if order_states.allows(order.status, OrderAction.REFUSE):
        refused = TrackingEvent.objects.filter(shipment=shipment, kind=TrackingKind.REFUSED).exists()
        code = texts.REFUSED_BY_BUYER if refused else texts.RETURNED_UNDELIVERED
        order = refusals.refuse_order(
            order=order,
            actor=None,
            reason=messages.message(code, tracking_number=shipment.tracking_number),
            at=latest.at,
        )
    if order.status != order_states.OrderStatus.REFUSED or shipment.status != S.RETURNED:
        return
    left = Shipment.objects.filter(order=order, direction=ShipmentDirection.OUTBOUND).exclude(
        status__in=states.NEVER_LEFT | states.NOT_BOOKED
    )
    if left.exclude(status=S.RETURNED).exists():
        return
    refusals.restock_refused_order(order=order, actor=None, at=latest.at)
