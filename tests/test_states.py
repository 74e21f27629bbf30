"""The transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.orders.states import (
    AWAITING_RECEIPT,
    BEFORE_THE_WAREHOUSE,
    BOOKABLE_STATUSES,
    COD_PAYABLE_STATUSES,
    MAY_HAVE_PARCELS_NOT_HANDED_OVER,
    MERGEABLE,
    OPEN_STATUSES,
    PAYABLE_STATUSES,
    TRANSITIONS,
    OrderAction,
    OrderStatus,
    allowed_actions,
    initial_status,
    next_status,
    resumed_status,
    statuses_allowing,
    target_of,
)
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = OrderStatus, OrderAction

# Merging, splitting and unmerging close the order they act on, before the warehouse has it.
MERGING = {A.MERGE: S.CLOSED, A.SPLIT: S.CLOSED, A.UNMERGE: S.CLOSED}
EXPECTED = {
    S.UNPAID: {A.PAY: S.PENDING_REVIEW, A.REPRICE: S.UNPAID, A.CANCEL: S.CLOSED, A.EXPIRE: S.CLOSED, **MERGING},
    S.PENDING_REVIEW: {A.APPROVE: S.APPROVED, A.CANCEL: S.CLOSED, A.HOLD: S.ON_HOLD, **MERGING},
    S.ON_HOLD: {A.APPROVE: S.APPROVED, A.CANCEL: S.CLOSED, **MERGING},
    S.APPROVED: {A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED, A.ALLOCATE: S.ALLOCATED, A.SHORT: S.STOCKOUT, **MERGING},
    # A backorder approves the stockout order again, to be split (allocation.shortages).
    S.STOCKOUT: {A.ALLOCATE: S.ALLOCATED, A.CANCEL: S.CLOSED, A.BACKORDER: S.APPROVED},
    # Issue 17 C: an allocated order not yet picked may be merged (not split or unmerged).
    S.ALLOCATED: {A.SHORT: S.STOCKOUT, A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED, A.PICK: S.PICKING, A.MERGE: S.CLOSED},
    S.PICKING: {A.PACK: S.PACKED, A.SHORT: S.STOCKOUT, A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED},
    S.PACKED: {A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED},
    # Issue 17 C: a parcel refused (拒收) or back undelivered ends the order as refused.
    S.SHIPPED: {A.DELIVER: S.DELIVERED, A.CONFIRM_RECEIPT: S.COMPLETED, A.REFUSE: S.REFUSED},
    S.DELIVERED: {A.CONFIRM_RECEIPT: S.COMPLETED, A.REFUSE: S.REFUSED},
    S.COMPLETED: {},
    S.CLOSED: {},
    S.REFUSED: {},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_status, EXPECTED, status=status, action=action, entity="order")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, TRANSITIONS)


def test_allowed_actions_list_the_moves_of_a_status() -> None:
    assert allowed_actions(S.UNPAID) == [A.PAY, A.REPRICE, A.CANCEL, A.EXPIRE]
    assert allowed_actions(S.CLOSED) == []
    assert allowed_actions(S.PENDING_REVIEW) == [A.APPROVE, A.CANCEL, A.HOLD]
    assert allowed_actions(S.ON_HOLD) == [A.APPROVE, A.CANCEL]
    # Allocating and shorting are the allocator's, never offered as buttons.
    assert allowed_actions(S.APPROVED) == [A.SHIP, A.CANCEL]
    assert allowed_actions(S.ALLOCATED) == [A.SHIP, A.CANCEL]
    assert allowed_actions(S.STOCKOUT) == [A.CANCEL]
    assert allowed_actions(S.PICKING) == [A.SHIP, A.CANCEL]
    assert allowed_actions(S.PACKED) == [A.SHIP, A.CANCEL]


def test_cod_orders_start_at_review_others_unpaid() -> None:
    assert initial_status("cod") == S.PENDING_REVIEW
    assert initial_status("online") == S.UNPAID
    assert initial_status("remittance") == S.UNPAID


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_status("lost_in_space", A.PAY)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("before_merge", list(S))
def test_resume_brings_a_merged_original_back_to_its_status_before(status: S, before_merge: S) -> None:
    mergeable = {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.ALLOCATED}
    if status == S.CLOSED and before_merge in mergeable:
        assert resumed_status(status, before_merge=before_merge) == before_merge
    else:
        with pytest.raises(InvalidTransition) as raised:
            resumed_status(status, before_merge=before_merge)
        assert raised.value.details == {"current_status": status.value, "action": "resume"}


def test_resume_is_never_a_move_of_the_table() -> None:
    # Its target is the status before the merge, which the table cannot know.
    assert not statuses_allowing(A.RESUME)


def test_merging_moves_are_not_buttons_of_the_order_page() -> None:
    for status in S:
        assert not {A.MERGE, A.SPLIT, A.UNMERGE, A.RESUME} & set(allowed_actions(status))


def test_sets_read_from_the_table() -> None:
    assert set(S) - {S.COMPLETED, S.CLOSED, S.REFUSED} == OPEN_STATUSES
    assert {S.UNPAID} == PAYABLE_STATUSES
    assert {S.APPROVED, S.ALLOCATED, S.PICKING, S.PACKED, S.SHIPPED} == BOOKABLE_STATUSES
    assert {S.SHIPPED, S.DELIVERED} == AWAITING_RECEIPT
    assert {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED} == BEFORE_THE_WAREHOUSE
    assert {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.ALLOCATED} == MERGEABLE
    assert {S.PENDING_REVIEW, S.ON_HOLD} == statuses_allowing(A.APPROVE)
    assert target_of(A.MERGE) == target_of(A.SPLIT) == target_of(A.UNMERGE) == S.CLOSED


def test_an_order_may_have_a_parcel_not_handed_over_from_booking_until_it_ships() -> None:
    # The hand-kept list (allocated, picking, packed) had drifted: a parcel may be booked
    # for an approved order, and an order with a parcel may go short before it is cancelled.
    assert {S.APPROVED, S.STOCKOUT, S.ALLOCATED, S.PICKING, S.PACKED} == MAY_HAVE_PARCELS_NOT_HANDED_OVER
    assert statuses_allowing(A.CANCEL) >= MAY_HAVE_PARCELS_NOT_HANDED_OVER


def test_cod_money_is_payable_in_every_status_a_cod_order_lives_through() -> None:
    # The hand-kept list (pending_review, approved, shipped, delivered, completed) had
    # drifted: it refused COD money while the order was held, short, allocated, picked or packed.
    assert {
        S.PENDING_REVIEW,
        S.ON_HOLD,
        S.APPROVED,
        S.STOCKOUT,
        S.ALLOCATED,
        S.PICKING,
        S.PACKED,
        S.SHIPPED,
        S.DELIVERED,
        S.COMPLETED,
    } == COD_PAYABLE_STATUSES
