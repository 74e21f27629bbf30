"""A state machine's transition table, free of the database.

Each app's `states.py` declares its status enum's moves as `(status, action) → next
status` and wraps them in a `TransitionTable`; actions ask the table before they change
a row (`next_status`), and sets of statuses used in queries (`status__in=...`) are read
from it (`statuses_allowing`, `target_of`) instead of being kept by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Generic, TypeVar

from sellerdesk.core import state_names
from sellerdesk.core.errors import InvalidTransition

StatusT = TypeVar("StatusT", bound=str)
ActionT = TypeVar("ActionT", bound=Enum)


class TransitionTable(Generic[StatusT, ActionT]):
    """The moves of one kind of record (`entity` names it in errors: "shipment")."""

    def __init__(
        self,
        *,
        entity: str,
        statuses: type[StatusT],
        moves: Mapping[tuple[StatusT, ActionT], StatusT],
    ) -> None:
        self.entity = entity
        self.statuses = statuses
        self.moves: dict[tuple[StatusT, ActionT], StatusT] = dict(moves)
        choices = getattr(statuses, "choices", None)
        if choices is not None:  # a TextChoices enum: its labels name the statuses in errors
            state_names.register_statuses(entity, dict(choices))

    def next_status(self, current: str, action: ActionT) -> StatusT:
        """The status after `action` from `current`; InvalidTransition (naming both) if
        the table has no such move, or `current` is not a status at all."""
        try:
            return self.moves[(self.statuses(current), action)]
        except (KeyError, ValueError):
            raise InvalidTransition(current=current, action=str(action.value), entity=self.entity) from None

    def allows(self, current: str, action: ActionT) -> bool:
        """Whether the table has a move for `action` from `current`."""
        try:
            return (self.statuses(current), action) in self.moves
        except ValueError:
            return False

    def statuses_allowing(self, action: ActionT) -> frozenset[StatusT]:
        """Every status from which `action` is a move (for `status__in=` filters)."""
        return frozenset(status for (status, move) in self.moves if move == action)

    def target_of(self, action: ActionT) -> StatusT:
        """The one status `action` leads to from every status allowing it (the target of
        a bulk UPDATE). ValueError if the action has no move, or leads to several."""
        targets = {target for (_status, move), target in self.moves.items() if move == action}
        if len(targets) != 1:
            raise ValueError(f"{self.entity} action {action.value!r} leads to {sorted(targets)}, not one status")
        return targets.pop()

    def allowed_actions(self, current: str) -> list[ActionT]:
        """The actions with a move from `current`, in the table's order."""
        return [move for (status, move) in self.moves if status == current]
