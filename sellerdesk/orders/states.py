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
}

OPEN_STATUSES = frozenset(
    {
        S.UNPAID,
        S.PENDING_REVIEW,
        S.ON_HOLD,
        S.APPROVED,
        S.STOCKOUT,
        S.ALLOCATED,
        S.PICKING,
        S.PACKED,
        S.SHIPPED,
        S.DELIVERED,
    }
)


def next_status(current: str, action: OrderAction) -> OrderStatus:
    try:
        return TRANSITIONS[(OrderStatus(current), action)]
    except (KeyError, ValueError):
        raise InvalidTransition(current=current, action=action.value) from None


TABLE: TransitionTable[OrderStatus, OrderAction] = TransitionTable(
    entity="order", statuses=OrderStatus, moves=TRANSITIONS
)
# Sets of statuses read from the table, for checks and `status__in=` filters.
statuses_allowing = TABLE.statuses_allowing
target_of = TABLE.target_of
allows = TABLE.allows


# Moves only the allocator and the warehouse screens make, never offered as order buttons.
SYSTEM_ACTIONS = frozenset({A.ALLOCATE, A.SHORT, A.PICK, A.PACK})


def allowed_actions(current: str) -> list[OrderAction]:
    return [action for (status, action) in TRANSITIONS if status == current and action not in SYSTEM_ACTIONS]


def initial_status(payment_method: str) -> OrderStatus:
    """Cash-on-delivery orders skip payment and go straight to review."""
    return S.PENDING_REVIEW if payment_method == "cod" else S.UNPAID
