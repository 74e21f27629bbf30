"""The shipment's transition table (运单), in one place and free of the database.

A parcel is asked of the carrier (booking requested), booked (created) or refused
(booking failed); a booked parcel is then cancelled, intercepted (截单) or handed over to the
carrier; after that the carrier's scans say where it is. A booking whose order is closed
before the carrier answers is withdrawn: the answer still comes, and a parcel booked then
is cancelled at once, never labelled. An order shipped elsewhere has its parcel tracked
once the carrier has given its route data (tracking requested → handed over). The carrier is the authority on
its parcel: the latest scan sets the status from any status in which the parcel may have
left, including a scan that arrives before the scan-out, or a return after a delivery.
A cancelled or intercepted parcel never left, and scans move it nowhere.
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.core.transitions import TransitionTable
from sellerdesk.logistics.models import ShipmentStatus, TrackingKind


class ShipmentAction(StrEnum):
    # The carrier's answer to a booking requested of it (logistics.booking).
    BOOK = "book"
    FAIL_BOOKING = "fail_booking"
    # The order was closed before the carrier answered (logistics.booking).
    WITHDRAW_BOOKING = "withdraw_booking"
    CANCEL = "cancel"
    INTERCEPT = "intercept"
    HAND_OVER = "hand_over"
    # The carrier's route data for a parcel shipped elsewhere (logistics.shipped_elsewhere).
    TRACK = "track"
    # What the carrier's scans report.
    CARRY = "carry"
    SEND_OUT_FOR_DELIVERY = "send_out_for_delivery"
    DELIVER = "deliver"
    START_RETURN = "start_return"
    RETURN = "return"
    LOSE = "lose"


S, A = ShipmentStatus, ShipmentAction

# The status each scan action leads to, from every status in which the parcel may be out.
SCAN_TARGETS: dict[ShipmentAction, ShipmentStatus] = {
    A.CARRY: S.IN_TRANSIT,
    A.SEND_OUT_FOR_DELIVERY: S.OUT_FOR_DELIVERY,
    A.DELIVER: S.DELIVERED,
    A.START_RETURN: S.RETURNING,
    A.RETURN: S.RETURNED,
    A.LOSE: S.LOST,
}
_SCANNABLE = (
    S.CREATED,
    S.HANDED_OVER,
    S.IN_TRANSIT,
    S.OUT_FOR_DELIVERY,
    S.DELIVERED,
    S.RETURNING,
    S.RETURNED,
    S.LOST,
)

TRANSITIONS: dict[tuple[ShipmentStatus, ShipmentAction], ShipmentStatus] = {
    (S.BOOKING_REQUESTED, A.BOOK): S.CREATED,
    (S.BOOKING_REQUESTED, A.FAIL_BOOKING): S.BOOKING_FAILED,
    (S.BOOKING_REQUESTED, A.WITHDRAW_BOOKING): S.BOOKING_WITHDRAWN,
    # Its order is closed: what the carrier booked for it is voided, not labelled.
    (S.BOOKING_WITHDRAWN, A.BOOK): S.CANCELLED,
    (S.BOOKING_WITHDRAWN, A.FAIL_BOOKING): S.BOOKING_FAILED,
    (S.TRACKING_REQUESTED, A.TRACK): S.HANDED_OVER,
    (S.CREATED, A.CANCEL): S.CANCELLED,
    (S.CREATED, A.INTERCEPT): S.INTERCEPTED,
    (S.CREATED, A.HAND_OVER): S.HANDED_OVER,
    **{(status, action): target for status in _SCANNABLE for action, target in SCAN_TARGETS.items()},
}

TABLE: TransitionTable[ShipmentStatus, ShipmentAction] = TransitionTable(
    entity="shipment", statuses=ShipmentStatus, moves=TRANSITIONS
)
next_status = TABLE.next_status
statuses_allowing = TABLE.statuses_allowing
allowed_actions = TABLE.allowed_actions

# The action each kind of scan is; kinds not listed (delays, damage…) leave the status.
SCAN_ACTIONS: dict[str, ShipmentAction] = {
    TrackingKind.PICKED_UP: A.CARRY,
    TrackingKind.DEPARTED: A.CARRY,
    TrackingKind.ARRIVED: A.CARRY,
    TrackingKind.OUT_FOR_DELIVERY: A.SEND_OUT_FOR_DELIVERY,
    TrackingKind.DELIVERED: A.DELIVER,
    TrackingKind.REFUSED: A.START_RETURN,
    TrackingKind.RETURNING: A.START_RETURN,
    TrackingKind.RETURNED: A.RETURN,
    TrackingKind.LOST: A.LOSE,
}

# Asked of the carrier and not booked (yet, or ever): no tracking number, no label.
NOT_BOOKED = statuses_allowing(A.BOOK) | {TABLE.target_of(A.FAIL_BOOKING)}
# Booked and not handed over: the parcel may still be handed over, cancelled or stopped.
NOT_HANDED_OVER = statuses_allowing(A.HAND_OVER)
# Shipped elsewhere and with the carrier, its route data not yet recorded: tracked once it is.
AWAITING_ROUTE = statuses_allowing(A.TRACK)
# The parcel never left: its scans are kept but move nothing.
NEVER_LEFT = (
    frozenset(status for status in S if not any(TABLE.allows(status, action) for action in SCAN_TARGETS))
    - AWAITING_ROUTE
)
# Where the parcel's journey ends: delivered, returned to us, or lost. (A late scan may
# still move a parcel from there, but nobody waits for one.)
JOURNEY_ENDS = frozenset(TABLE.target_of(action) for action in (A.DELIVER, A.RETURN, A.LOSE))
# With the carrier and not yet at an end: the parcels whose tracking is polled and
# watched for silence (handed over, or moved there by a scan, and not at a journey's end).
TRACKED = frozenset({TABLE.target_of(A.HAND_OVER), *SCAN_TARGETS.values()}) - JOURNEY_ENDS


def status_after_scan(current: str, kind: str) -> ShipmentStatus | None:
    """The status a scan of `kind` moves a parcel in `current` to, or None when it moves
    nothing (a kind that says nothing about where the parcel is, or a parcel that never left)."""
    action = SCAN_ACTIONS.get(kind)
    if action is None or not TABLE.allows(current, action):
        return None
    return next_status(current, action)
