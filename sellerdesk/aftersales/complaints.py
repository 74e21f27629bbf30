"""Complaints (投诉, seed 003 投诉及处理): the seed's five steps as a checklist on the
case — stay calm, listen, empathise, apologise, solve — ticked in that order, then the
complaint is resolved with a summary, the case closes, and a follow-up call (回访, seed
004 客户回访与关系修复) is scheduled the shop's policy.follow_up_days later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import events, notices
from sellerdesk.aftersales.evidence import lock_case
from sellerdesk.aftersales.models import Case, CaseStatus, CaseType, FollowUp
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require

CHECKLIST = ("calm", "listen", "empathise", "apologise", "solve")

STEP_LABELS: dict[str, Promise] = {
    "calm": gettext_lazy("Stay calm"),
    "listen": gettext_lazy("Listen to the buyer"),
    "empathise": gettext_lazy("Empathise"),
    "apologise": gettext_lazy("Apologise"),
    "solve": gettext_lazy("Propose a solution"),
}
# The seed's techniques for each step, shown beside the box to tick.
STEP_HINTS: dict[str, Promise] = {
    "calm": gettext_lazy("Breathe deeply, weigh how serious the problem is, step back to move forward."),
    "listen": gettext_lazy(
        "Listen to all of it without interrupting, hear what is meant, show you take it seriously, "
        "make sure you understood."
    ),
    "empathise": gettext_lazy("Say back what you heard, answer the feeling, put yourself in the buyer's place."),
    "apologise": gettext_lazy("Once you understand the cause and the feeling, apologise for what happened."),
    "solve": gettext_lazy("Act quickly and promise what you will do; learn from it; tell the buyer it helped."),
}

MAX_SUMMARY = 2000
MAX_OUTCOME = 2000

STEP_CODE = "complaint_step_done"
RESOLVED_CODE = "complaint_resolved"
FOLLOW_UP_CODE = "follow_up_done"
NOTICE_RESOLVED = "aftersales_notice_complaint_resolved"


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


events.register_case_code(
    STEP_CODE,
    gettext_lazy("Complaint step done: %(step)s"),
    format=lambda p: {"step": step_label(p.get("step", ""))},
    example={"step": "listen"},
)
events.register_case_code(
    RESOLVED_CODE,
    gettext_lazy("Complaint resolved: %(summary)s. Follow-up call due %(due)s"),
    format=lambda p: {"summary": p.get("summary", ""), "due": p.get("due", "")},
    example={"action": "close", "summary": "补发赠品并致歉", "due": "2026-12-10"},
)
events.register_case_code(
    FOLLOW_UP_CODE,
    gettext_lazy("Follow-up call: %(satisfied)s. %(outcome)s"),
    format=lambda p: {
        "satisfied": _("the buyer is satisfied") if p.get("satisfied") else _("the buyer is not satisfied"),
        "outcome": p.get("outcome", ""),
    },
    example={"follow_up_id": 1, "satisfied": True, "outcome": "买家表示满意"},
)
messages.register(
    NOTICE_RESOLVED,
    gettext_lazy(
        "Your complaint %(case)s has been resolved: %(summary)s. We will call you within %(days)s days "
        "to hear whether all is well."
    ),
    example={"case": "AS26120112345678", "order": "2612011234567890", "summary": "补发赠品并致歉", "days": 3},
)


def _check_complaint(case: Case) -> None:
    if case.type != CaseType.COMPLAINT:
        raise Conflict(
            "not_a_complaint",
            _("Case %(number)s is not a complaint.") % {"number": case.number},
            details={"type": case.type},
        )


def missing_steps(case: Case) -> list[str]:
    """The checklist's steps not ticked yet, in the seed's order."""
    done = case.checklist or {}
    return [step for step in CHECKLIST if step not in done]


@transaction.atomic
def tick_step(*, case: Case, step: str, actor: User | None, at: datetime | None = None) -> Case:
    """Tick one step of the complaint's checklist (aftersales.handle). Steps are ticked in
    the seed's order; ticking a step already done changes nothing."""
    require(actor, "aftersales.handle")
    if step not in CHECKLIST:
        raise ValidationFailed({"step": _("must be one of: %(values)s") % {"values": ", ".join(CHECKLIST)}})
    at = at or timezone.now()
    case = lock_case(case)
    _check_complaint(case)
    if case.status not in (CaseStatus.REQUESTED, CaseStatus.APPROVED):
        raise Conflict(
            "complaint_closed",
            _("Complaint %(number)s is %(status)s.") % {"number": case.number, "status": case.get_status_display()},
            details={"current_status": case.status},
        )
    checklist = dict(case.checklist or {})
    if step in checklist:
        return case
    before = [earlier for earlier in CHECKLIST[: CHECKLIST.index(step)] if earlier not in checklist]
    if before:
        raise Conflict(
            "checklist_order",
            _("First: %(steps)s.") % {"steps": ", ".join(step_label(earlier) for earlier in before)},
            details={"missing": before},
        )
    checklist[step] = timezone.localtime(at).isoformat()
    case.checklist = checklist
    case.save(update_fields=["checklist"])
    events.write_case_event(case, STEP_CODE, actor=actor, at=at, buyer_visible=False, step=step)
    return case


@transaction.atomic
def resolve_complaint(*, case: Case, summary: str, actor: User | None, at: datetime | None = None) -> FollowUp:
    """Resolve a complaint whose five steps are done: the case closes with `summary`
    (the buyer is told) and a follow-up call (回访) is due policy.follow_up_days later,
    assigned to the case's handler (or whoever resolved it)."""
    require(actor, "aftersales.handle")
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed({"summary": _("say how the complaint was solved")})
    if len(summary) > MAX_SUMMARY:
        raise ValidationFailed({"summary": _("at most %(max)s characters") % {"max": MAX_SUMMARY}})
    at = at or timezone.now()
    case = lock_case(case)
    _check_complaint(case)
    missing = missing_steps(case)
    if missing:
        raise Conflict(
            "checklist_incomplete",
            _("Finish the checklist first: %(steps)s.") % {"steps": ", ".join(step_label(step) for step in missing)},
            details={"missing": missing},
        )
    days = policy_for(case.shop_id).follow_up_days
    due = at + timedelta(days=days)
    if case.status == CaseStatus.REQUESTED:
        # A complaint has nothing to agree on but its handling: it is approved as it is solved.
        case.approved_at = at
        case.approved_by = actor
        events.move(case, CaseAction.APPROVE, actor=actor, at=at, update_fields=("approved_at", "approved_by"))
    case.closed_at = at
    case.due_at = None
    events.move(
        case,
        CaseAction.CLOSE,
        actor=actor,
        at=at,
        update_fields=("closed_at", "due_at"),
        code=RESOLVED_CODE,
        summary=summary,
        due=timezone.localtime(due).date().isoformat(),
    )
    follow_up = FollowUp.objects.create(case=case, due_at=due, assignee=case.assignee or actor)
    notices.tell_buyer(case, NOTICE_RESOLVED, at=at, summary=summary, days=days)
    return follow_up


@transaction.atomic
def complete_follow_up(
    *, follow_up: FollowUp, outcome: str, satisfied: bool, actor: User | None, at: datetime | None = None
) -> FollowUp:
    """Record the follow-up call: what the buyer said and whether they are satisfied.
    A follow-up is done once."""
    require(actor, "aftersales.handle")
    outcome = (outcome or "").strip()
    bad: dict[str, str] = {}
    if not outcome:
        bad["outcome"] = _("say what the buyer said")
    elif len(outcome) > MAX_OUTCOME:
        bad["outcome"] = _("at most %(max)s characters") % {"max": MAX_OUTCOME}
    if not isinstance(satisfied, bool):
        bad["satisfied"] = _("must be true or false")
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    lock_case(follow_up.case)
    follow_up = FollowUp.objects.select_for_update().select_related("case").get(pk=follow_up.pk)
    if follow_up.done_at is not None:
        raise Conflict(
            "follow_up_done",
            _("This follow-up was done already."),
            details={"follow_up": follow_up.pk},
        )
    follow_up.outcome = outcome
    follow_up.satisfied = satisfied
    follow_up.done_at = at
    follow_up.done_by = actor
    follow_up.save(update_fields=["outcome", "satisfied", "done_at", "done_by"])
    events.write_case_event(
        follow_up.case,
        FOLLOW_UP_CODE,
        actor=actor,
        at=at,
        buyer_visible=False,
        follow_up_id=follow_up.pk,
        satisfied=satisfied,
        outcome=outcome,
    )
    return follow_up


def due_follow_ups(now: datetime | None = None) -> QuerySet[FollowUp]:
    """Follow-up calls not done whose time has come (due at or before `now`), oldest first."""
    now = now or timezone.now()
    return (
        FollowUp.objects.filter(done_at__isnull=True, due_at__lte=now)
        .select_related("case", "case__order", "assignee")
        .order_by("due_at", "pk")
    )
