"""The hold's transition table, without a database."""

import pytest

from sellerdesk.orders.holds import holds_in, open_holds_filter
from sellerdesk.orders.states import HOLD_TRANSITIONS, HOLDS, HoldAction, HoldStatus, hold_status
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = HoldStatus, HoldAction

EXPECTED = {
    S.OPEN: {A.RESOLVE: S.RESOLVED},
    S.RESOLVED: {},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(HOLDS.next_status, EXPECTED, status=status, action=action, entity="hold")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, HOLD_TRANSITIONS)


def test_a_holds_status_is_whether_it_is_resolved() -> None:
    assert hold_status(is_resolved=False) == S.OPEN
    assert hold_status(is_resolved=True) == S.RESOLVED


def test_filters_read_from_the_table() -> None:
    assert HOLDS.target_of(A.RESOLVE) == S.RESOLVED
    assert open_holds_filter().children == [("resolved_at__isnull", True)]
    assert open_holds_filter(path="holds__").children == [("holds__resolved_at__isnull", True)]
    assert holds_in([S.RESOLVED]).children == [("resolved_at__isnull", False)]
    assert holds_in(list(S)).children == []
