"""The transition tables of stock purchase orders and dropship purchases, without a database."""

from functools import partial

import pytest

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.orders.states import OrderStatus
from sellerdesk.purchasing.dropship import ORDERABLE_STATUSES
from sellerdesk.purchasing.models import PurchaseKind, PurchaseStatus
from sellerdesk.purchasing.states import (
    AWAITING_GOODS,
    DROPSHIP_STATUSES,
    DROPSHIP_TRANSITIONS,
    STOCK_TRANSITIONS,
    PurchaseAction,
    next_status,
    page_actions,
    status_after_receipt,
)
from tests.support.transition_tables import assert_no_other_moves, assert_pair, every_pair

S, A = PurchaseStatus, PurchaseAction

STOCK = {
    S.DRAFT: {A.EDIT: S.DRAFT, A.SEND: S.SENT, A.CANCEL: S.CANCELLED},
    S.SENT: {
        A.CANCEL: S.CANCELLED,
        A.CUSTOMS: S.CUSTOMS,
        A.RECEIVE: S.PARTIALLY_RECEIVED,
        A.RECEIVE_IN_FULL: S.RECEIVED,
        A.CLOSE: S.CLOSED,
    },
    S.CUSTOMS: {
        A.CUSTOMS: S.CUSTOMS,
        A.CLEAR: S.CUSTOMS,
        A.CANCEL: S.CANCELLED,
        A.RECEIVE: S.PARTIALLY_RECEIVED,
        A.RECEIVE_IN_FULL: S.RECEIVED,
        A.CLOSE: S.CLOSED,
    },
    S.PARTIALLY_RECEIVED: {A.RECEIVE: S.PARTIALLY_RECEIVED, A.RECEIVE_IN_FULL: S.RECEIVED, A.CLOSE: S.CLOSED},
    S.RECEIVED: {},
    S.SHIPPED: {},
    S.SETTLED: {},
    S.CLOSED: {},
    S.CANCELLED: {},
}
DROPSHIP = {
    S.DRAFT: {},
    S.SENT: {A.PAY: S.SENT, A.SHIP: S.SHIPPED, A.CANCEL: S.CANCELLED},
    S.CUSTOMS: {},
    S.PARTIALLY_RECEIVED: {},
    S.RECEIVED: {},
    S.SHIPPED: {A.PAY: S.SHIPPED, A.SETTLE: S.SETTLED},
    S.SETTLED: {},
    S.CLOSED: {},
    S.CANCELLED: {},
}
EXPECTED = {PurchaseKind.STOCK: STOCK, PurchaseKind.DROPSHIP: DROPSHIP}


@pytest.mark.parametrize("kind", list(PurchaseKind))
@pytest.mark.parametrize(("status", "action"), every_pair(S, A))
def test_every_pair_of_status_and_action_of_each_kind(kind: PurchaseKind, status: S, action: A) -> None:
    assert_pair(partial(next_status, kind), EXPECTED[kind], status=status, action=action, entity="purchase order")


def test_tables_have_no_other_moves() -> None:
    assert_no_other_moves(STOCK, STOCK_TRANSITIONS)
    assert_no_other_moves(DROPSHIP, DROPSHIP_TRANSITIONS)


def test_a_delivery_receives_in_part_or_in_full() -> None:
    assert status_after_receipt(S.SENT, is_complete=False) == S.PARTIALLY_RECEIVED
    assert status_after_receipt(S.PARTIALLY_RECEIVED, is_complete=True) == S.RECEIVED
    with pytest.raises(InvalidTransition):
        status_after_receipt(S.DRAFT, is_complete=True)


def test_the_page_offers_one_receive() -> None:
    assert page_actions(S.DRAFT) == ["edit", "send", "cancel"]
    assert page_actions(S.SENT) == ["cancel", "customs", "receive", "close"]
    assert page_actions(S.CUSTOMS) == ["customs", "clear", "cancel", "receive", "close"]
    assert page_actions(S.PARTIALLY_RECEIVED) == ["receive", "close"]
    assert page_actions(S.RECEIVED) == []


def test_sets_read_from_the_tables() -> None:
    assert {S.SENT, S.CUSTOMS, S.PARTIALLY_RECEIVED} == AWAITING_GOODS
    assert {OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD, OrderStatus.APPROVED} == ORDERABLE_STATUSES
    assert {S.SENT, S.SHIPPED, S.SETTLED, S.CANCELLED} == DROPSHIP_STATUSES


def test_unknown_status_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        next_status(PurchaseKind.STOCK, "lost_in_space", A.SEND)
