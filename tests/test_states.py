"""The transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.orders.states import (
    TRANSITIONS,
    OrderAction,
    OrderStatus,
    allowed_actions,
    initial_status,
    next_status,
)

S, A = OrderStatus, OrderAction

EXPECTED = {
    S.UNPAID: {A.PAY: S.PENDING_REVIEW, A.REPRICE: S.UNPAID, A.CANCEL: S.CLOSED, A.EXPIRE: S.CLOSED},
    S.PENDING_REVIEW: {A.APPROVE: S.APPROVED, A.CANCEL: S.CLOSED, A.HOLD: S.ON_HOLD},
    S.ON_HOLD: {A.APPROVE: S.APPROVED, A.CANCEL: S.CLOSED},
    S.APPROVED: {A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED, A.ALLOCATE: S.ALLOCATED, A.SHORT: S.STOCKOUT},
    S.STOCKOUT: {A.ALLOCATE: S.ALLOCATED, A.CANCEL: S.CLOSED},
    S.ALLOCATED: {A.SHORT: S.STOCKOUT, A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED, A.PICK: S.PICKING},
    S.PICKING: {A.PACK: S.PACKED, A.SHORT: S.STOCKOUT, A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED},
    S.PACKED: {A.SHIP: S.SHIPPED, A.CANCEL: S.CLOSED},
    S.SHIPPED: {A.DELIVER: S.DELIVERED, A.CONFIRM_RECEIPT: S.COMPLETED},
    S.DELIVERED: {A.CONFIRM_RECEIPT: S.COMPLETED},
    S.COMPLETED: {},
    S.CLOSED: {},
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    expected = EXPECTED[status].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            next_status(status, action)
        assert raised.value.details == {"current_status": status.value, "action": action.value}
    else:
        assert next_status(status, action) == expected


def test_table_has_no_other_moves() -> None:
    assert {(status, action) for status, moves in EXPECTED.items() for action in moves} == set(TRANSITIONS)


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
