"""The hold's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.orders.holds import holds_in, open_holds_filter
from sellerdesk.orders.states import HOLD_TRANSITIONS, HOLDS, HoldAction, HoldStatus, hold_status

S, A = HoldStatus, HoldAction

EXPECTED = {
    S.OPEN: {A.RESOLVE: S.RESOLVED},
    S.RESOLVED: {},
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    expected = EXPECTED[status].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            HOLDS.next_status(status, action)
        assert raised.value.details == {"current_status": status.value, "action": action.value}
        assert "hold" in raised.value.message
    else:
        assert HOLDS.next_status(status, action) == expected


def test_table_has_no_other_moves() -> None:
    assert {(status, action) for status, moves in EXPECTED.items() for action in moves} == set(HOLD_TRANSITIONS)


def test_a_holds_status_is_whether_it_is_resolved() -> None:
    assert hold_status(is_resolved=False) == S.OPEN
    assert hold_status(is_resolved=True) == S.RESOLVED


def test_filters_read_from_the_table() -> None:
    assert HOLDS.target_of(A.RESOLVE) == S.RESOLVED
    assert open_holds_filter().children == [("resolved_at__isnull", True)]
    assert open_holds_filter(path="holds__").children == [("holds__resolved_at__isnull", True)]
    assert holds_in([S.RESOLVED]).children == [("resolved_at__isnull", False)]
    assert holds_in(list(S)).children == []
