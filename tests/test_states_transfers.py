"""The transfer's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.inventory.models import TransferStatus
from sellerdesk.inventory.states import TRANSFER_TRANSITIONS, TRANSFERS, TransferAction, next_transfer_status

S, A = TransferStatus, TransferAction

EXPECTED = {
    S.DRAFT: {A.SHIP: S.SHIPPED, A.CANCEL: S.CANCELLED},
    S.SHIPPED: {A.RECEIVE: S.RECEIVED, A.CANCEL: S.CANCELLED},
    S.RECEIVED: {},
    S.CANCELLED: {},
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    expected = EXPECTED[status].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            next_transfer_status(status, action)
        assert raised.value.details == {"current_status": status.value, "action": action.value}
        assert "transfer" in raised.value.message
    else:
        assert next_transfer_status(status, action) == expected


def test_table_has_no_other_moves() -> None:
    assert {(status, action) for status, moves in EXPECTED.items() for action in moves} == set(TRANSFER_TRANSITIONS)


def test_sets_read_from_the_table() -> None:
    assert TRANSFERS.statuses_allowing(A.CANCEL) == {S.DRAFT, S.SHIPPED}
    assert TRANSFERS.allowed_actions(S.DRAFT) == [A.SHIP, A.CANCEL]
    assert TRANSFERS.allowed_actions(S.SHIPPED) == [A.RECEIVE, A.CANCEL]
    assert TRANSFERS.allowed_actions(S.RECEIVED) == []


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_transfer_status("lost_in_space", A.SHIP)
