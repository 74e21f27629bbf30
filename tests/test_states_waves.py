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
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = WaveStatus, WaveAction

EXPECTED = {
    S.PICKING: {A.CONFIRM_PICK: S.PICKED, A.CLOSE: S.DONE},
    S.PICKED: {A.PACK: S.PICKED, A.CLOSE: S.DONE},
    S.DONE: {},
}


@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action(status: S, action: A) -> None:
    assert_pair(next_status, EXPECTED, status=status, action=action, entity="wave")


def test_table_has_no_other_moves() -> None:
    assert_no_other_moves(EXPECTED, TRANSITIONS)


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
