"""The transfer's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.inventory.models import TransferStatus
from sellerdesk.inventory.states import TRANSFER_TRANSITIONS, TRANSFERS, TransferAction, next_transfer_status
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = TransferStatus, TransferAction

EXPECTED = {
    S.DRAFT: {A.SHIP: S.SHIPPED, A.CANCEL: S.CANCELLED},
    # Issue 17 C: part of the units arrive, the rest stays in transit.
    S.SHIPPED: {A.RECEIVE: S.RECEIVED, A.RECEIVE_PART: S.SHIPPED, A.CANCEL: S.CANCELLED},
    S.RECEIVED: {},
    S.CANCELLED: {},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_transfer_status, EXPECTED, status=status, action=action, entity="transfer")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, TRANSFER_TRANSITIONS)


def test_sets_read_from_the_table() -> None:
    assert TRANSFERS.statuses_allowing(A.CANCEL) == {S.DRAFT, S.SHIPPED}
    assert TRANSFERS.allowed_actions(S.DRAFT) == [A.SHIP, A.CANCEL]
    assert TRANSFERS.allowed_actions(S.SHIPPED) == [A.RECEIVE, A.RECEIVE_PART, A.CANCEL]
    assert TRANSFERS.allowed_actions(S.RECEIVED) == []


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_transfer_status("lost_in_space", A.SHIP)
