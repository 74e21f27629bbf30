"""The case's timeline and its one way of moving: `move` asks the transition table,
changes the status and writes the event, in the caller's transaction.

Every code a case event is written with is registered here or in the module that writes
it (`register_case_code`), with a translatable template and an example, so that
`tests/test_timeline.py` renders each in zh-Hans and en. Parameters are facts (numbers,
codes, amounts as strings), never sentences; what a person typed travels as a parameter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import states
from sellerdesk.aftersales.models import Case, CaseEvent, CaseStatus
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core import messages
from sellerdesk.core.models import User

_CASE_CODES: set[str] = set()


def register_case_code(code: str, template: Any = None, **renderer: Any) -> None:
    """Declare a case-timeline code and how it reads (see `core.messages.register`)."""
    messages.register(code, template, **renderer)
    _CASE_CODES.add(code)


def case_codes() -> list[str]:
    return sorted(_CASE_CODES)


def _status_label(value: str) -> str:
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return value


ACTION_LABELS: dict[str, Any] = {
    CaseAction.APPROVE: gettext_lazy("Approved"),
    CaseAction.REJECT: gettext_lazy("Rejected"),
    CaseAction.CANCEL: gettext_lazy("Canceled"),
    CaseAction.AWAIT_RETURN: gettext_lazy("Waiting for the return"),
    CaseAction.RECEIVE: gettext_lazy("Return received"),
    CaseAction.INSPECT: gettext_lazy("Inspected"),
    CaseAction.REPAIR: gettext_lazy("Sent to repair"),
    CaseAction.REFUND: gettext_lazy("Refund started"),
    CaseAction.COMPLETE_REFUND: gettext_lazy("Refund completed"),
    CaseAction.SHIP_REPLACEMENT: gettext_lazy("Replacement sent"),
    CaseAction.CLOSE: gettext_lazy("Closed"),
    CaseAction.DISPUTE: gettext_lazy("Disputed"),
    CaseAction.RULE_FOR_BUYER: gettext_lazy("Ruled for the buyer"),
    CaseAction.RULE_FOR_SELLER: gettext_lazy("Ruled for the seller"),
}


register_case_code(
    "case_moved",
    gettext_lazy("%(action)s: %(before)s → %(after)s"),
    format=lambda p: {
        "action": str(ACTION_LABELS.get(p.get("action", ""), p.get("action", ""))),
        "before": _status_label(p.get("status_before", "")),
        "after": _status_label(p.get("status_after", "")),
    },
    example={"action": "approve", "status_before": "requested", "status_after": "approved"},
)
register_case_code(
    "case_note",
    format=lambda p: {"text": p.get("text", "")},
    template=gettext_lazy("Note: %(text)s"),
    example={"text": "买家说周五前寄回"},
)


def locked(case: Case) -> Case:
    """The case's row, locked for the rest of the transaction (re-read: its status may
    have moved since the caller loaded it)."""
    return Case.objects.select_for_update().get(pk=case.pk)


def write_case_event(
    case: Case,
    code: str,
    *,
    actor: User | None,
    at: datetime,
    by_buyer: bool = False,
    buyer_visible: bool = True,
    status_before: str = "",
    status_after: str = "",
    **data: Any,
) -> CaseEvent:
    """One row of the case's timeline (in the caller's transaction); the code must be
    registered (`register_case_code`)."""
    if status_after:
        # The renderer reads the move from the parameters, like every other fact.
        data = {**data, "status_before": status_before, "status_after": status_after}
    stored = messages.message(code, **data)
    stored.pop("code")
    return CaseEvent.objects.create(
        case=case,
        code=code,
        data=stored,
        status_before=status_before,
        status_after=status_after,
        actor=actor,
        by_buyer=by_buyer,
        buyer_visible=buyer_visible,
        at=at,
    )


def move(
    case: Case,
    action: CaseAction,
    *,
    actor: User | None,
    at: datetime,
    by_buyer: bool = False,
    update_fields: tuple[str, ...] = (),
    code: str = "case_moved",
    **data: Any,
) -> CaseEvent:
    """Move a locked case by `action` (InvalidTransition if its table has no such move),
    save its status with `update_fields` the caller set, and write the event."""
    before = case.status
    case.status = states.next_status(before, action)
    fields = {"status", *update_fields}
    case.save(update_fields=sorted(fields))
    return write_case_event(
        case,
        code,
        actor=actor,
        at=at,
        by_buyer=by_buyer,
        status_before=before,
        status_after=case.status,
        action=str(action.value),
        **data,
    )
