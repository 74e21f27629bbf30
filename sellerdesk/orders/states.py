"""The order's transition table, in one place and free of the database.

`status` is the core flow; payment status and fulfilment facts live in their own
fields (see models.Order). Every move goes through `next_status`, which raises
InvalidTransition naming the current status and the attempted action.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.errors import InvalidTransition
from sellerdesk.core.transitions import TransitionTable


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PENDING_REVIEW = "pending_review", _("Pending review")
    ON_HOLD = "on_hold", _("On hold")
    APPROVED = "approved", _("Approved")
    STOCKOUT = "stockout", _("Out of stock")
    ALLOCATED = "allocated", _("Allocated")
    PICKING = "picking", _("Picking")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    # The buyer refused the parcel (拒收) or it came back undelivered: an end, never a sale.
    REFUSED = "refused", _("Refused")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    COD = "cod", _("Cash on delivery")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


class OrderAction(StrEnum):
    PAY = "pay"
    REPRICE = "reprice"
    APPROVE = "approve"
    HOLD = "hold"
    ALLOCATE = "allocate"
    SHORT = "short"
    PICK = "pick"
    PACK = "pack"
    SHIP = "ship"
    DELIVER = "deliver"
    CONFIRM_RECEIPT = "confirm_receipt"
    CANCEL = "cancel"
    EXPIRE = "expire"
    # orders.merging: each closes the order it acts on (the merged order and the parts are
    # new orders); RESUME brings an original back when its merge is undone.
    MERGE = "merge"
    SPLIT = "split"
    UNMERGE = "unmerge"
    RESUME = "resume"
    # allocation.shortages: the buyer of a stockout order agreed to a backorder; the order
    # is approved again so that it may be split into the part there now and the part short.
    BACKORDER = "backorder"
    # logistics: the carrier reports the parcel refused by the buyer or coming back.
    REFUSE = "refuse"


S, A = OrderStatus, OrderAction

TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (S.UNPAID, A.PAY): S.PENDING_REVIEW,
    (S.UNPAID, A.REPRICE): S.UNPAID,
    (S.UNPAID, A.CANCEL): S.CLOSED,
    (S.UNPAID, A.EXPIRE): S.CLOSED,
    (S.PENDING_REVIEW, A.APPROVE): S.APPROVED,
    (S.PENDING_REVIEW, A.CANCEL): S.CLOSED,
    # Review found something a person must look at (the exception queue).
    (S.PENDING_REVIEW, A.HOLD): S.ON_HOLD,
    (S.ON_HOLD, A.APPROVE): S.APPROVED,
    (S.ON_HOLD, A.CANCEL): S.CLOSED,
    (S.APPROVED, A.SHIP): S.SHIPPED,
    (S.APPROVED, A.CANCEL): S.CLOSED,
    # Allocation (allocation): a warehouse has every line, or the order is short.
    (S.APPROVED, A.ALLOCATE): S.ALLOCATED,
    (S.APPROVED, A.SHORT): S.STOCKOUT,
    (S.STOCKOUT, A.ALLOCATE): S.ALLOCATED,
    (S.STOCKOUT, A.CANCEL): S.CLOSED,
    (S.STOCKOUT, A.BACKORDER): S.APPROVED,
    # A stock count or a picker finds fewer units than were allocated.
    (S.ALLOCATED, A.SHORT): S.STOCKOUT,
    (S.ALLOCATED, A.SHIP): S.SHIPPED,
    (S.ALLOCATED, A.CANCEL): S.CLOSED,
    # The warehouse (fulfilment): picked in a wave or by order, checked and packed, shipped.
    (S.ALLOCATED, A.PICK): S.PICKING,
    (S.PICKING, A.PACK): S.PACKED,
    (S.PICKING, A.SHORT): S.STOCKOUT,
    (S.PICKING, A.SHIP): S.SHIPPED,
    (S.PICKING, A.CANCEL): S.CLOSED,
    (S.PACKED, A.SHIP): S.SHIPPED,
    (S.PACKED, A.CANCEL): S.CLOSED,
    (S.SHIPPED, A.DELIVER): S.DELIVERED,
    # A buyer may confirm receipt before the carrier reports delivery, as on Taobao.
    (S.SHIPPED, A.CONFIRM_RECEIPT): S.COMPLETED,
    (S.DELIVERED, A.CONFIRM_RECEIPT): S.COMPLETED,
    # The parcel was refused (拒收, e.g. cash on delivery) or came back, before or after a
    # delivery scan: the order ends as refused, never confirmed received (logistics.returns).
    (S.SHIPPED, A.REFUSE): S.REFUSED,
    (S.DELIVERED, A.REFUSE): S.REFUSED,
    # Merging, splitting and unmerging (orders.merging), only before the warehouse has the order.
    (S.UNPAID, A.MERGE): S.CLOSED,
    (S.PENDING_REVIEW, A.MERGE): S.CLOSED,
    (S.ON_HOLD, A.MERGE): S.CLOSED,
    (S.APPROVED, A.MERGE): S.CLOSED,
    # Allocated, not yet picked: its reservations move to the merged order, which is
    # reviewed and allocated again as one (issue 17).
    (S.ALLOCATED, A.MERGE): S.CLOSED,
    (S.UNPAID, A.SPLIT): S.CLOSED,
    (S.PENDING_REVIEW, A.SPLIT): S.CLOSED,
    (S.ON_HOLD, A.SPLIT): S.CLOSED,
    (S.APPROVED, A.SPLIT): S.CLOSED,
    (S.UNPAID, A.UNMERGE): S.CLOSED,
    (S.PENDING_REVIEW, A.UNMERGE): S.CLOSED,
    (S.ON_HOLD, A.UNMERGE): S.CLOSED,
    (S.APPROVED, A.UNMERGE): S.CLOSED,
}

# Statuses the order may still leave: every status with a move (not completed, closed or refused).
OPEN_STATUSES = frozenset(status for (status, _action) in TRANSITIONS)


TABLE: TransitionTable[OrderStatus, OrderAction] = TransitionTable(
    entity="order", statuses=OrderStatus, moves=TRANSITIONS
)


def next_status(current: str, action: OrderAction) -> OrderStatus:
    """The status after `action` from `current`; InvalidTransition naming both if the table
    has no such move. RESUME is never in the table: its target is the status the order had
    before its merge, so it goes through `resumed_status`."""
    return TABLE.next_status(current, action)


# Sets of statuses read from the table, for checks and `status__in=` filters.
statuses_allowing = TABLE.statuses_allowing
target_of = TABLE.target_of
allows = TABLE.allows


def resumed_status(current: str, *, before_merge: str) -> OrderStatus:
    """An original order closed by a merge, back in the status it had before (unmerge).
    InvalidTransition unless it is closed and that status is one a merge may close."""
    if current != S.CLOSED or not allows(before_merge, A.MERGE):
        raise InvalidTransition(current=current, action=A.RESUME.value)
    return OrderStatus(before_merge)


# Moves only the allocator and the warehouse screens make, never offered as order buttons.
SYSTEM_ACTIONS = frozenset({A.ALLOCATE, A.SHORT, A.PICK, A.PACK, A.BACKORDER, A.REFUSE})
# Moves of the merge and split screens, not buttons of the order page either.
MERGING_ACTIONS = frozenset({A.MERGE, A.SPLIT, A.UNMERGE, A.RESUME})


def allowed_actions(current: str) -> list[OrderAction]:
    """The moves from `current` a person makes from the order page (its buttons)."""
    return [
        action
        for action in TABLE.allowed_actions(current)
        if action not in SYSTEM_ACTIONS and action not in MERGING_ACTIONS
    ]


def initial_status(payment_method: str) -> OrderStatus:
    """Cash-on-delivery orders skip payment and go straight to review."""
    return S.PENDING_REVIEW if payment_method == "cod" else S.UNPAID


def reachable_from(start: OrderStatus, *, without: frozenset[OrderAction] = frozenset()) -> frozenset[OrderStatus]:
    """`start` and every status the table leads to from it, not using the actions `without`."""
    found = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for (status, action), target in TRANSITIONS.items():
            if status == current and action not in without and target not in found:
                found.add(target)
                frontier.append(target)
    return frozenset(found)


# Moves that end an order's life without it being fulfilled.
CLOSING_ACTIONS = frozenset({A.CANCEL, A.EXPIRE, A.MERGE, A.SPLIT, A.UNMERGE, A.REFUSE})
# Money may be recorded for an order awaiting payment; for a cash-on-delivery order, in any
# status it passes through while it lives (the carrier's cash is recorded when it comes in).
PAYABLE_STATUSES = statuses_allowing(A.PAY)
COD_PAYABLE_STATUSES = reachable_from(initial_status("cod"), without=CLOSING_ACTIONS)
# A parcel may be booked for an order that may still ship, or has shipped (another parcel).
BOOKABLE_STATUSES = statuses_allowing(A.SHIP) | {target_of(A.SHIP)}
# An order in these statuses may have a parcel booked and not yet handed over: it was
# bookable before shipping, and has not shipped or closed since (it may have gone short,
# and come back). Cancelling it stops that parcel (截单).
MAY_HAVE_PARCELS_NOT_HANDED_OVER = frozenset(
    status
    for bookable in statuses_allowing(A.SHIP)
    for status in reachable_from(bookable, without=CLOSING_ACTIONS | {A.SHIP})
)
# Shipped and not yet confirmed received: tracked, and its automatic confirmation may be extended.
AWAITING_RECEIPT = statuses_allowing(A.CONFIRM_RECEIPT)
# Before the warehouse has the order (allocation has not chosen a warehouse, found it short,
# or passed it on to be picked): the statuses an order may be split from. Its address and
# carrier may still change (orders.changes).
BEFORE_THE_WAREHOUSE = statuses_allowing(A.SPLIT)
# The statuses a merge may close (those before the warehouse, and allocated orders not yet
# picked): the merge action, its screens and the review's merge-candidate rule read this.
MERGEABLE = statuses_allowing(A.MERGE)


# --- holds ---------------------------------------------------------------------------------
# A hold (one reason an order waits in the exception queue) is open until it is resolved,
# when the order is released, cancelled or the reason is answered. Its status is not a
# column: an open hold has no resolution time (OrderHold.resolved_at).


class HoldStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class HoldAction(StrEnum):
    RESOLVE = "resolve"


HOLD_TRANSITIONS: dict[tuple[HoldStatus, HoldAction], HoldStatus] = {
    (HoldStatus.OPEN, HoldAction.RESOLVE): HoldStatus.RESOLVED,
}

HOLDS: TransitionTable[HoldStatus, HoldAction] = TransitionTable(
    entity="hold", statuses=HoldStatus, moves=HOLD_TRANSITIONS
)


def hold_status(*, is_resolved: bool) -> HoldStatus:
    """The status of a hold, from whether it has a resolution time."""
    return HoldStatus.RESOLVED if is_resolved else HoldStatus.OPEN
