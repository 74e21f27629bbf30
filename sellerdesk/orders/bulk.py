"""Bulk moves on many orders at once (the order list's checkboxes, `POST /orders/bulk`).

Each order is done by the existing action, in its own transaction: it is either done
or untouched, and one refusal does not stop the others. The answer says, per order,
done or refused with the action's reason in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import DomainError, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.assignment import assign_order, is_assignable
from sellerdesk.orders.queries import get_order
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.orders.states import OrderStatus
from sellerdesk.orders.timeline import status_label

# One request does at most this many orders (each is its own transaction).
BULK_MAX = 500


class BulkAction(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    RELEASE = "release"
    ASSIGN = "assign"


BULK_LABELS: dict[BulkAction, Promise] = {
    BulkAction.APPROVE: gettext_lazy("Approve"),
    BulkAction.HOLD: gettext_lazy("Hold for review"),
    BulkAction.RELEASE: gettext_lazy("Release and approve"),
    BulkAction.ASSIGN: gettext_lazy("Assign to"),
}

# The permission each bulk move needs: the one its single-order action checks.
BULK_PERMISSIONS: dict[BulkAction, str] = {
    BulkAction.APPROVE: "orders.approve",
    BulkAction.HOLD: "orders.hold",
    BulkAction.RELEASE: "orders.release",
    BulkAction.ASSIGN: "orders.assign",
}


@dataclass(frozen=True)
class BulkResult:
    """One order's outcome: done, or refused with the error's code and its reason."""

    number: str
    ok: bool
    code: str = ""
    message: str = ""


ACTION_LABELS: dict[str, Promise] = {
    "pay": gettext_lazy("record a payment"),
    "reprice": gettext_lazy("change prices"),
    "approve": gettext_lazy("approve"),
    "ship": gettext_lazy("ship"),
    "deliver": gettext_lazy("mark as delivered"),
    "confirm_receipt": gettext_lazy("confirm receipt"),
    "cancel": gettext_lazy("cancel"),
    "expire": gettext_lazy("close as unpaid"),
    "hold": gettext_lazy("be held for review"),
    "release": gettext_lazy("be released"),
    "review": gettext_lazy("be reviewed"),
}


def refusal_text(error: DomainError) -> str:
    """A refused order action as one line in the reader's language: an illegal move names
    the translated status and move (the error itself names raw codes); a validation
    error adds each bad field and why."""
    if isinstance(error, InvalidTransition):
        return _("An order that is “%(status)s” cannot %(action)s.") % {
            "status": status_label(error.current),
            "action": ACTION_LABELS.get(error.action, error.action),
        }
    text = error.message
    if isinstance(error, ValidationFailed):
        text += " " + "; ".join(f"{field}: {reason}" for field, reason in error.fields.items())
    return text


def run_bulk(
    *,
    action: BulkAction,
    numbers: list[str],
    actor: User | None,
    reason: str = "",
    note: str = "",
    assignee: User | None = None,
) -> list[BulkResult]:
    """Do `action` to each order of `numbers` (repeats once, in the order given) and
    return one result per order. Refused as a whole, before any order is touched, when
    the actor lacks the move's permission, there are more than BULK_MAX orders, a hold
    has no reason or an assignee is no active staff; otherwise each order is done by its
    own action in its own transaction, and an order that cannot be is left untouched."""
    require(actor, BULK_PERMISSIONS[action])
    numbers = list(dict.fromkeys(number.strip() for number in numbers if number.strip()))
    if not numbers:
        raise ValidationFailed({"orders": _("tick at least one order")})
    if len(numbers) > BULK_MAX:
        raise ValidationFailed({"orders": _("at most %(n)s orders at once") % {"n": BULK_MAX}})
    if action == BulkAction.HOLD and not reason.strip():
        raise ValidationFailed({"reason": _("say why the orders are held")})
    if action == BulkAction.ASSIGN and assignee is not None and not is_assignable(assignee):
        raise ValidationFailed({"assignee": _("%(name)s is not active staff") % {"name": assignee.username}})
    results = []
    for number in numbers:
        try:
            _do(action, number=number, actor=actor, reason=reason, note=note, assignee=assignee)
        except DomainError as error:
            results.append(BulkResult(number, False, error.code, refusal_text(error)))
        else:
            results.append(BulkResult(number, True))
    return results


def _do(action: BulkAction, *, number: str, actor: User | None, reason: str, note: str, assignee: User | None) -> None:
    order = get_order(number=number, actor=actor)
    if action == BulkAction.APPROVE:
        if order.status == OrderStatus.ON_HOLD:
            # Approving a held order is releasing it (its holds are resolved), as on the order page.
            review_actions.release_order(order=order, actor=actor, note=note)
        else:
            order_actions.approve_order(order=order, actor=actor)
    elif action == BulkAction.HOLD:
        review_actions.hold_order(order=order, actor=actor, reason=reason)
    elif action == BulkAction.RELEASE:
        review_actions.release_order(order=order, actor=actor, note=note)
    else:
        assign_order(order=order, actor=actor, assignee=assignee)
