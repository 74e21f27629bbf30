"""The wave's transition table (波次), free of the database; and the order statuses the
warehouse works with, read from the order's table.

A wave is picking until its pick is confirmed, then picked while its orders are
checked and packed; it is done once none of its orders is still in the warehouse
(shipped, cancelled or short), which may happen before the pick is confirmed.
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.core.transitions import TransitionTable
from sellerdesk.fulfilment.models import WaveStatus
from sellerdesk.orders import states as order_states
from sellerdesk.orders.states import OrderAction


class WaveAction(StrEnum):
    CONFIRM_PICK = "confirm_pick"
    # An order of the wave is checked and packed (the wave's status stays).
    PACK = "pack"
    CLOSE = "close"


S, A = WaveStatus, WaveAction

TRANSITIONS: dict[tuple[WaveStatus, WaveAction], WaveStatus] = {
    (S.PICKING, A.CONFIRM_PICK): S.PICKED,
    (S.PICKING, A.CLOSE): S.DONE,
    (S.PICKED, A.PACK): S.PICKED,
    (S.PICKED, A.CLOSE): S.DONE,
}

TABLE: TransitionTable[WaveStatus, WaveAction] = TransitionTable(entity="wave", statuses=WaveStatus, moves=TRANSITIONS)
next_status = TABLE.next_status
statuses_allowing = TABLE.statuses_allowing
target_of = TABLE.target_of
allows = TABLE.allows

# Orders a wave may take: those the order's table lets the warehouse start picking.
ORDERS_TO_PICK = order_states.statuses_allowing(OrderAction.PICK)
# Orders being picked, that the packing check takes (and the pick confirms): those the
# order's table lets the warehouse pack.
ORDERS_TO_PACK = order_states.statuses_allowing(OrderAction.PACK)
# A packed order: checked and labelled, waiting for the scan-out to hand its parcel over.
PACKED_ORDER = order_states.target_of(OrderAction.PACK)
# Orders in the warehouse's hands: picked into a wave and not yet shipped (their pick
# lines still hold units in the bins; their wave is not done).
ORDERS_IN_WAREHOUSE = frozenset({order_states.target_of(OrderAction.PICK), order_states.target_of(OrderAction.PACK)})
