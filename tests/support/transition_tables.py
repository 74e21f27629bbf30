"""The checks every transition-table test makes, without a database.

Each `tests/test_states_*.py` writes its machine's expected moves out by hand
(`EXPECTED = {status: {action: next status}}`), independently of the product's table;
these helpers check the product against it the same way for every machine:

    @pytest.mark.parametrize(("status", "action"), every_pair(S, A))
    def test_every_pair_of_status_and_action(status: S, action: A) -> None:
        assert_pair(next_status, EXPECTED, status=status, action=action, entity="wave")

    def test_table_has_no_other_moves() -> None:
        assert_no_other_moves(EXPECTED, TRANSITIONS)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

import pytest
from _pytest.mark import ParameterSet

from sellerdesk.core import state_names
from sellerdesk.core.errors import InvalidTransition

StatusT = TypeVar("StatusT", bound=Enum)
ActionT = TypeVar("ActionT", bound=Enum)

ExpectedMoves = Mapping[StatusT, Mapping[ActionT, StatusT]]


def every_pair(statuses: Iterable[StatusT], actions: Iterable[ActionT]) -> list[ParameterSet]:
    """One pytest case `(status, action)` for every status of `statuses` with every action
    of `actions` (whole enums, not only the statuses `EXPECTED` names, so a status left
    out of it fails), with the ids and order two stacked parametrizes gave: "action-status"."""
    statuses = list(statuses)
    return [
        pytest.param(status, action, id=f"{action.value}-{status.value}") for action in actions for status in statuses
    ]


def assert_pair(
    next_status: Callable[[StatusT, ActionT], Any],
    expected: ExpectedMoves[StatusT, ActionT],
    *,
    status: StatusT,
    action: ActionT,
    entity: str,
) -> None:
    """`next_status(status, action)` gives the status `expected` lists for the pair; a pair
    it does not list is refused with InvalidTransition naming the status and the action in
    its details and the machine (`entity`, "stock count") in its message."""
    expected_status = expected[status].get(action)
    if expected_status is None:
        with pytest.raises(InvalidTransition) as raised:
            next_status(status, action)
        assert raised.value.details == {"current_status": status.value, "action": action.value}
        # ... named in the reader's language (issue 17 B: "不能…：包裹状态为“…”").
        assert state_names.entity_name(entity) in raised.value.message
    else:
        assert next_status(status, action) == expected_status


def assert_no_other_moves(
    expected: ExpectedMoves[StatusT, ActionT], moves: Collection[tuple[StatusT, ActionT]]
) -> None:
    """The product's table (`moves`, keyed by `(status, action)`) has exactly the moves
    `expected` lists, no other."""
    assert {(status, action) for status, status_moves in expected.items() for action in status_moves} == set(moves)
