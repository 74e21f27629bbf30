"""The wave's transition table, without a database."""

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.fulfilment.models import WaveStatus
from sellerdesk.fulfilment.states import (
    ORDERS_IN_WAREHOUSE,
    ORDERS_TO_PACK,
    ORDERS_TO_PICK,
    PACKED_ORDER,
    TRANSITIONS,
    WaveAction,
    next_status,
    statuses_allowing,
    target_of,
)
from sellerdesk.orders.states import OrderStatus

S, A = WaveStatus, WaveAction

EXPECTED = {
    S.PICKING: {A.CONFIRM_PICK: S.PICKED, A.CLOSE: S.DONE},
    S.PICKED: {A.PACK: S.PICKED, A.CLOSE: S.DONE},
    S.DONE: {},
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    expected = EXPECTED[status].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            next_status(status, action)
        assert raised.value.details == {"current_status": status.value, "action": action.value}
        assert "wave" in raised.value.message
    else:
        assert next_status(status, action) == expected


def test_table_has_no_other_moves() -> None:
    assert {(status, action) for status, moves in EXPECTED.items() for action in moves} == set(TRANSITIONS)


def test_closing_a_wave_is_one_bulk_update() -> None:
    assert statuses_allowing(A.CLOSE) == {S.PICKING, S.PICKED}
    assert target_of(A.CLOSE) == S.DONE
    # Packing waits for the pick to be confirmed.
    assert statuses_allowing(A.PACK) == {S.PICKED}


def test_order_statuses_the_warehouse_works_with_come_from_the_order_table() -> None:
    assert {OrderStatus.ALLOCATED} == ORDERS_TO_PICK
    assert {OrderStatus.PICKING, OrderStatus.PACKED} == ORDERS_IN_WAREHOUSE
    assert {OrderStatus.PICKING} == ORDERS_TO_PACK
    assert OrderStatus.PACKED == PACKED_ORDER


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_status("lost_in_space", A.CLOSE)
