"""The complaint procedure (投诉及处理, seed 003) on complaint conversations: a guided
checklist of five steps — stay calm (控制情绪), listen (聆听诉说), empathise (建立共鸣),
apologise (表示歉意), solve (提出解决方案) — each ticked with who, when and a note, ending
in a follow-up (回访).

`on_complaint` starts the checklist once, when a conversation becomes a complaint (the
buyer's message classified so, or an agent marked it); `tick_step` ticks one step. The
first four may be ticked in any order (a conversation is not a form), but "solve" comes
last: it needs the other four, completes the procedure and schedules the follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.service import events, followups, routing
from sellerdesk.service.access import require_access
from sellerdesk.service.models import ComplaintProcedure, ComplaintStep, Conversation

STEPS: tuple[str, ...] = tuple(ComplaintStep.values)
MAX_NOTE = 500

# What each step asks of the agent (seed 003's 技巧), shown beside the checkbox.
HINTS: dict[str, object] = {
    ComplaintStep.CALM: gettext_lazy("Breathe deeply; weigh how serious it is; step back to move forward."),
    ComplaintStep.LISTEN: gettext_lazy(
        "Listen fully, hear what is not said, do not interrupt, show you take it seriously, make sure you understood."
    ),
    ComplaintStep.EMPATHISE: gettext_lazy(
        "Repeat what the buyer said, answer their feelings, put yourself in their place."
    ),
    ComplaintStep.APOLOGISE: gettext_lazy("Say sorry for what the buyer went through."),
    ComplaintStep.SOLVE: gettext_lazy(
        "Act quickly and promise what you will do; learn from it; thank the buyer for telling you."
    ),
}

PROCEDURE_STARTED = "service_complaint_started"
STEP_TICKED = "service_complaint_step"
PROCEDURE_COMPLETED = "service_complaint_solved"


def _step_label(value: str) -> str:
    try:
        return str(ComplaintStep(value).label)
    except ValueError:
        return value


events.register_code(PROCEDURE_STARTED, gettext_lazy("Complaint procedure started"), example={})
events.register_code(
    STEP_TICKED,
    gettext_lazy("Complaint step done: %(step)s"),
    format=lambda data: {"step": _step_label(data.get("step", ""))},
    example={"step": "listen", "note": "买家说快递员态度差"},
)
events.register_code(PROCEDURE_COMPLETED, gettext_lazy("Complaint solved; a follow-up is scheduled"), example={})


@dataclass(frozen=True)
class StepState:
    step: str
    label: str
    hint: str
    done: bool
    at: str = ""
    by: str = ""
    note: str = ""

    @property
    def ticked_at(self) -> datetime | None:
        """When the step was ticked, as an aware datetime (shown in the reader's time
        zone), or None when it is not ticked or its stored time does not read."""
        try:
            return datetime.fromisoformat(self.at) if self.at else None
        except ValueError:
            return None


def on_complaint(conversation: Conversation, *, at: datetime) -> None:
    """The conversation became a complaint (intent, or marked by an agent): start the
    guided checklist (calm, listen, empathise, apologise, solve) once."""
    _procedure, created = ComplaintProcedure.objects.get_or_create(
        conversation=conversation, defaults={"started_at": at, "steps": {}}
    )
    if created:
        events.record_event(conversation=conversation, code=PROCEDURE_STARTED, at=at)
        # A complaint is escalated to a supervisor at once (service.routing; once per
        # conversation, nothing when there is no supervisor or owner).
        routing.escalate(conversation=conversation, reason="complaint", at=at)


def checklist(procedure: ComplaintProcedure) -> list[StepState]:
    """The five steps in order, each with its hint and, when done, who ticked it when."""
    rows = []
    for step in STEPS:
        done = procedure.steps.get(step) or {}
        rows.append(
            StepState(
                step=step,
                label=_step_label(step),
                hint=str(HINTS[step]),
                done=bool(done),
                at=str(done.get("at", "")),
                by=str(done.get("by_name", "")),
                note=str(done.get("note", "")),
            )
        )
    return rows


def tick_step(
    *, conversation: Conversation, step: str, actor: User, note: str = "", at: datetime | None = None
) -> ComplaintProcedure:
    """Tick one step of the conversation's complaint procedure with the actor, the time
    and an optional note (at most 500 characters). "solve" needs the four others and
    completes the procedure, scheduling the follow-up. A step already ticked is left as it
    was (the first tick stands); a conversation that is no complaint is refused (409)."""
    at = at or timezone.now()
    require_access(actor, conversation, "service.reply")
    note = (note or "").strip()
    if step not in STEPS:
        raise ValidationFailed({"step": _("one of %(values)s") % {"values": ", ".join(STEPS)}})
    if len(note) > MAX_NOTE:
        raise ValidationFailed({"note": _("At most %(n)s characters.") % {"n": MAX_NOTE}})
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        procedure = ComplaintProcedure.objects.select_for_update().filter(conversation=conversation).first()
        if procedure is None:
            raise Conflict("not_a_complaint", _("This conversation is not a complaint; mark it as one first."))
        if step in procedure.steps:
            return procedure
        if step == ComplaintStep.SOLVE:
            missing = [other for other in STEPS if other != step and other not in procedure.steps]
            if missing:
                raise Conflict(
                    "complaint_steps_missing",
                    _("Before solving, do these steps: %(steps)s.")
                    % {"steps": ", ".join(_step_label(other) for other in missing)},
                    details={"missing": missing},
                )
        procedure.steps = {
            **procedure.steps,
            step: {"at": at.isoformat(), "by": actor.pk, "by_name": actor.signature, "note": note},
        }
        fields = ["steps"]
        events.record_event(conversation=conversation, code=STEP_TICKED, actor=actor, at=at, step=step, note=note)
        if step == ComplaintStep.SOLVE:
            procedure.completed_at = at
            fields.append("completed_at")
            events.record_event(conversation=conversation, code=PROCEDURE_COMPLETED, actor=actor, at=at)
            followups.schedule(
                conversation=conversation,
                due_at=at + followups.complaint_follow_up_delay(),
                at=at,
                note=note,
                actor=actor,
            )
        procedure.save(update_fields=fields)
    return procedure
