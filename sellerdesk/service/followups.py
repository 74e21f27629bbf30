"""Follow-ups (回访): after a resolved problem the buyer is contacted again to make sure
it stayed solved (seed 001: 跟进回访, 服务升级; seed 003: 回访客户).

`on_resolved` schedules one when a conversation that solved a problem is resolved (an
after-sale intent or a complaint; nothing for a pre-sale question); the complaint
procedure schedules one when its last step ("solve") is ticked. A conversation has at
most one open follow-up at a time. The agent records the outcome with `complete`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.service import config, events
from sellerdesk.service.access import agent_shop_ids, require_access
from sellerdesk.service.models import PRE_SALE_INTENTS, UNCLASSIFIED, Conversation, FollowUpTask

FOLLOW_UP_SCHEDULED = "service_follow_up_scheduled"
FOLLOW_UP_DONE = "service_follow_up_done"
events.register_code(
    FOLLOW_UP_SCHEDULED,
    gettext_lazy("Follow-up scheduled for %(due)s"),
    format=lambda data: {"due": events_time(data.get("due_at", ""))},
    example={"due_at": "2026-11-05T10:00:00+08:00", "task": 1},
)
events.register_code(
    FOLLOW_UP_DONE,
    gettext_lazy("Follow-up done: %(outcome)s"),
    example={"outcome": "买家已收到换货，很满意", "task": 1},
)

MAX_NOTE = 300
MAX_OUTCOME = 300


def events_time(value: Any) -> str:
    """An ISO time of an event's data as the reader reads it (Shanghai time)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    local = timezone.localtime(moment, timezone.get_default_timezone()) if timezone.is_aware(moment) else moment
    return f"{local:%Y-%m-%d %H:%M}"


def _service_setting(name: str, default: float) -> float:
    return float(config.setting(name, default))


def follow_up_delay() -> timedelta:
    """How long after a resolved problem the follow-up is due (SERVICE FOLLOW_UP_HOURS, 48 h:
    the parcel or the exchange has usually arrived by then)."""
    return timedelta(hours=_service_setting("FOLLOW_UP_HOURS", 48))


def complaint_follow_up_delay() -> timedelta:
    """How long after a complaint's solution the follow-up is due (SERVICE
    COMPLAINT_FOLLOW_UP_HOURS, 24 h: soon, while the buyer remembers)."""
    return timedelta(hours=_service_setting("COMPLAINT_FOLLOW_UP_HOURS", 24))


def solved_a_problem(conversation: Conversation) -> bool:
    """Whether the conversation was about a problem worth a follow-up: an after-sale
    intent or a complaint (a pre-sale question or chit-chat is not)."""
    intent = conversation.intent or ""
    if hasattr(conversation, "complaint"):
        return True
    return bool(intent) and intent != UNCLASSIFIED and intent not in PRE_SALE_INTENTS


def schedule(
    *, conversation: Conversation, due_at: datetime, at: datetime, note: str = "", actor: User | None = None
) -> FollowUpTask:
    """A follow-up for the conversation, due at `due_at`, for its agent (the assignee, else
    the last one, else the agent scheduling it) — or the open one it already has (never
    two). In the caller's
    transaction, on the timeline."""
    known = FollowUpTask.objects.filter(conversation=conversation, done_at__isnull=True).first()
    if known is not None:
        return known
    task = FollowUpTask.objects.create(
        conversation=conversation,
        assignee_id=conversation.assignee_id or conversation.last_assignee_id or (actor.pk if actor else None),
        due_at=due_at,
        note=note[:MAX_NOTE],
        created_at=at,
    )
    events.record_event(
        conversation=conversation,
        code=FOLLOW_UP_SCHEDULED,
        actor=actor,
        at=at,
        due_at=due_at.isoformat(),
        task=task.pk,
    )
    return task


def on_resolved(conversation: Conversation, *, at: datetime) -> None:
    """Schedule a follow-up when the conversation solved a problem (after-sale intents,
    complaints); nothing for a pre-sale question."""
    if not solved_a_problem(conversation):
        return
    schedule(conversation=conversation, due_at=at + follow_up_delay(), at=at)


def add_follow_up(
    *, conversation: Conversation, actor: User, due_at: datetime, note: str = "", at: datetime | None = None
) -> FollowUpTask:
    """An agent schedules a follow-up by hand (a promise to call back). The due time may
    not be in the past; the note is at most 300 characters."""
    at = at or timezone.now()
    require_access(actor, conversation, "service.reply")
    errors = {}
    if due_at < at:
        errors["due_at"] = _("The follow-up cannot be due in the past.")
    if len(note.strip()) > MAX_NOTE:
        errors["note"] = _("At most %(n)s characters.") % {"n": MAX_NOTE}
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if FollowUpTask.objects.filter(conversation=conversation, done_at__isnull=True).exists():
            raise Conflict("follow_up_open", _("The conversation already has an open follow-up."))
        return schedule(conversation=conversation, due_at=due_at, at=at, note=note.strip(), actor=actor)


def complete(*, task: FollowUpTask, actor: User, outcome: str, at: datetime | None = None) -> FollowUpTask:
    """The follow-up was made: its outcome (required, at most 300 characters), when and by
    whom (on the conversation's timeline). Completing it twice is refused (409)."""
    at = at or timezone.now()
    require_access(actor, task.conversation, "service.reply")
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed({"outcome": _("Say how the follow-up went.")})
    if len(outcome) > MAX_OUTCOME:
        raise ValidationFailed({"outcome": _("At most %(n)s characters.") % {"n": MAX_OUTCOME}})
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().select_related("conversation").get(pk=task.pk)
        if task.done_at is not None:
            raise Conflict("follow_up_done", _("This follow-up was already done."))
        if task.assignee_id not in (None, actor.pk) and not has_permission(actor, "service.supervise"):
            raise PermissionDenied(_("This follow-up is another agent's."))
        task.done_at = at
        task.outcome = outcome
        if task.assignee_id is None:
            task.assignee = actor
        task.save(update_fields=["done_at", "outcome", "assignee"])
        events.record_event(
            conversation=task.conversation, code=FOLLOW_UP_DONE, actor=actor, at=at, outcome=outcome, task=task.pk
        )
    return task


def follow_ups(
    *, actor: User, mine: bool = True, done: bool = False, due_before: datetime | None = None
) -> QuerySet[FollowUpTask]:
    """The follow-ups of the shops the actor serves, the soonest due first: open ones (or
    done ones); the actor's own and the unassigned ones when `mine` (a supervisor may see
    everyone's)."""
    require(actor, "service.view")
    rows = FollowUpTask.objects.select_related("conversation", "conversation__shop", "assignee").filter(
        done_at__isnull=not done
    )
    if mine or not has_permission(actor, "service.supervise"):
        # An agent's own, and those nobody has yet (whoever calls back takes them).
        rows = rows.filter(Q(assignee=actor) | Q(assignee__isnull=True))
    shops = agent_shop_ids(actor)
    if shops is not None:
        rows = rows.filter(conversation__shop_id__in=shops)
    if due_before is not None:
        rows = rows.filter(due_at__lte=due_before)
    return rows.order_by("due_at", "pk") if not done else rows.order_by("-done_at", "-pk")
