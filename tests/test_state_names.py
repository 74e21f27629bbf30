"""Issue 17 B: an illegal move's message names the status, the action and the kind of
record in the reader's language ("状态为 approved 的order不能执行 hold" mixed languages),
while its details keep the codes for programs."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from sellerdesk.core import state_names
from sellerdesk.core.errors import InvalidTransition
from sellerdesk.core.transitions import TransitionTable
from sellerdesk.orders.states import TABLE, OrderAction

STATE_MODULES = (
    "sellerdesk.orders.states",
    "sellerdesk.aftersales.states",
    "sellerdesk.logistics.states",
    "sellerdesk.fulfilment.states",
    "sellerdesk.inventory.states",
    "sellerdesk.service.states",
    "sellerdesk.purchasing.states",
    "sellerdesk.purchasing.returns",
)

# The actions named directly (not through a table) where an action raises InvalidTransition.
DIRECT_ACTIONS = (
    "review",
    "release",
    "extend_receipt",
    "change_lines",
    "correct_address",
    "choose_carrier",
    "register_return",
    "book_pickup",
    "track",
    "create_shipment",
    "commit",
    "discard",
    "resolve_stockout",
    "cancel_unpaid",
    "rate",
    "dropship",
    "edit",
)


def _literal_actions() -> set[str]:
    """Every `InvalidTransition(..., action="…")` written with a literal in the code."""
    package = Path(state_names.__file__).resolve().parents[1]
    pattern = re.compile(r'InvalidTransition\([^)]*action="([a-z_]+)"')
    return {name for path in package.rglob("*.py") for name in pattern.findall(path.read_text(encoding="utf-8"))}


def _tables() -> list[TransitionTable[Any, Any]]:
    tables = []
    for name in STATE_MODULES:
        module = importlib.import_module(name)
        tables += [value for value in vars(module).values() if isinstance(value, TransitionTable)]
    return tables


def test_the_message_names_status_and_action_in_english() -> None:
    """Issue 17 B: labels, not codes, in the message; codes in the details."""
    with translation.override("en"), pytest.raises(InvalidTransition) as raised:
        TABLE.next_status("approved", OrderAction.HOLD)

    assert raised.value.message == "Cannot hold for review: the order is “Approved”."
    assert raised.value.details == {"current_status": "approved", "action": "hold"}


def test_the_chinese_message_names_the_status_by_its_chinese_label() -> None:
    """Issue 17 B: no raw status code in the Chinese message."""
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as raised:
        TABLE.next_status("approved", OrderAction.HOLD)

    assert "已审核" in raised.value.message
    assert "approved" not in raised.value.message
    assert raised.value.details == {"current_status": "approved", "action": "hold"}


def test_every_table_action_and_every_direct_action_has_a_name() -> None:
    """Issue 17 B: each action an illegal move can name has a translatable name."""
    tables = _tables()
    assert len(tables) >= 10
    actions = {str(action.value) for table in tables for (_status, action) in table.moves}
    actions |= set(DIRECT_ACTIONS) | _literal_actions()

    assert sorted(actions - set(state_names.ACTION_NAMES)) == []
    assert sorted(table.entity for table in tables if table.entity not in state_names.ENTITY_NAMES) == []


def test_every_table_status_has_a_label() -> None:
    """Issue 17 B: each status of each table is named by a label, not its code."""
    unnamed = [
        (table.entity, str(status.value))
        for table in _tables()
        for status in table.statuses
        if str(status.value) not in state_names.status_labels(table.entity)
    ]
    assert unnamed == []


def test_an_unknown_code_is_shown_as_it_is() -> None:
    with translation.override("en"):
        message = InvalidTransition(current="nowhere", action="fly", entity="spaceship").message

    assert message == "Cannot fly: the spaceship is “nowhere”."
