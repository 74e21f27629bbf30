"""The transition tables of purchase orders, one per kind, free of the database.

A stock purchase order (采购单) is drafted and edited, sent, maybe held in customs until
cleared, received in one or more deliveries, and closed or cancelled. A dropship
purchase (代发) is created sent to its supplier; the seller pays the supplier, the
supplier ships to the buyer, and it is settled when the buyer confirms receipt, or
cancelled with the buyer's order before it ships.
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.core.transitions import TransitionTable
from sellerdesk.purchasing.models import PurchaseKind, PurchaseStatus


class PurchaseAction(StrEnum):
    EDIT = "edit"
    SEND = "send"
    CANCEL = "cancel"
    CUSTOMS = "customs"
    CLEAR = "clear"
    # A delivery that leaves units outstanding, and one that receives the rest.
    RECEIVE = "receive"
    RECEIVE_IN_FULL = "receive_in_full"
    CLOSE = "close"
    # Dropship: the seller pays the supplier, the supplier ships, the buyer's order completes.
    PAY = "pay"
    SHIP = "ship"
    SETTLE = "settle"


S, A = PurchaseStatus, PurchaseAction

STOCK_TRANSITIONS: dict[tuple[PurchaseStatus, PurchaseAction], PurchaseStatus] = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.SEND): S.SENT,
    (S.DRAFT, A.CANCEL): S.CANCELLED,
    (S.SENT, A.CANCEL): S.CANCELLED,
    (S.SENT, A.CUSTOMS): S.CUSTOMS,
    (S.SENT, A.RECEIVE): S.PARTIALLY_RECEIVED,
    (S.SENT, A.CLOSE): S.CLOSED,
    (S.CUSTOMS, A.CUSTOMS): S.CUSTOMS,  # correct the documents or the prepayment
    (S.CUSTOMS, A.CLEAR): S.CUSTOMS,
    (S.CUSTOMS, A.CANCEL): S.CANCELLED,
    (S.CUSTOMS, A.RECEIVE): S.PARTIALLY_RECEIVED,
    (S.CUSTOMS, A.CLOSE): S.CLOSED,
    (S.PARTIALLY_RECEIVED, A.RECEIVE): S.PARTIALLY_RECEIVED,
    (S.PARTIALLY_RECEIVED, A.CLOSE): S.CLOSED,
    (S.SENT, A.RECEIVE_IN_FULL): S.RECEIVED,
    (S.CUSTOMS, A.RECEIVE_IN_FULL): S.RECEIVED,
    (S.PARTIALLY_RECEIVED, A.RECEIVE_IN_FULL): S.RECEIVED,
}

DROPSHIP_TRANSITIONS: dict[tuple[PurchaseStatus, PurchaseAction], PurchaseStatus] = {
    # Paying the supplier changes no status (paid_at is its own fact), before or after shipping.
    (S.SENT, A.PAY): S.SENT,
    (S.SENT, A.SHIP): S.SHIPPED,
    (S.SENT, A.CANCEL): S.CANCELLED,
    (S.SHIPPED, A.PAY): S.SHIPPED,
    (S.SHIPPED, A.SETTLE): S.SETTLED,
}

STOCK: TransitionTable[PurchaseStatus, PurchaseAction] = TransitionTable(
    entity="purchase order", statuses=PurchaseStatus, moves=STOCK_TRANSITIONS
)
DROPSHIP: TransitionTable[PurchaseStatus, PurchaseAction] = TransitionTable(
    entity="purchase order", statuses=PurchaseStatus, moves=DROPSHIP_TRANSITIONS
)
TABLES = {PurchaseKind.STOCK: STOCK, PurchaseKind.DROPSHIP: DROPSHIP}

# Moves the purchase order's page never offers as such: a delivery is one "receive".
SYSTEM_ACTIONS = frozenset({A.RECEIVE_IN_FULL})


def table_for(kind: str) -> TransitionTable[PurchaseStatus, PurchaseAction]:
    """The table of purchase orders of `kind` (stock or dropship)."""
    return TABLES[PurchaseKind(kind)]


def next_status(kind: str, current: str, action: PurchaseAction) -> PurchaseStatus:
    """The status after `action` of a purchase order of `kind`; InvalidTransition naming
    the status and the action when its kind's table has no such move."""
    return table_for(kind).next_status(current, action)


def status_after_receipt(current: str, *, is_complete: bool) -> PurchaseStatus:
    """A stock purchase order's status after a delivery: received once nothing is outstanding."""
    return STOCK.next_status(current, A.RECEIVE_IN_FULL if is_complete else A.RECEIVE)


def page_actions(current: str) -> list[str]:
    """The stock table's moves from `current` that the page may offer, in the table's order."""
    return [action.value for action in STOCK.allowed_actions(current) if action not in SYSTEM_ACTIONS]


# Stock purchase orders still expecting goods (what is "on order").
AWAITING_GOODS = STOCK.statuses_allowing(A.RECEIVE)
# Every status a dropship purchase has (its table's sources and targets): what its lists filter by.
DROPSHIP_STATUSES = frozenset(
    status for (source, _action), target in DROPSHIP_TRANSITIONS.items() for status in (source, target)
)
