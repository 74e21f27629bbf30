"""Routing conversations to agents (owner H4).

Who may get a conversation: an agent (AgentProfile) who is online, has room under their
cap of concurrent chats, and serves the conversation's shop (no shops listed: every
shop). Among them the best fit first: the conversation's language and skill (售前 for
price, product and payment questions, 售后 for the rest, service.models.PRE_SALE_INTENTS),
an agent who prefers its intent, then the lightest load (open / cap), then the one who
waited longest since their last assignment. When nobody speaks the language or has the
skill, the conversation goes to any agent of the shop rather than wait; never to an
offline agent and never over a cap.

Load is a counter, AgentProfile.open_count: the conversations assigned to the agent
that are open, pending or snoozed. It moves by a conditional UPDATE in the assigning
transaction (`open_count = open_count + 1 WHERE open_count < max_chats AND presence =
'online'`), so two workers routing at once can never push an agent over the cap, and
routing never counts rows.

A reopened conversation goes back to its agent when they are online and have room; an
agent going offline hands their conversations that wait for a reply back to the queue
(they stay their "last agent"). `route_waiting` (the "service.routing" job) serves the
queue longest-waiting first. Escalation (a breached service level, a complaint, a
supervisor's decision) puts a supervisor on the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role, has_permission, require
from sellerdesk.service import events, realtime
from sellerdesk.service.models import (
    PRE_SALE_INTENTS,
    UNCLASSIFIED,
    AgentProfile,
    Conversation,
    ConversationStatus,
    Presence,
    Priority,
    Skill,
)
from sellerdesk.service.states import ACTIVE_STATUSES

ASSIGNED = "conversation_assigned"
UNASSIGNED = "conversation_unassigned"
ESCALATED = "conversation_escalated"

REASON_LABELS: dict[str, Any] = {
    "route": gettext_lazy("routed"),
    "reopened": gettext_lazy("back to their agent"),
    "reassign": gettext_lazy("reassigned"),
    "take": gettext_lazy("taken"),
    "replied": gettext_lazy("answered it"),
    "offline": gettext_lazy("agent went offline"),
    "sla_breach": gettext_lazy("service level breached"),
    "complaint": gettext_lazy("complaint"),
    "manual": gettext_lazy("asked by an agent"),
}


def _reason(value: Any) -> str:
    return str(REASON_LABELS.get(value, value or ""))


events.register_code(
    ASSIGNED,
    gettext_lazy("Assigned to %(name)s (%(reason)s)"),
    format=lambda p: {"name": p.get("name", ""), "reason": _reason(p.get("reason"))},
    example={"agent": 7, "name": "阿华", "reason": "route"},
)
events.register_code(
    UNASSIGNED,
    gettext_lazy("Back in the queue (%(reason)s)"),
    format=lambda p: {"reason": _reason(p.get("reason"))},
    example={"agent": 7, "reason": "offline"},
)
events.register_code(
    ESCALATED,
    gettext_lazy("Escalated to %(name)s (%(reason)s)"),
    format=lambda p: {"name": p.get("name", ""), "reason": _reason(p.get("reason"))},
    example={"supervisor": 3, "name": "主管", "reason": "sla_breach"},
)


def skill_for(intent: str) -> str:
    """The skill an intent needs: pre-sale questions, after-sale work, or none known yet."""
    if not intent or intent == UNCLASSIFIED:
        return ""
    return Skill.PRE_SALE if intent in PRE_SALE_INTENTS else Skill.AFTER_SALE


def _serves_shop(profile: AgentProfile, shop_id: int) -> bool:
    shops = [shop.pk for shop in profile.shops.all()]  # prefetched
    return not shops or shop_id in shops


@dataclass(frozen=True)
class Candidate:
    """What routing reads of an online agent with room: plain values, no model objects
    (the hot path of every new conversation)."""

    profile_id: int
    user_id: int
    skills: tuple[str, ...]
    intents: tuple[str, ...]
    languages: tuple[str, ...]
    open_count: int
    max_chats: int
    last_assigned_at: datetime | None


def candidates(conversation: Conversation) -> list[Candidate]:
    """The online agents with room who serve the conversation's shop, best first (one
    query for the profiles, one for their shops; no counting)."""
    skill = conversation.skill or skill_for(conversation.intent)
    rows = list(
        AgentProfile.objects.filter(
            presence=Presence.ONLINE, open_count__lt=F("max_chats"), user__is_active=True
        ).values_list("pk", "user_id", "skills", "intents", "languages", "open_count", "max_chats", "last_assigned_at")
    )
    shops: dict[int, set[int]] = {}
    for profile_id, shop_id in AgentProfile.shops.through.objects.filter(
        agentprofile_id__in=[row[0] for row in rows]
    ).values_list("agentprofile_id", "shop_id"):
        shops.setdefault(profile_id, set()).add(shop_id)
    found = [
        Candidate(pk, user_id, tuple(skills or ()), tuple(intents or ()), tuple(languages or ()), load, cap, last)
        for pk, user_id, skills, intents, languages, load, cap, last in rows
        # No shops listed: every shop.
        if not shops.get(pk) or conversation.shop_id in shops[pk]
    ]
    epoch = datetime.min.replace(tzinfo=timezone.get_current_timezone())

    def rank(candidate: Candidate) -> tuple[Any, ...]:
        # No languages listed: the shop's own language (zh-hans) only.
        language_fits = conversation.language in (candidate.languages or ("zh-hans",))
        skill_fits = not skill or not candidate.skills or skill in candidate.skills
        prefers_intent = bool(conversation.intent) and conversation.intent in candidate.intents
        return (
            not language_fits,
            not skill_fits,
            not prefers_intent,
            candidate.open_count / max(candidate.max_chats, 1),
            candidate.last_assigned_at or epoch,
            candidate.profile_id,
        )

    return sorted(found, key=rank)


def _claim(profile_id: int, *, at: datetime) -> bool:
    """Count one more conversation against the agent, if they are online and have room.

    One table and no join on purpose: PostgreSQL re-checks a single-table UPDATE's WHERE
    on the row a concurrent transaction just changed, so the cap holds; with a join
    Django writes `WHERE id IN (subquery)`, whose answer is not re-checked, and two
    workers could both pass `open_count < max_chats` (the PostgreSQL test caught it).
    Whether the user is active is checked by the callers."""
    return (
        AgentProfile.objects.filter(pk=profile_id, presence=Presence.ONLINE, open_count__lt=F("max_chats")).update(
            open_count=F("open_count") + 1, last_assigned_at=at
        )
        == 1
    )


def _release(user_id: int | None) -> None:
    if user_id is not None:
        AgentProfile.objects.filter(user_id=user_id, open_count__gt=0).update(open_count=F("open_count") - 1)


def _set_assignee(
    conversation: Conversation, user: User | None, *, at: datetime, reason: str, actor: User | None = None
) -> None:
    before = conversation.assignee_id
    conversation.assignee = user
    fields = ["assignee"]
    if user is not None:
        conversation.last_assignee = user
        fields.append("last_assignee")
        profile_team = AgentProfile.objects.filter(user=user).values_list("team_id", flat=True).first()
        if profile_team is not None:
            conversation.team_id = profile_team
            fields.append("team")
        events.record_event(
            conversation=conversation,
            code=ASSIGNED,
            actor=actor,
            at=at,
            agent=user.pk,
            name=user.signature,
            reason=reason,
        )
    else:
        events.record_event(conversation=conversation, code=UNASSIGNED, actor=actor, at=at, agent=before, reason=reason)
    conversation.save(update_fields=fields)
    transaction.on_commit(lambda: realtime.publish_conversation(conversation))


def route(conversation: Conversation, *, at: datetime) -> User | None:
    """Assign an unassigned conversation to the best online agent with room (skill, shop,
    language, intent, load), or to its last agent when reopened and they are online.
    None (left unassigned, waiting) when nobody fits."""
    if conversation.assignee_id is not None:
        return conversation.assignee
    if conversation.status == ConversationStatus.RESOLVED:
        return None
    with transaction.atomic():
        if not conversation.skill and skill_for(conversation.intent):
            conversation.skill = skill_for(conversation.intent)
            conversation.save(update_fields=["skill"])
        last = conversation.last_assignee_id
        if last is not None:
            profile_id = (
                AgentProfile.objects.filter(user_id=last, user__is_active=True).values_list("pk", flat=True).first()
            )
            if profile_id is not None and _claim(profile_id, at=at):
                user = User.objects.get(pk=last)
                _set_assignee(conversation, user, at=at, reason="reopened")
                return user
        for candidate in candidates(conversation):
            if _claim(candidate.profile_id, at=at):
                user = User.objects.get(pk=candidate.user_id)
                _set_assignee(conversation, user, at=at, reason="route")
                return user
    return None


def on_finished(conversation: Conversation, *, at: datetime) -> None:
    """The conversation was resolved: its agent's load counter goes down (the agent
    stays on it as its last agent; a reopen brings it back to them)."""
    _release(conversation.assignee_id)
    if conversation.assignee_id is not None and conversation.last_assignee_id != conversation.assignee_id:
        conversation.last_assignee_id = conversation.assignee_id
        conversation.save(update_fields=["last_assignee"])


def on_reopened(conversation: Conversation, *, at: datetime) -> None:
    """A resolved conversation came back: counts against its agent again, or is routed."""
    agent_id = conversation.assignee_id
    if agent_id is not None:
        profile_id = (
            AgentProfile.objects.filter(user_id=agent_id, user__is_active=True).values_list("pk", flat=True).first()
        )
        if profile_id is not None and _claim(profile_id, at=at):
            return
        # Offline or full: back to the queue; they stay its last agent.
        _set_assignee(conversation, None, at=at, reason="offline")
    route(conversation, at=at)


def _supervisor_for(conversation: Conversation) -> User | None:
    if conversation.team_id is not None and conversation.team is not None and conversation.team.supervisor_id:
        return conversation.team.supervisor
    if conversation.assignee_id is not None:
        profile = (
            AgentProfile.objects.select_related("team__supervisor").filter(user_id=conversation.assignee_id).first()
        )
        if profile is not None and profile.team is not None and profile.team.supervisor is not None:
            return profile.team.supervisor
    for role in (Role.SUPERVISOR, Role.OWNER):
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if user is not None:
            return user
    return None


def escalate(
    *, conversation: Conversation, reason: str, at: datetime | None = None, actor: User | None = None
) -> Conversation:
    """Put a supervisor on the conversation (its team's, else the first supervisor or
    owner): escalated_to, priority at least high, a timeline event, and the desks told.
    Escalating an escalated conversation changes nothing (one alert per conversation
    until a supervisor clears it by reassigning)."""
    at = at or timezone.now()
    if conversation.escalated_to_id is not None:
        return conversation
    supervisor = _supervisor_for(conversation)
    if supervisor is None:
        return conversation
    conversation.escalated_to = supervisor
    conversation.escalated_at = at
    fields = ["escalated_to", "escalated_at"]
    if conversation.priority < Priority.HIGH:
        conversation.priority = Priority.HIGH
        fields.append("priority")
    conversation.save(update_fields=fields)
    events.record_event(
        conversation=conversation,
        code=ESCALATED,
        actor=actor,
        at=at,
        supervisor=supervisor.pk,
        name=supervisor.signature,
        reason=reason,
    )
    transaction.on_commit(lambda: realtime.publish_conversation(conversation))
    return conversation


def _locked(conversation: Conversation) -> Conversation:
    # Only the conversation's row: PostgreSQL refuses FOR UPDATE on the nullable side of
    # the outer join select_related("team") makes.
    return Conversation.objects.select_for_update(of=("self",)).select_related("team").get(pk=conversation.pk)


def assign(
    *, conversation: Conversation, agent: User | None, actor: User | None, at: datetime | None = None, reason: str = ""
) -> Conversation:
    """Give the conversation to `agent` (None: back to the queue). A supervisor
    (service.supervise) reassigns any conversation; an agent may take an unassigned one
    for themselves. The agent must be online, serve the shop and have room under their
    cap (409 otherwise, nothing changed). Load counters move in the same transaction;
    a supervisor's reassignment clears an escalation."""
    at = at or timezone.now()
    if actor is not None:
        taking = agent is not None and agent.pk == actor.pk
        if not (has_permission(actor, "service.supervise") or (taking and has_permission(actor, "service.reply"))):
            require(actor, "service.supervise")
    with transaction.atomic():
        current = _locked(conversation)
        supervising = actor is None or has_permission(actor, "service.supervise")
        if not supervising and current.assignee_id is not None:
            raise PermissionDenied(_("Only a supervisor may take a conversation another agent has."))
        if agent is not None and current.assignee_id == agent.pk:
            return current
        active = current.status in ACTIVE_STATUSES
        if agent is not None:
            profile = AgentProfile.objects.prefetch_related("shops").filter(user=agent).first()
            if profile is None or not agent.is_active:
                raise ValidationFailed({"agent": _("This user has no agent profile.")})
            if not _serves_shop(profile, current.shop_id):
                raise ValidationFailed({"agent": _("This agent does not serve the conversation's shop.")})
            if profile.presence != Presence.ONLINE:
                raise Conflict("agent_offline", _("This agent is not online."))
            if active and not _claim(profile.pk, at=at):
                raise Conflict("agent_full", _("This agent has no room for another conversation."))
        if active:
            _release(current.assignee_id)
        if supervising and current.escalated_to_id is not None and actor is not None:
            current.escalated_to = None
            current.escalated_at = None
            current.save(update_fields=["escalated_to", "escalated_at"])
        _set_assignee(current, agent, at=at, reason=reason or ("take" if not supervising else "reassign"), actor=actor)
    return current


def set_presence(*, user: User, presence: str, at: datetime | None = None) -> AgentProfile:
    """The agent is online, away or offline (the desk's socket, or the agent's choice).
    Going offline hands the conversations that wait for this agent's reply back to the
    queue and routes them to others at once. An agent coming online is given the queue's
    longest-waiting conversations at once, as many as they have room for (a first reply
    is due within a minute: the "service.routing" job would come too late); nothing
    already assigned moves."""
    at = at or timezone.now()
    if presence not in Presence.values:
        raise ValidationFailed({"presence": _("Unknown presence: %(presence)s") % {"presence": presence}})
    with transaction.atomic():
        profile, _created = AgentProfile.objects.select_for_update().get_or_create(user=user)
        before = profile.presence
        if before == presence:
            return profile
        profile.presence = presence
        profile.presence_at = at
        profile.save(update_fields=["presence", "presence_at"])
        released: list[int] = []
        if presence == Presence.OFFLINE:
            waiting = Conversation.objects.filter(
                assignee=user, status=ConversationStatus.OPEN, waiting_since__isnull=False
            ).order_by("pk")
            for conversation in waiting.select_for_update():
                _release(user.pk)
                _set_assignee(conversation, None, at=at, reason="offline")
                released.append(conversation.pk)
    transaction.on_commit(lambda: realtime.publish_presence(profile))
    if released:
        route_waiting(now=at, limit=len(released))
    elif presence == Presence.ONLINE and profile.open_count < profile.max_chats:
        route_waiting(now=at, limit=profile.max_chats - profile.open_count)
    profile.refresh_from_db()
    return profile


def route_waiting(*, now: datetime, limit: int | None = None) -> int:
    """Assign unassigned open conversations, longest-waiting first (each in its own short
    transaction, the conversation locked; on PostgreSQL rows another worker holds are
    skipped). Stops when no online agent has room. Returns how many were assigned."""
    from django.conf import settings

    size = limit or int(settings.SELLERDESK.get("SWEEP_BATCH_SIZE", 200))
    room = Q(presence=Presence.ONLINE, open_count__lt=F("max_chats"))
    if not AgentProfile.objects.filter(room).exists():
        return 0
    waiting = list(
        Conversation.objects.filter(assignee__isnull=True, status=ConversationStatus.OPEN)
        .order_by(F("waiting_since").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)[:size]
    )
    assigned = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    for conversation_id in waiting:
        with transaction.atomic():
            locked = Conversation.objects.select_for_update(skip_locked=skip_locked).filter(
                pk=conversation_id, assignee__isnull=True, status=ConversationStatus.OPEN
            )
            conversation = locked.first()
            if conversation is None:
                continue
            if route(conversation, at=now) is not None:
                assigned += 1
            elif not AgentProfile.objects.filter(room).exists():
                break
    return assigned
