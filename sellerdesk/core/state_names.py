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

CONTEXT = "state machine"

ENTITY_NAMES: dict[str, Promise] = {
    "order": pgettext_lazy(CONTEXT, "order"),
    "hold": pgettext_lazy(CONTEXT, "hold"),
    "transfer": pgettext_lazy(CONTEXT, "transfer"),
    "stock count": pgettext_lazy(CONTEXT, "stock count"),
    "shipment": pgettext_lazy(CONTEXT, "shipment"),
    "purchase order": pgettext_lazy(CONTEXT, "purchase order"),
    "dropship purchase order": pgettext_lazy(CONTEXT, "dropship purchase order"),
    "return to supplier": pgettext_lazy(CONTEXT, "return to supplier"),
    "after-sales case": pgettext_lazy(CONTEXT, "after-sales case"),
    "conversation": pgettext_lazy(CONTEXT, "conversation"),
    "wave": pgettext_lazy(CONTEXT, "wave"),
    "import": pgettext_lazy(CONTEXT, "import"),
}

# Every action an InvalidTransition names: the transition tables' actions and the names
# the actions raise with directly. A verb phrase that reads after "Cannot ".
ACTION_NAMES: dict[str, Promise] = {
    "allocate": pgettext_lazy(CONTEXT, "allocate stock"),
    "approve": pgettext_lazy(CONTEXT, "approve"),
    "await_return": pgettext_lazy(CONTEXT, "wait for the return"),
    "backorder": pgettext_lazy(CONTEXT, "backorder"),
    "book": pgettext_lazy(CONTEXT, "book with the carrier"),
    "book_pickup": pgettext_lazy(CONTEXT, "book a pickup"),
    "cancel": pgettext_lazy(CONTEXT, "cancel"),
    "cancel_unpaid": pgettext_lazy(CONTEXT, "cancel as unpaid"),
    "carry": pgettext_lazy(CONTEXT, "mark as in transit"),
    "change_lines": pgettext_lazy(CONTEXT, "change the lines"),
    "choose_carrier": pgettext_lazy(CONTEXT, "choose the carrier"),
    "clear": pgettext_lazy(CONTEXT, "clear customs"),
    "close": pgettext_lazy(CONTEXT, "close"),
    "commit": pgettext_lazy(CONTEXT, "commit"),
    "complete_refund": pgettext_lazy(CONTEXT, "complete the refund"),
    "confirm_pick": pgettext_lazy(CONTEXT, "confirm the pick"),
    "confirm_receipt": pgettext_lazy(CONTEXT, "confirm receipt"),
    "correct_address": pgettext_lazy(CONTEXT, "correct the address"),
    "count": pgettext_lazy(CONTEXT, "record counts"),
    "create_shipment": pgettext_lazy(CONTEXT, "create a shipment"),
    "customs": pgettext_lazy(CONTEXT, "declare to customs"),
    "deliver": pgettext_lazy(CONTEXT, "mark as delivered"),
    "discard": pgettext_lazy(CONTEXT, "discard"),
    "dispute": pgettext_lazy(CONTEXT, "dispute"),
    "dropship": pgettext_lazy(CONTEXT, "dropship"),
    "edit": pgettext_lazy(CONTEXT, "edit"),
    "expire": pgettext_lazy(CONTEXT, "close as unpaid"),
    "extend_receipt": pgettext_lazy(CONTEXT, "extend the receipt deadline"),
    "fail_booking": pgettext_lazy(CONTEXT, "mark the booking failed"),
    "hand_over": pgettext_lazy(CONTEXT, "hand over to the carrier"),
    "hold": pgettext_lazy(CONTEXT, "hold for review"),
    "inspect": pgettext_lazy(CONTEXT, "inspect"),
    "intercept": pgettext_lazy(CONTEXT, "intercept"),
    "lose": pgettext_lazy(CONTEXT, "mark as lost"),
    "merge": pgettext_lazy(CONTEXT, "merge"),
    "pack": pgettext_lazy(CONTEXT, "pack"),
    "pay": pgettext_lazy(CONTEXT, "record a payment"),
    "pick": pgettext_lazy(CONTEXT, "pick"),
    "post": pgettext_lazy(CONTEXT, "post the count"),
    "rate": pgettext_lazy(CONTEXT, "rate"),
    "receive": pgettext_lazy(CONTEXT, "receive"),
    "receive_in_full": pgettext_lazy(CONTEXT, "receive in full"),
    "receive_part": pgettext_lazy(CONTEXT, "receive in part"),
    "refund": pgettext_lazy(CONTEXT, "refund"),
    "refuse": pgettext_lazy(CONTEXT, "mark as refused"),
    "register_return": pgettext_lazy(CONTEXT, "register the return"),
    "reject": pgettext_lazy(CONTEXT, "reject"),
    "release": pgettext_lazy(CONTEXT, "release"),
    "reopen": pgettext_lazy(CONTEXT, "reopen"),
    "repair": pgettext_lazy(CONTEXT, "repair"),
    "reprice": pgettext_lazy(CONTEXT, "change prices"),
    "resolve": pgettext_lazy(CONTEXT, "resolve"),
    "resolve_stockout": pgettext_lazy(CONTEXT, "resolve the stockout"),
    "resume": pgettext_lazy(CONTEXT, "bring back"),
    "return": pgettext_lazy(CONTEXT, "mark as returned"),
    "review": pgettext_lazy(CONTEXT, "review"),
    "rule_for_buyer": pgettext_lazy(CONTEXT, "rule for the buyer"),
    "rule_for_seller": pgettext_lazy(CONTEXT, "rule for the seller"),
    "send": pgettext_lazy(CONTEXT, "send"),
    "send_out_for_delivery": pgettext_lazy(CONTEXT, "send out for delivery"),
    "settle": pgettext_lazy(CONTEXT, "settle"),
    "ship": pgettext_lazy(CONTEXT, "ship"),
    "ship_replacement": pgettext_lazy(CONTEXT, "ship a replacement"),
    "short": pgettext_lazy(CONTEXT, "mark as out of stock"),
    "snooze": pgettext_lazy(CONTEXT, "snooze"),
    "split": pgettext_lazy(CONTEXT, "split"),
    "start_return": pgettext_lazy(CONTEXT, "start the return"),
    "track": pgettext_lazy(CONTEXT, "track"),
    "unmerge": pgettext_lazy(CONTEXT, "undo the merge"),
    "wait": pgettext_lazy(CONTEXT, "wait for the buyer"),
    "withdraw_booking": pgettext_lazy(CONTEXT, "withdraw the booking"),
}

# Status labels per kind of record: code → label.
_STATUS_LABELS: dict[str, Mapping[str, Promise | str]] = {
    # The hold table's statuses are a plain enum (no choices of their own).
    "hold": {"open": pgettext_lazy(CONTEXT, "open"), "resolved": pgettext_lazy(CONTEXT, "resolved")},
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
