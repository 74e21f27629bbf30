"""The transition tables of transfers (调拨) and stock counts (盘点), free of the database.

A transfer is a draft, shipped (its units in transit), then received — in parts if its
units arrive in parts, received once every unit is; a draft or a shipped transfer may be
cancelled (a shipped one's units not received go back to the source). A
stock count is open while counts are entered, then posted or cancelled.
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.core.transitions import TransitionTable
from sellerdesk.inventory.models import StockCountStatus, TransferStatus


class TransferAction(StrEnum):
    SHIP = "ship"
    RECEIVE = "receive"
    # Part of the units arrived (issue 17 C): the rest stays in transit.
    RECEIVE_PART = "receive_part"
    CANCEL = "cancel"


T, TA = TransferStatus, TransferAction

TRANSFER_TRANSITIONS: dict[tuple[TransferStatus, TransferAction], TransferStatus] = {
    (T.DRAFT, TA.SHIP): T.SHIPPED,
    (T.DRAFT, TA.CANCEL): T.CANCELLED,
    (T.SHIPPED, TA.RECEIVE): T.RECEIVED,
    (T.SHIPPED, TA.RECEIVE_PART): T.SHIPPED,
    (T.SHIPPED, TA.CANCEL): T.CANCELLED,
}

TRANSFERS: TransitionTable[TransferStatus, TransferAction] = TransitionTable(
    entity="transfer", statuses=TransferStatus, moves=TRANSFER_TRANSITIONS
)


class CountAction(StrEnum):
    COUNT = "count"
    POST = "post"
    CANCEL = "cancel"


C, CA = StockCountStatus, CountAction

COUNT_TRANSITIONS: dict[tuple[StockCountStatus, CountAction], StockCountStatus] = {
    (C.OPEN, CA.COUNT): C.OPEN,
    (C.OPEN, CA.POST): C.POSTED,
    (C.OPEN, CA.CANCEL): C.CANCELLED,
}

COUNTS: TransitionTable[StockCountStatus, CountAction] = TransitionTable(
    entity="stock count", statuses=StockCountStatus, moves=COUNT_TRANSITIONS
)


def next_transfer_status(current: str, action: TransferAction) -> TransferStatus:
    """The transfer's status after `action`; InvalidTransition naming both if not allowed."""
    return TRANSFERS.next_status(current, action)


def next_count_status(current: str, action: CountAction) -> StockCountStatus:
    """The count's status after `action`; InvalidTransition naming both if not allowed."""
    return COUNTS.next_status(current, action)
