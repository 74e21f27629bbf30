"""The after-sales case's transition table, without a database: every (status, action)
pair, against the moves written out here by hand."""

import pytest

from sellerdesk.aftersales.models import FINISHED_QUEUE_STATUSES, OPEN_QUEUE_STATUSES, CaseStatus
from sellerdesk.aftersales.states import OPEN_STATUSES, TRANSITIONS, CaseAction, next_status, statuses_allowing
from sellerdesk.core.errors import InvalidTransition
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = CaseStatus, CaseAction

EXPECTED = {
    S.REQUESTED: {A.APPROVE: S.APPROVED, A.REJECT: S.REJECTED, A.CANCEL: S.CANCELED, A.DISPUTE: S.DISPUTED},
    S.APPROVED: {
        A.AWAIT_RETURN: S.AWAITING_RETURN,
        A.REFUND: S.REFUNDING,
        A.SHIP_REPLACEMENT: S.REPLACEMENT_SHIPPED,
        A.CLOSE: S.CLOSED,
        A.CANCEL: S.CANCELED,
        A.DISPUTE: S.DISPUTED,
    },
    S.REJECTED: {A.DISPUTE: S.DISPUTED, A.CLOSE: S.CLOSED},
    S.AWAITING_RETURN: {A.RECEIVE: S.RECEIVED, A.CANCEL: S.CANCELED, A.DISPUTE: S.DISPUTED},
    S.RECEIVED: {A.INSPECT: S.INSPECTED, A.REFUND: S.REFUNDING, A.DISPUTE: S.DISPUTED},
    S.INSPECTED: {
        A.REFUND: S.REFUNDING,
        A.SHIP_REPLACEMENT: S.REPLACEMENT_SHIPPED,
        A.REPAIR: S.REPAIRING,
        A.CLOSE: S.CLOSED,
        A.DISPUTE: S.DISPUTED,
    },
    S.REPAIRING: {A.SHIP_REPLACEMENT: S.REPLACEMENT_SHIPPED},
    S.REFUNDING: {A.COMPLETE_REFUND: S.REFUNDED},
    S.REFUNDED: {A.CLOSE: S.CLOSED, A.DISPUTE: S.DISPUTED},
    S.REPLACEMENT_SHIPPED: {A.CLOSE: S.CLOSED, A.DISPUTE: S.DISPUTED},
    S.CLOSED: {},
    S.CANCELED: {},
    S.DISPUTED: {A.RULE_FOR_BUYER: S.APPROVED, A.RULE_FOR_SELLER: S.CLOSED},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_status, EXPECTED, status=status, action=action, entity="after-sales case")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, TRANSITIONS)


def test_the_open_statuses_are_those_with_a_move() -> None:
    assert frozenset(status for status, moves in EXPECTED.items() if moves) == OPEN_STATUSES
    assert S.CLOSED not in OPEN_STATUSES and S.CANCELED not in OPEN_STATUSES


def test_a_buyer_may_withdraw_only_before_the_goods_arrive() -> None:
    assert statuses_allowing(A.CANCEL) == {S.REQUESTED, S.APPROVED, S.AWAITING_RETURN}


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_status("lost_in_space", A.CLOSE)


def test_the_queue_indexes_name_the_open_and_finished_statuses_of_the_table() -> None:
    """The queue's partial indexes spell the lists out (a model cannot read its table)."""
    assert sorted(OPEN_STATUSES) == OPEN_QUEUE_STATUSES
    assert sorted(set(S) - OPEN_STATUSES) == FINISHED_QUEUE_STATUSES
