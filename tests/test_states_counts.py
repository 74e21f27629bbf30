"""The stock count's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.inventory.models import StockCountStatus
from sellerdesk.inventory.states import COUNT_TRANSITIONS, COUNTS, CountAction, next_count_status
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = StockCountStatus, CountAction

EXPECTED = {
    S.OPEN: {A.COUNT: S.OPEN, A.POST: S.POSTED, A.CANCEL: S.CANCELLED},
    S.POSTED: {},
    S.CANCELLED: {},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_count_status, EXPECTED, status=status, action=action, entity="stock count")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, COUNT_TRANSITIONS)


def test_only_an_open_count_takes_counts() -> None:
    assert COUNTS.statuses_allowing(A.COUNT) == {S.OPEN}
    assert COUNTS.allows(S.OPEN, A.COUNT)
    assert not COUNTS.allows(S.POSTED, A.COUNT)


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_count_status("lost_in_space", A.POST)
