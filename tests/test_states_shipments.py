"""The shipment's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.logistics.models import ShipmentStatus, TrackingKind
from sellerdesk.logistics.states import (
    AWAITING_ROUTE,
    JOURNEY_ENDS,
    NEVER_LEFT,
    NOT_BOOKED,
    NOT_HANDED_OVER,
    TRACKED,
    TRANSITIONS,
    ShipmentAction,
    allowed_actions,
    next_status,
    status_after_scan,
    statuses_allowing,
)
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = ShipmentStatus, ShipmentAction

# Wherever the parcel may be out, the carrier's scans move it (the latest scan wins).
SCANS = {
    A.CARRY: S.IN_TRANSIT,
    A.SEND_OUT_FOR_DELIVERY: S.OUT_FOR_DELIVERY,
    A.DELIVER: S.DELIVERED,
    A.START_RETURN: S.RETURNING,
    A.RETURN: S.RETURNED,
    A.LOSE: S.LOST,
}
EXPECTED = {
    S.BOOKING_REQUESTED: {A.BOOK: S.CREATED, A.FAIL_BOOKING: S.BOOKING_FAILED, A.WITHDRAW_BOOKING: S.BOOKING_WITHDRAWN},
    # The order closed before the carrier answered: what the answer books is voided at once.
    S.BOOKING_WITHDRAWN: {A.BOOK: S.CANCELLED, A.FAIL_BOOKING: S.BOOKING_FAILED},
    S.BOOKING_FAILED: {},
    S.CREATED: {A.CANCEL: S.CANCELLED, A.INTERCEPT: S.INTERCEPTED, A.HAND_OVER: S.HANDED_OVER, **SCANS},
    S.HANDED_OVER: SCANS,
    S.IN_TRANSIT: SCANS,
    S.OUT_FOR_DELIVERY: SCANS,
    S.DELIVERED: SCANS,
    S.RETURNING: SCANS,
    S.RETURNED: SCANS,
    S.LOST: SCANS,
    S.CANCELLED: {},
    S.INTERCEPTED: {},
    # Shipped elsewhere: tracked once the carrier has given the parcel's route data.
    S.TRACKING_REQUESTED: {A.TRACK: S.HANDED_OVER},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_status, EXPECTED, status=status, action=action, entity="shipment")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, TRANSITIONS)


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition) as raised:
        next_status("lost_in_space", A.HAND_OVER)
    assert raised.value.details == {"current_status": "lost_in_space", "action": "hand_over"}


def test_sets_read_from_the_table() -> None:
    assert {S.CREATED} == NOT_HANDED_OVER
    assert statuses_allowing(A.INTERCEPT) == {S.CREATED}
    assert {S.BOOKING_REQUESTED, S.BOOKING_WITHDRAWN, S.BOOKING_FAILED, S.CANCELLED, S.INTERCEPTED} == NEVER_LEFT
    assert {S.BOOKING_REQUESTED, S.BOOKING_WITHDRAWN, S.BOOKING_FAILED} == NOT_BOOKED
    assert statuses_allowing(A.WITHDRAW_BOOKING) == {S.BOOKING_REQUESTED}
    # A parcel shipped elsewhere left with the carrier, though it is tracked only once its route is known.
    assert {S.TRACKING_REQUESTED} == AWAITING_ROUTE
    assert {S.HANDED_OVER, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.RETURNING} == TRACKED
    assert {S.DELIVERED, S.RETURNED, S.LOST} == JOURNEY_ENDS
    assert allowed_actions(S.CREATED)[:3] == [A.CANCEL, A.INTERCEPT, A.HAND_OVER]
    assert allowed_actions(S.CANCELLED) == []


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (TrackingKind.PICKED_UP, S.IN_TRANSIT),
        (TrackingKind.DEPARTED, S.IN_TRANSIT),
        (TrackingKind.ARRIVED, S.IN_TRANSIT),
        (TrackingKind.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY),
        (TrackingKind.DELIVERED, S.DELIVERED),
        (TrackingKind.REFUSED, S.RETURNING),
        (TrackingKind.RETURNING, S.RETURNING),
        (TrackingKind.RETURNED, S.RETURNED),
        (TrackingKind.LOST, S.LOST),
        (TrackingKind.DELAYED_WEATHER, None),
        (TrackingKind.DELAYED_ACCIDENT, None),
        (TrackingKind.OVERLOAD, None),
        (TrackingKind.OUT_OF_AREA, None),
        (TrackingKind.DAMAGED, None),
    ],
)
def test_each_kind_of_scan_moves_a_parcel_on_its_way(kind: str, expected: S | None) -> None:
    assert status_after_scan(S.IN_TRANSIT, kind) == expected
    # A scan before the scan-out moves the parcel too; one of a stopped parcel moves nothing.
    assert status_after_scan(S.CREATED, kind) == expected
    assert status_after_scan(S.INTERCEPTED, kind) is None
    assert status_after_scan(S.CANCELLED, kind) is None
    # A parcel shipped elsewhere is moved by scans once its route data is recorded.
    assert status_after_scan(S.TRACKING_REQUESTED, kind) is None
