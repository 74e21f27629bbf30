"""Service-level clocks of conversations (owner H4). Called by service.conversations in
the caller's transaction (the conversation's row locked by the caller); each keeps
Conversation.sla_state / sla_due_at up to date, so the inbox filters and sorts on them.

A conversation has up to three kinds of clock (SlaClock), counted in business seconds on
its policy's calendar (service.calendars: periods, lunch breaks, holidays, 调休):

- first reply: from the buyer's first waiting message to the first agent reply;
- next reply: from a later buyer message that waits to the next agent reply (a second
  buyer message while one already waits does not restart it);
- resolution: from opening (or reopening) to resolving.

While the conversation waits for the buyer (pending) or is snoozed, its open clocks are
paused: `remaining_seconds` keeps the business seconds left and `due_at` is empty;
reopening resumes them with a new due time. A clock ends met (answered in time) or
breached; `sweep` marks the clocks whose due time passed as breached, alerts and
escalates (service.routing.escalate). Each clock's outcome is counted once in the daily
figures (service.figures.sla_outcome).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy

from sellerdesk.core import refcache
from sellerdesk.service import calendars, config, events, figures
from sellerdesk.service.calendars import Schedule
from sellerdesk.service.models import (
    Conversation,
    ConversationChannel,
    ConversationStatus,
    SlaClock,
    SlaKind,
    SlaPolicy,
    SlaState,
)

logger = logging.getLogger(__name__)

REPLY_KINDS = (SlaKind.FIRST_REPLY, SlaKind.NEXT_REPLY)
# Clock states whose due time is set and counting.
COUNTING = (SlaState.RUNNING, SlaState.DUE_SOON)
PAUSING_STATUSES = frozenset({ConversationStatus.PENDING, ConversationStatus.SNOOZED})

BREACHED_CODE = "sla_breached"
KIND_LABELS: dict[str, Any] = {kind.value: kind.label for kind in SlaKind}

events.register_code(
    BREACHED_CODE,
    gettext_lazy("Service level breached: %(kind)s was due %(due)s"),
    format=lambda p: {"kind": str(KIND_LABELS.get(p.get("kind", ""), p.get("kind", ""))), "due": p.get("due", "")},
    example={"kind": "first_reply", "due": "2026-10-08 09:08"},
)


def _service_settings() -> dict[str, Any]:
    return config.service_settings()


def due_soon_seconds() -> int:
    """How long before its due time a clock is shown "due soon" (never more than half
    its target: a 60-s first reply is due soon for its last 30 s)."""
    return int(_service_settings().get("SLA_DUE_SOON_SECONDS", 300))


# --- policies ------------------------------------------------------------------------

# The seed (003, 在线客服礼仪): a buyer who asks in chat is answered within 30 s – 1 min.
# Email and other channels get working-hours targets. Created on first use when the
# owner has written none (service.api_admin edits them).
DEFAULT_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "在线客服 (网页聊天)",
        "channel": ConversationChannel.WEB,
        "first_reply_seconds": 60,
        "next_reply_seconds": 120,
        "resolution_seconds": 24 * 3600,
    },
    {
        "name": "旺旺/平台消息",
        "channel": ConversationChannel.MARKETPLACE,
        "first_reply_seconds": 60,
        "next_reply_seconds": 120,
        "resolution_seconds": 24 * 3600,
    },
    {
        "name": "邮件",
        "channel": ConversationChannel.EMAIL,
        "first_reply_seconds": 4 * 3600,
        "next_reply_seconds": 8 * 3600,
        "resolution_seconds": 72 * 3600,
    },
    {
        "name": "默认",
        "channel": "",
        "first_reply_seconds": 5 * 60,
        "next_reply_seconds": 10 * 60,
        "resolution_seconds": 24 * 3600,
    },
)


@refcache.forgets
def ensure_default_policies(*, at: datetime | None = None) -> list[SlaPolicy]:
    """The seed's policies on the default calendar, written when there is no policy at
    all (active or not: an owner who switched them all off meant it)."""
    if SlaPolicy.objects.exists():
        return []
    calendar = calendars.default_calendar(at=at)
    with transaction.atomic():
        if SlaPolicy.objects.select_for_update().exists():
            return []
        return [SlaPolicy.objects.create(calendar=calendar, **values) for values in DEFAULT_POLICIES]


def active_policies() -> list[SlaPolicy]:
    """The active policies with their calendars, remembered per process for
    REFERENCE_CACHE_SECONDS (every opened conversation asks)."""
    return refcache.remembered(
        ("service.sla_policies",),
        lambda: list(SlaPolicy.objects.filter(active=True).select_related("calendar").order_by("pk")),
    )


def policy_for(*, shop_id: int, channel: str) -> SlaPolicy | None:
    """The most specific active policy: shop and channel, then shop, then channel, then
    neither. None when no active policy applies."""

    def rank(policy: SlaPolicy) -> int | None:
        if policy.shop_id is not None and policy.shop_id != shop_id:
            return None
        if policy.channel and policy.channel != channel:
            return None
        return (0 if policy.shop_id is not None else 2) + (0 if policy.channel else 1)

    ranked = [(rank(policy), policy.pk, policy) for policy in active_policies()]
    candidates = [(score, pk, policy) for score, pk, policy in ranked if score is not None]
    return min(candidates, key=lambda item: (item[0], item[1]))[2] if candidates else None


def _policy_of(conversation: Conversation) -> SlaPolicy | None:
    if conversation.sla_policy_id is None:
        return None
    for policy in active_policies():
        if policy.pk == conversation.sla_policy_id:
            return policy
    # Switched off since: its clocks run out on the targets they started with.
    return SlaPolicy.objects.select_related("calendar").filter(pk=conversation.sla_policy_id).first()


def _schedule(policy: SlaPolicy | None) -> Schedule | None:
    if policy is None or policy.calendar_id is None:
        return None
    assert policy.calendar is not None
    return calendars.schedule_of(policy.calendar)


def business_seconds(conversation: Conversation, start: datetime, end: datetime) -> int:
    """Business seconds between two moments on the conversation's policy calendar (wall
    seconds without one): what the figures count first-response and resolution times in."""
    schedule = _schedule(_policy_of(conversation))
    if schedule is None:
        return max(0, int((end - start).total_seconds()))
    return calendars.seconds_on_schedule(schedule, start, end)


def _add(schedule: Schedule | None, start: datetime, seconds: int) -> datetime:
    if schedule is None or seconds <= 0:
        return start + timedelta(seconds=max(0, seconds))
    try:
        return calendars.add_on_schedule(schedule, start, seconds)
    except ValueError:
        # A calendar with no working time: the clock can never run out.
        return start + timedelta(days=calendars.SEARCH_DAYS)


def _between(schedule: Schedule | None, start: datetime, end: datetime) -> int:
    if end <= start:
        return 0
    if schedule is None:
        return int((end - start).total_seconds())
    return calendars.seconds_on_schedule(schedule, start, end)


# --- one clock ------------------------------------------------------------------------


def used_seconds(clock: SlaClock, *, at: datetime, schedule: Schedule | None) -> int:
    """Business seconds the clock has counted by `at` (past the target once breached)."""
    if clock.state == SlaState.PAUSED or clock.due_at is None:
        return max(0, clock.target_seconds - (clock.remaining_seconds or 0))
    if at <= clock.due_at:
        return max(0, clock.target_seconds - _between(schedule, at, clock.due_at))
    return clock.target_seconds + _between(schedule, clock.due_at, at)


def _start(conversation: Conversation, kind: str, *, target: int, at: datetime, schedule: Schedule | None) -> SlaClock:
    return SlaClock.objects.create(
        conversation=conversation,
        kind=kind,
        target_seconds=target,
        started_at=at,
        due_at=_add(schedule, at, target),
        state=SlaState.RUNNING,
    )


def _breach(conversation: Conversation, clock: SlaClock, *, at: datetime) -> None:
    """Mark a clock breached (its due time passed), count it and write the timeline."""
    assert clock.due_at is not None
    clock.state = SlaState.BREACHED
    clock.breached_at = clock.due_at
    clock.save(update_fields=["state", "breached_at"])
    figures.sla_outcome(conversation, met=False, at=clock.due_at)
    local_due = clock.due_at.astimezone(calendars.SHANGHAI)
    events.record_event(
        conversation=conversation,
        code=BREACHED_CODE,
        at=max(at, clock.due_at),
        kind=clock.kind,
        due=local_due.strftime("%Y-%m-%d %H:%M:%S"),
        clock=clock.pk,
    )


def _close(conversation: Conversation, clock: SlaClock, *, at: datetime, schedule: Schedule | None) -> None:
    """End an open clock at `at`: met when in time, breached (counted now) when late."""
    clock.business_seconds = used_seconds(clock, at=at, schedule=schedule)
    clock.met_at = at
    if clock.state in COUNTING and clock.due_at is not None and at > clock.due_at:
        _breach(conversation, clock, at=at)
    elif clock.state != SlaState.BREACHED:
        clock.state = SlaState.MET
        figures.sla_outcome(conversation, met=True, at=at)
    clock.remaining_seconds = None
    clock.save(update_fields=["business_seconds", "met_at", "state", "remaining_seconds"])


def _pause(conversation: Conversation, clock: SlaClock, *, at: datetime, schedule: Schedule | None) -> None:
    if clock.state not in COUNTING or clock.due_at is None:
        return
    if at >= clock.due_at:  # already late: it stays breached, not paused
        _breach(conversation, clock, at=at)
        return
    clock.remaining_seconds = max(1, _between(schedule, at, clock.due_at))
    clock.due_at = None
    clock.state = SlaState.PAUSED
    clock.save(update_fields=["remaining_seconds", "due_at", "state"])


def _resume(clock: SlaClock, *, at: datetime, schedule: Schedule | None) -> None:
    if clock.state != SlaState.PAUSED:
        return
    clock.due_at = _add(schedule, at, clock.remaining_seconds or 0)
    clock.remaining_seconds = None
    clock.state = SlaState.RUNNING
    clock.save(update_fields=["remaining_seconds", "due_at", "state"])


def _open_clocks(conversation: Conversation) -> list[SlaClock]:
    return list(SlaClock.objects.filter(conversation=conversation, met_at__isnull=True).order_by("pk"))


def _is_due_soon(clock: SlaClock, *, now: datetime) -> bool:
    if clock.due_at is None:
        return False
    window = min(due_soon_seconds(), clock.target_seconds // 2)
    return clock.due_at - now <= timedelta(seconds=window)


def refresh(conversation: Conversation, *, at: datetime, clocks: list[SlaClock] | None = None) -> None:
    """Write the conversation's summary of its clocks (sla_state, sla_due_at): breached
    while a breached clock is unanswered, else the nearest due running clock (due soon
    near the end), else paused; a resolved conversation shows how its last resolution
    ended (met, or breached when any clock of that stretch was)."""
    open_clocks = _open_clocks(conversation) if clocks is None else [c for c in clocks if c.met_at is None]
    state: str = SlaState.NONE
    due: datetime | None = None
    breached = [clock for clock in open_clocks if clock.state == SlaState.BREACHED]
    counting = [clock for clock in open_clocks if clock.state in COUNTING and clock.due_at is not None]
    if conversation.status == ConversationStatus.RESOLVED or not open_clocks:
        last_resolution = (
            SlaClock.objects.filter(conversation=conversation, kind=SlaKind.RESOLUTION).order_by("-pk").first()
        )
        if last_resolution is not None:
            late = SlaClock.objects.filter(
                conversation=conversation, started_at__gte=last_resolution.started_at, breached_at__isnull=False
            ).exists()
            state = SlaState.BREACHED if late else SlaState.MET
    elif breached:
        state = SlaState.BREACHED
        due = min(clock.due_at for clock in breached if clock.due_at is not None)
    elif counting:
        nearest = min(counting, key=lambda clock: clock.due_at)  # type: ignore[arg-type, return-value]
        due = nearest.due_at
        state = SlaState.DUE_SOON if _is_due_soon(nearest, now=at) else SlaState.RUNNING
    elif open_clocks:
        state = SlaState.PAUSED
    if (conversation.sla_state, conversation.sla_due_at) != (state, due):
        conversation.sla_state = state
        conversation.sla_due_at = due
        conversation.save(update_fields=["sla_state", "sla_due_at"])


# --- what service.conversations calls -------------------------------------------------


def on_opened(conversation: Conversation, *, at: datetime) -> None:
    """Pick the conversation's policy (Conversation.sla_policy) and start the resolution clock."""
    if conversation.sla_policy_id is None:
        ensure_default_policies(at=at)
        policy = policy_for(shop_id=conversation.shop_id, channel=conversation.channel)
        if policy is None:
            return
        conversation.sla_policy = policy
        conversation.save(update_fields=["sla_policy"])
    policy = _policy_of(conversation)
    if policy is None:
        return
    clocks = _open_clocks(conversation)
    if not any(clock.kind == SlaKind.RESOLUTION for clock in clocks):
        clocks.append(
            _start(
                conversation, SlaKind.RESOLUTION, target=policy.resolution_seconds, at=at, schedule=_schedule(policy)
            )
        )
    refresh(conversation, at=at, clocks=clocks)


def on_buyer_message(conversation: Conversation, *, at: datetime) -> None:
    """A buyer message waits: start the first-reply clock (none answered yet) or a
    next-reply clock; resume paused clocks."""
    if conversation.sla_policy_id is None:
        on_opened(conversation, at=at)
    policy = _policy_of(conversation)
    if policy is None:
        return
    schedule = _schedule(policy)
    clocks = _open_clocks(conversation)
    if conversation.status == ConversationStatus.OPEN:
        for clock in clocks:
            _resume(clock, at=at, schedule=schedule)
        if not any(clock.kind == SlaKind.RESOLUTION for clock in clocks):
            clocks.append(
                _start(conversation, SlaKind.RESOLUTION, target=policy.resolution_seconds, at=at, schedule=schedule)
            )
    if not any(clock.kind in REPLY_KINDS for clock in clocks):
        answered_before = (
            conversation.first_response_at is not None
            or SlaClock.objects.filter(conversation=conversation, kind=SlaKind.FIRST_REPLY).exists()
        )
        kind, target = (
            (SlaKind.NEXT_REPLY, policy.next_reply_seconds)
            if answered_before
            else (SlaKind.FIRST_REPLY, policy.first_reply_seconds)
        )
        clocks.append(_start(conversation, kind, target=target, at=at, schedule=schedule))
    refresh(conversation, at=at, clocks=clocks)


def on_agent_reply(conversation: Conversation, *, at: datetime) -> None:
    """An agent answered: the running first/next-reply clock is met (or was breached)."""
    schedule = _schedule(_policy_of(conversation))
    clocks = _open_clocks(conversation)
    for clock in clocks:
        if clock.kind in REPLY_KINDS:
            _close(conversation, clock, at=at, schedule=schedule)
    refresh(conversation, at=at, clocks=clocks)


def on_status(conversation: Conversation, *, before: str, after: str, at: datetime) -> None:
    """pending/snoozed pause the clocks, open resumes them, resolved meets resolution."""
    if before == after:
        return
    policy = _policy_of(conversation)
    schedule = _schedule(policy)
    clocks = _open_clocks(conversation)
    if after in PAUSING_STATUSES:
        for clock in clocks:
            _pause(conversation, clock, at=at, schedule=schedule)
    elif after == ConversationStatus.OPEN:
        for clock in clocks:
            _resume(clock, at=at, schedule=schedule)
        if policy is not None and not any(clock.kind == SlaKind.RESOLUTION for clock in clocks):
            # Reopened after resolving: a new stretch to resolve it again.
            clocks.append(
                _start(conversation, SlaKind.RESOLUTION, target=policy.resolution_seconds, at=at, schedule=schedule)
            )
    elif after == ConversationStatus.RESOLVED:
        for clock in clocks:
            _close(conversation, clock, at=at, schedule=schedule)
    refresh(conversation, at=at, clocks=clocks)


def resolution_seconds(conversation: Conversation, *, at: datetime) -> int:
    """Business seconds of the current (or last) resolution stretch up to `at`: what
    figures.resolved is given when the conversation is resolved."""
    clock = SlaClock.objects.filter(conversation=conversation, kind=SlaKind.RESOLUTION).order_by("-pk").first()
    if clock is None:
        return business_seconds(conversation, conversation.created_at, at)
    if clock.met_at is not None and clock.business_seconds is not None:
        return clock.business_seconds
    return used_seconds(clock, at=at, schedule=_schedule(_policy_of(conversation)))


def clock_summary(conversation: Conversation) -> list[dict[str, Any]]:
    """The conversation's clocks, oldest first, as the desk and the API show them."""
    return [
        {
            "id": clock.pk,
            "kind": clock.kind,
            "state": clock.state,
            "target_seconds": clock.target_seconds,
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "remaining_seconds": clock.remaining_seconds,
            "met_at": clock.met_at,
            "breached_at": clock.breached_at,
            "business_seconds": clock.business_seconds,
        }
        for clock in SlaClock.objects.filter(conversation=conversation).order_by("started_at", "pk")
    ]


# --- the periodic sweep ---------------------------------------------------------------


def _batch_size() -> int:
    return int(settings.SELLERDESK.get("SWEEP_BATCH_SIZE", 200))


def sweep(*, now: datetime) -> int:
    """Mark the clocks whose due time passed as breached (each in its own short
    transaction, the conversation's row locked and the clock re-checked, so several
    workers may sweep at once), alert and escalate; mark clocks near their due time due
    soon. Returns how many clocks were breached."""
    from sellerdesk.service import realtime, routing  # routing calls figures and sla's callers

    breached = 0
    due_ids = list(
        SlaClock.objects.filter(state__in=COUNTING, met_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "conversation_id")[: _batch_size()]
    )
    for clock_id, conversation_id in due_ids:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
            clock = SlaClock.objects.select_for_update().filter(pk=clock_id).first()
            if conversation is None or clock is None:
                continue
            if clock.state not in COUNTING or clock.met_at is not None or clock.due_at is None or clock.due_at > now:
                continue  # another worker, or a reply, got there first
            _breach(conversation, clock, at=now)
            refresh(conversation, at=now)
            if conversation.escalated_to_id is None:
                routing.escalate(conversation=conversation, reason="sla_breach", at=now)
            else:
                realtime.publish_conversation(conversation)
            breached += 1
    _mark_due_soon(now=now)
    return breached


def _mark_due_soon(*, now: datetime) -> int:
    window = timedelta(seconds=due_soon_seconds())
    near = [
        clock
        for clock in SlaClock.objects.filter(
            state=SlaState.RUNNING, met_at__isnull=True, due_at__gt=now, due_at__lte=now + window
        ).only("pk", "conversation_id", "due_at", "target_seconds", "state")[: _batch_size() * 5]
        if _is_due_soon(clock, now=now)
    ]
    if not near:
        return 0
    with transaction.atomic():
        SlaClock.objects.filter(pk__in=[clock.pk for clock in near], state=SlaState.RUNNING).update(
            state=SlaState.DUE_SOON
        )
        # The nearest clock of each is at least as near: the summary is due soon too.
        Conversation.objects.filter(
            pk__in={clock.conversation_id for clock in near}, sla_state=SlaState.RUNNING
        ).update(sla_state=SlaState.DUE_SOON)
    return len(near)
