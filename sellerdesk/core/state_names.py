"""The words an illegal move is told in, translated: each kind of record's name, its
statuses' labels and the actions' names.

An InvalidTransition carries codes (`approved`, `hold`) for programs; its message is
for people and says "不能挂起审核：订单状态为“已审核”", never "状态为 approved 的order不能执行
hold". Status labels come from each status enum's choices, registered by the app's
TransitionTable (core.transitions) or by `register_statuses`; the names of kinds and
actions are here, one table, with the message context "state machine" (the same English
word means other things elsewhere: "import", "review").
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# Every name below has the message context "state machine", written out in each call:
# makemessages reads only a literal context.

ENTITY_NAMES: dict[str, Promise] = {
    "order": pgettext_lazy("state machine", "order"),
    "hold": pgettext_lazy("state machine", "hold"),
    "transfer": pgettext_lazy("state machine", "transfer"),
    "stock count": pgettext_lazy("state machine", "stock count"),
    "shipment": pgettext_lazy("state machine", "shipment"),
    "purchase order": pgettext_lazy("state machine", "purchase order"),
    "dropship purchase order": pgettext_lazy("state machine", "dropship purchase order"),
    "return to supplier": pgettext_lazy("state machine", "return to supplier"),
    "after-sales case": pgettext_lazy("state machine", "after-sales case"),
    "conversation": pgettext_lazy("state machine", "conversation"),
    "wave": pgettext_lazy("state machine", "wave"),
    "import": pgettext_lazy("state machine", "import"),
}

# Every action an InvalidTransition names: the transition tables' actions and the names
# the actions raise with directly. A verb phrase that reads after "Cannot ".
ACTION_NAMES: dict[str, Promise] = {
    "allocate": pgettext_lazy("state machine", "allocate stock"),
    "approve": pgettext_lazy("state machine", "approve"),
    "await_return": pgettext_lazy("state machine", "wait for the return"),
    "backorder": pgettext_lazy("state machine", "backorder"),
    "book": pgettext_lazy("state machine", "book with the carrier"),
    "book_pickup": pgettext_lazy("state machine", "book a pickup"),
    "cancel": pgettext_lazy("state machine", "cancel"),
    "cancel_unpaid": pgettext_lazy("state machine", "cancel as unpaid"),
    "carry": pgettext_lazy("state machine", "mark as in transit"),
    "change_lines": pgettext_lazy("state machine", "change the lines"),
    "choose_carrier": pgettext_lazy("state machine", "choose the carrier"),
    "clear": pgettext_lazy("state machine", "clear customs"),
    "close": pgettext_lazy("state machine", "close"),
    "commit": pgettext_lazy("state machine", "commit"),
    "complete_refund": pgettext_lazy("state machine", "complete the refund"),
    "confirm_pick": pgettext_lazy("state machine", "confirm the pick"),
    "confirm_receipt": pgettext_lazy("state machine", "confirm receipt"),
    "correct_address": pgettext_lazy("state machine", "correct the address"),
    "count": pgettext_lazy("state machine", "record counts"),
    "create_shipment": pgettext_lazy("state machine", "create a shipment"),
    "customs": pgettext_lazy("state machine", "declare to customs"),
    "deliver": pgettext_lazy("state machine", "mark as delivered"),
    "discard": pgettext_lazy("state machine", "discard"),
    "dispute": pgettext_lazy("state machine", "dispute"),
    "dropship": pgettext_lazy("state machine", "dropship"),
    "edit": pgettext_lazy("state machine", "edit"),
    "expire": pgettext_lazy("state machine", "close as unpaid"),
    "extend_receipt": pgettext_lazy("state machine", "extend the receipt deadline"),
    "fail_booking": pgettext_lazy("state machine", "mark the booking failed"),
    "hand_over": pgettext_lazy("state machine", "hand over to the carrier"),
    "hold": pgettext_lazy("state machine", "hold for review"),
    "inspect": pgettext_lazy("state machine", "inspect"),
    "intercept": pgettext_lazy("state machine", "intercept"),
    "lose": pgettext_lazy("state machine", "mark as lost"),
    "merge": pgettext_lazy("state machine", "merge"),
    "pack": pgettext_lazy("state machine", "pack"),
    "pay": pgettext_lazy("state machine", "record a payment"),
    "pick": pgettext_lazy("state machine", "pick"),
    "post": pgettext_lazy("state machine", "post the count"),
    "rate": pgettext_lazy("state machine", "rate"),
    "receive": pgettext_lazy("state machine", "receive"),
    "receive_in_full": pgettext_lazy("state machine", "receive in full"),
    "receive_part": pgettext_lazy("state machine", "receive in part"),
    "refund": pgettext_lazy("state machine", "refund"),
    "refuse": pgettext_lazy("state machine", "mark as refused"),
    "register_return": pgettext_lazy("state machine", "register the return"),
    "reject": pgettext_lazy("state machine", "reject"),
    "release": pgettext_lazy("state machine", "release"),
    "reopen": pgettext_lazy("state machine", "reopen"),
    "repair": pgettext_lazy("state machine", "repair"),
    "reprice": pgettext_lazy("state machine", "change prices"),
    "resolve": pgettext_lazy("state machine", "resolve"),
    "resolve_stockout": pgettext_lazy("state machine", "resolve the stockout"),
    "resume": pgettext_lazy("state machine", "bring back"),
    "return": pgettext_lazy("state machine", "mark as returned"),
    "review": pgettext_lazy("state machine", "review"),
    "rule_for_buyer": pgettext_lazy("state machine", "rule for the buyer"),
    "rule_for_seller": pgettext_lazy("state machine", "rule for the seller"),
    "send": pgettext_lazy("state machine", "send"),
    "send_out_for_delivery": pgettext_lazy("state machine", "send out for delivery"),
    "settle": pgettext_lazy("state machine", "settle"),
    "ship": pgettext_lazy("state machine", "ship"),
    "ship_replacement": pgettext_lazy("state machine", "ship a replacement"),
    "short": pgettext_lazy("state machine", "mark as out of stock"),
    "snooze": pgettext_lazy("state machine", "snooze"),
    "split": pgettext_lazy("state machine", "split"),
    "start_return": pgettext_lazy("state machine", "start the return"),
    "track": pgettext_lazy("state machine", "track"),
    "unmerge": pgettext_lazy("state machine", "undo the merge"),
    "wait": pgettext_lazy("state machine", "wait for the buyer"),
    "withdraw_booking": pgettext_lazy("state machine", "withdraw the booking"),
}

# Status labels per kind of record: code → label.
_STATUS_LABELS: dict[str, Mapping[str, Promise | str]] = {
    # The hold table's statuses are a plain enum (no choices of their own).
    "hold": {"open": pgettext_lazy("state machine", "open"), "resolved": pgettext_lazy("state machine", "resolved")},
}
# Kinds named differently in errors whose statuses are another kind's.
_SAME_STATUSES = {"dropship purchase order": "purchase order"}


def register_statuses(entity: str, labels: Mapping[str, Promise | str]) -> None:
    """Make `labels` (a status enum's `dict(choices)`) the labels of `entity`'s statuses."""
    _STATUS_LABELS.setdefault(entity, dict(labels))


def entity_name(entity: str) -> str:
    """The kind of record in the active language; the code itself if it has no name."""
    return str(ENTITY_NAMES.get(entity, entity))


def action_name(action: str) -> str:
    """The action in the active language; the code itself if it has no name."""
    return str(ACTION_NAMES.get(action, action))


def status_labels(entity: str) -> Mapping[str, Promise | str]:
    """The labels of `entity`'s statuses, code → label (empty if none are registered)."""
    return _STATUS_LABELS.get(_SAME_STATUSES.get(entity, entity), {})


def status_name(entity: str, status: str) -> str:
    """The label of `entity`'s status in the active language; the code if unknown."""
    return str(status_labels(entity).get(status, status))
