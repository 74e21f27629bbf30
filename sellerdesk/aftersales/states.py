"""The after-sales case's transition table (售后单), free of the database.

requested → approved / rejected; goods that come back: approved → awaiting return →
received → inspected; then money (refunding → refunded), a replacement or the repaired
goods going out (replacement shipped), or a repair first (repairing). Every path ends
closed. Canceled (the buyer withdraws) and disputed (纠纷) are side states; a dispute
ends in a ruling for the buyer (back to approved) or for the seller (closed).

Which path a case takes depends on its type; the actions (aftersales.actions) pick the
move, the table says whether the move exists from the case's status.
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.aftersales.models import CaseStatus
from sellerdesk.core.transitions import TransitionTable


class CaseAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    # The goods are to come back: wait for the return parcel.
    AWAIT_RETURN = "await_return"
    RECEIVE = "receive"
    INSPECT = "inspect"
    REPAIR = "repair"
    REFUND = "refund"
    # The gateway (or the bank transfer's proof) confirms the money went back.
    COMPLETE_REFUND = "complete_refund"
    # A replacement, reissued parts or the repaired goods went out as an order.
    SHIP_REPLACEMENT = "ship_replacement"
    # A complaint solved, a finished refund or replacement: the case is done.
    CLOSE = "close"
    DISPUTE = "dispute"
    RULE_FOR_BUYER = "rule_for_buyer"
    RULE_FOR_SELLER = "rule_for_seller"


S, A = CaseStatus, CaseAction

TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (S.REQUESTED, A.APPROVE): S.APPROVED,
    (S.REQUESTED, A.REJECT): S.REJECTED,
    (S.REQUESTED, A.CANCEL): S.CANCELED,
    (S.REQUESTED, A.DISPUTE): S.DISPUTED,
    (S.APPROVED, A.AWAIT_RETURN): S.AWAITING_RETURN,
    (S.APPROVED, A.REFUND): S.REFUNDING,
    (S.APPROVED, A.SHIP_REPLACEMENT): S.REPLACEMENT_SHIPPED,
    (S.APPROVED, A.CLOSE): S.CLOSED,
    (S.APPROVED, A.CANCEL): S.CANCELED,
    (S.APPROVED, A.DISPUTE): S.DISPUTED,
    (S.REJECTED, A.DISPUTE): S.DISPUTED,
    (S.REJECTED, A.CLOSE): S.CLOSED,
    (S.AWAITING_RETURN, A.RECEIVE): S.RECEIVED,
    (S.AWAITING_RETURN, A.CANCEL): S.CANCELED,
    (S.AWAITING_RETURN, A.DISPUTE): S.DISPUTED,
    # Reasons that need no inspection go straight from received to the money.
    (S.RECEIVED, A.INSPECT): S.INSPECTED,
    (S.RECEIVED, A.REFUND): S.REFUNDING,
    (S.RECEIVED, A.DISPUTE): S.DISPUTED,
    (S.INSPECTED, A.REFUND): S.REFUNDING,
    (S.INSPECTED, A.SHIP_REPLACEMENT): S.REPLACEMENT_SHIPPED,
    (S.INSPECTED, A.REPAIR): S.REPAIRING,
    # Inspection failed and nothing is owed: the case ends (the buyer may dispute first).
    (S.INSPECTED, A.CLOSE): S.CLOSED,
    (S.INSPECTED, A.DISPUTE): S.DISPUTED,
    (S.REPAIRING, A.SHIP_REPLACEMENT): S.REPLACEMENT_SHIPPED,
    (S.REFUNDING, A.COMPLETE_REFUND): S.REFUNDED,
    (S.REFUNDED, A.CLOSE): S.CLOSED,
    (S.REFUNDED, A.DISPUTE): S.DISPUTED,
    (S.REPLACEMENT_SHIPPED, A.CLOSE): S.CLOSED,
    (S.REPLACEMENT_SHIPPED, A.DISPUTE): S.DISPUTED,
    (S.DISPUTED, A.RULE_FOR_BUYER): S.APPROVED,
    (S.DISPUTED, A.RULE_FOR_SELLER): S.CLOSED,
}

TABLE: TransitionTable[CaseStatus, CaseAction] = TransitionTable(
    entity="after-sales case", statuses=CaseStatus, moves=TRANSITIONS
)
next_status = TABLE.next_status
statuses_allowing = TABLE.statuses_allowing
target_of = TABLE.target_of
allows = TABLE.allows
allowed_actions = TABLE.allowed_actions

# Statuses the case may still leave: the queue's "open" cases.
OPEN_STATUSES = frozenset(status for (status, _action) in TRANSITIONS)
