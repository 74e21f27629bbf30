"""Service desk API — owner: H4: business calendars (periods, holidays, make-up workdays,
seeding from chinese_calendar, a due-time calculator), service-level policies, teams,
agent profiles and presence, assigning / reassigning / escalating a conversation, its
clocks, and the daily figures. Thin: parse, call one action (service.admin_actions,
service.routing) or query, serialise; domain errors become 403/404/409/422 at core.api.

Times of day are "HH:MM" in the calendar's zone; "24:00" ends a period at midnight."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.service import admin_actions, calendars, figures, queries, routing, sla
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.admin_actions import UNCHANGED, PeriodInput
from sellerdesk.service.intent_model import IntentLabel
from sellerdesk.service.models import (
    AgentProfile,
    BusinessCalendar,
    CalendarDay,
    Conversation,
    SlaPolicy,
    Team,
)
from sellerdesk.shops.models import Shop

router = Router(tags=["service desk settings"])

ChannelName = Literal["web", "phone", "marketplace", "email"]
SkillName = Literal["pre_sale", "after_sale"]
PresenceName = Literal["online", "away", "offline"]
DayKindName = Literal["holiday", "workday"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ShopCode = Annotated[str, StringConstraints(max_length=20)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Year = Annotated[int, Field(ge=1901, le=2199)]
Seconds = Annotated[int, Field(ge=1, le=admin_actions.MAX_TARGET_SECONDS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _id(value: int, what: str) -> None:
    if not 1 <= value <= MAX_ID:
        raise NotFound(_("No such %(what)s.") % {"what": what}, details={what: value})


# --- calendars -------------------------------------------------------------------------


class PeriodIn(Strict):
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday")
    start: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])
    end: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["24:00"], description='"24:00": until midnight')

    @field_validator("start", "end")
    @classmethod
    def _a_time(cls, value: str) -> str:
        try:
            calendars.parse_period_time(value)
        except ValueError:
            raise ValueError("a time of day HH:MM (00:00 to 24:00)") from None
        return value

    def to_input(self) -> PeriodInput:
        return PeriodInput(
            weekday=self.weekday,
            start=calendars.parse_period_time(self.start),
            end=calendars.parse_period_time(self.end),
        )


class PeriodOut(BaseModel):
    weekday: int
    start: str
    end: str


class DayOut(BaseModel):
    date: date
    kind: str
    name: str
    periods_of: int


class CalendarOut(BaseModel):
    id: int
    name: str
    timezone: str
    periods: list[PeriodOut]
    exception_days: int = Field(description="holidays and make-up workdays on the calendar")
    known_years: list[int] = Field(description="years the holiday library can seed")


class CalendarIn(Strict):
    name: Name
    timezone: Annotated[str, StringConstraints(max_length=40)] = "Asia/Shanghai"
    periods: list[PeriodIn] = Field(default_factory=list, max_length=70)
    seed_years: list[Year] = Field(default_factory=list, max_length=admin_actions.MAX_SEED_YEARS)


class CalendarPatch(Strict):
    name: Name | None = None
    timezone: Annotated[str, StringConstraints(max_length=40)] | None = None


class PeriodsIn(Strict):
    periods: list[PeriodIn] = Field(max_length=70)


class DayIn(Strict):
    kind: DayKindName
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    periods_of: int = Field(default=0, ge=0, le=6, description="a make-up workday works this weekday's periods")


class SeedIn(Strict):
    years: list[Year] = Field(min_length=1, max_length=admin_actions.MAX_SEED_YEARS)


class SeedOut(BaseModel):
    added: int
    years_seeded: list[int]
    years_unknown: list[int] = Field(description="not known to the library: enter their days by hand")


class DueQuery(BaseModel):
    start: datetime
    seconds: int = Field(ge=0, le=admin_actions.MAX_TARGET_SECONDS)


class DueOut(BaseModel):
    start: datetime
    seconds: int
    due_at: datetime


class BetweenQuery(BaseModel):
    start: datetime
    end: datetime


class BetweenOut(BaseModel):
    start: datetime
    end: datetime
    business_seconds: int


def _calendar(pk: int) -> BusinessCalendar:
    _id(pk, "calendar")
    calendar = BusinessCalendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise NotFound(_("No such calendar."), details={"calendar": pk})
    return calendar


def period_out(period: Any) -> dict[str, Any]:
    return {
        "weekday": period.weekday,
        "start": period.start.strftime("%H:%M"),
        "end": calendars.format_period_end(period.end),
    }


def calendar_out(calendar: BusinessCalendar) -> dict[str, Any]:
    known = calendars.known_years()
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "timezone": calendar.timezone,
        "periods": [period_out(period) for period in calendar.periods.all().order_by("weekday", "start")],
        "exception_days": calendar.days.count(),
        "known_years": [known.start, known.stop - 1] if known else [],
    }


def _aware(moment: datetime, calendar: BusinessCalendar) -> datetime:
    # A time without a zone is read in the calendar's zone.
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=ZoneInfo(calendar.timezone))
    return moment


@router.get("/service/calendars", response={200: list[CalendarOut], **ERROR_RESPONSES})
def list_calendars(request: HttpRequest) -> Any:
    """Every business calendar with its working periods."""
    require(actor_of(request), "service.view")
    return [calendar_out(calendar) for calendar in BusinessCalendar.objects.order_by("name")[:200]]


@router.post("/service/calendars", response={201: CalendarOut, **ERROR_RESPONSES})
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Any:
    """A calendar with its periods (several a day: a lunch break), seeded with the
    holidays and make-up workdays (调休) of `seed_years` the library knows."""
    calendar = admin_actions.create_calendar(
        actor=actor_of(request),
        name=payload.name,
        timezone_name=payload.timezone,
        periods=[period.to_input() for period in payload.periods],
        seed_years=payload.seed_years,
    )
    return Status(201, calendar_out(calendar))


@router.get("/service/calendars/{pk}", response={200: CalendarOut, **ERROR_RESPONSES})
def get_calendar(request: HttpRequest, pk: Path[int]) -> Any:
    require(actor_of(request), "service.view")
    return calendar_out(_calendar(pk))


@router.patch("/service/calendars/{pk}", response={200: CalendarOut, **ERROR_RESPONSES})
def update_calendar(request: HttpRequest, pk: Path[int], payload: CalendarPatch) -> Any:
    calendar = admin_actions.update_calendar(
        calendar=_calendar(pk), actor=actor_of(request), name=payload.name, timezone_name=payload.timezone
    )
    return calendar_out(calendar)


@router.delete("/service/calendars/{pk}", response={204: None, **ERROR_RESPONSES})
def delete_calendar(request: HttpRequest, pk: Path[int]) -> Any:
    """Delete a calendar no policy uses (409 calendar_in_use)."""
    admin_actions.delete_calendar(calendar=_calendar(pk), actor=actor_of(request))
    return Status(204, None)


@router.put("/service/calendars/{pk}/periods", response={200: CalendarOut, **ERROR_RESPONSES})
def set_periods(request: HttpRequest, pk: Path[int], payload: PeriodsIn) -> Any:
    """Replace every working period of the calendar."""
    calendar = _calendar(pk)
    admin_actions.set_periods(
        calendar=calendar, actor=actor_of(request), periods=[period.to_input() for period in payload.periods]
    )
    return calendar_out(calendar)


class DaysQuery(BaseModel):
    year: Year | None = None


@router.get("/service/calendars/{pk}/days", response={200: list[DayOut], **ERROR_RESPONSES})
def list_days(request: HttpRequest, pk: Path[int], query: Query[DaysQuery]) -> Any:
    """The calendar's holidays and make-up workdays (of one year when given)."""
    require(actor_of(request), "service.view")
    days = CalendarDay.objects.filter(calendar=_calendar(pk))
    if query.year is not None:
        days = days.filter(date__year=query.year)
    return [
        {"date": day.date, "kind": day.kind, "name": day.name, "periods_of": day.periods_of}
        for day in days.order_by("date")[:1000]
    ]


@router.put("/service/calendars/{pk}/days/{day}", response={200: DayOut, **ERROR_RESPONSES})
def set_day(request: HttpRequest, pk: Path[int], day: Path[date], payload: DayIn) -> Any:
    """Make a date a public holiday or a make-up workdays (调休上班), e.g. for a year the
    library does not know yet."""
    row = admin_actions.set_day(
        calendar=_calendar(pk),
        actor=actor_of(request),
        day=day,
        kind=payload.kind,
        name=payload.name,
        periods_of=payload.periods_of,
    )
    return {"date": row.date, "kind": row.kind, "name": row.name, "periods_of": row.periods_of}


@router.delete("/service/calendars/{pk}/days/{day}", response={204: None, **ERROR_RESPONSES})
def remove_day(request: HttpRequest, pk: Path[int], day: Path[date]) -> Any:
    if not admin_actions.remove_day(calendar=_calendar(pk), actor=actor_of(request), day=day):
        raise NotFound(_("This date is not a holiday or make-up workday of the calendar."), details={"date": str(day)})
    return Status(204, None)


@router.post("/service/calendars/{pk}/seed", response={200: SeedOut, **ERROR_RESPONSES})
def seed_calendar(request: HttpRequest, pk: Path[int], payload: SeedIn) -> Any:
    """Add the holidays and make-up workdays of `years` from the chinese_calendar
    package; days already on the calendar are kept as they are."""
    result = admin_actions.seed(calendar=_calendar(pk), actor=actor_of(request), years=payload.years)
    return {"added": result.added, "years_seeded": result.years_seeded, "years_unknown": result.years_unknown}


@router.get("/service/calendars/{pk}/due", response={200: DueOut, **ERROR_RESPONSES})
def due_at(request: HttpRequest, pk: Path[int], query: Query[DueQuery]) -> Any:
    """When `seconds` of business time after `start` end on this calendar."""
    require(actor_of(request), "service.view")
    calendar = _calendar(pk)
    start = _aware(query.start, calendar)
    try:
        due = calendars.add_business_seconds(calendar, start, query.seconds)
    except ValueError:
        raise ValidationFailed({"seconds": _("The calendar has no working time to count them in.")}) from None
    zone = ZoneInfo(calendar.timezone)
    return {"start": start.astimezone(zone), "seconds": query.seconds, "due_at": due.astimezone(zone)}


@router.get("/service/calendars/{pk}/business-seconds", response={200: BetweenOut, **ERROR_RESPONSES})
def business_seconds(request: HttpRequest, pk: Path[int], query: Query[BetweenQuery]) -> Any:
    """Business seconds between two moments on this calendar (at most a year apart)."""
    require(actor_of(request), "service.view")
    calendar = _calendar(pk)
    start, end = _aware(query.start, calendar), _aware(query.end, calendar)
    if end - start > timedelta(days=366):
        raise ValidationFailed({"end": _("at most a year after the start")})
    return {"start": start, "end": end, "business_seconds": calendars.business_seconds_between(calendar, start, end)}


# --- service-level policies ------------------------------------------------------------


class PolicyOut(BaseModel):
    id: int
    name: str
    shop: str | None
    channel: str
    calendar_id: int | None
    first_reply_seconds: int
    next_reply_seconds: int
    resolution_seconds: int
    active: bool


class PolicyIn(Strict):
    name: Name
    shop: ShopCode | None = Field(default=None, description="shop code; none: every shop")
    channel: ChannelName | Literal[""] = ""
    calendar_id: int | None = Field(default=None, description="none: round the clock")
    first_reply_seconds: Seconds = 60
    next_reply_seconds: Seconds = 120
    resolution_seconds: Seconds = 24 * 3600
    active: bool = True


class PolicyPatch(Strict):
    name: Name | None = None
    shop: ShopCode | None = None
    channel: ChannelName | Literal[""] | None = None
    calendar_id: int | None = None
    first_reply_seconds: Seconds | None = None
    next_reply_seconds: Seconds | None = None
    resolution_seconds: Seconds | None = None
    active: bool | None = None


def policy_out(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "shop": policy.shop.code if policy.shop_id and policy.shop else None,
        "channel": policy.channel,
        "calendar_id": policy.calendar_id,
        "first_reply_seconds": policy.first_reply_seconds,
        "next_reply_seconds": policy.next_reply_seconds,
        "resolution_seconds": policy.resolution_seconds,
        "active": policy.active,
    }


def _shop_by_code(code: str | None, *, field: str = "shop") -> Shop | None:
    if not code:
        return None
    shop = Shop.objects.filter(code=code).first()
    if shop is None:
        raise ValidationFailed({field: _("no shop has the code %(code)s") % {"code": code}})
    return shop


def _calendar_field(pk: int | None) -> BusinessCalendar | None:
    if pk is None:
        return None
    calendar = BusinessCalendar.objects.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if calendar is None:
        raise ValidationFailed({"calendar_id": _("no such calendar")})
    return calendar


def _policy(pk: int) -> SlaPolicy:
    _id(pk, "policy")
    policy = SlaPolicy.objects.select_related("shop").filter(pk=pk).first()
    if policy is None:
        raise NotFound(_("No such service-level policy."), details={"policy": pk})
    return policy


@router.get("/service/sla-policies", response={200: list[PolicyOut], **ERROR_RESPONSES})
def list_policies(request: HttpRequest) -> Any:
    """Every service-level policy; the most specific active one applies to a conversation
    (shop and channel, then shop, then channel, then neither)."""
    require(actor_of(request), "service.view")
    return [policy_out(policy) for policy in SlaPolicy.objects.select_related("shop").order_by("pk")[:200]]


@router.post("/service/sla-policies", response={201: PolicyOut, **ERROR_RESPONSES})
def create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    policy = admin_actions.create_policy(
        actor=actor_of(request),
        name=payload.name,
        shop=_shop_by_code(payload.shop),
        channel=payload.channel,
        calendar=_calendar_field(payload.calendar_id),
        first_reply_seconds=payload.first_reply_seconds,
        next_reply_seconds=payload.next_reply_seconds,
        resolution_seconds=payload.resolution_seconds,
        active=payload.active,
    )
    return Status(201, policy_out(policy))


@router.patch("/service/sla-policies/{pk}", response={200: PolicyOut, **ERROR_RESPONSES})
def update_policy(request: HttpRequest, pk: Path[int], payload: PolicyPatch) -> Any:
    """Change a policy; running clocks keep their targets, new clocks take the new ones.
    Send `shop: ""` or `calendar_id: null` explicitly to clear them."""
    given = payload.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("name", "channel", "first_reply_seconds", "next_reply_seconds", "resolution_seconds", "active"):
        if field in given and getattr(payload, field) is not None:
            changes[field] = getattr(payload, field)
    if "shop" in given:
        changes["shop"] = _shop_by_code(payload.shop)
    if "calendar_id" in given:
        changes["calendar"] = _calendar_field(payload.calendar_id)
    policy = admin_actions.update_policy(policy=_policy(pk), actor=actor_of(request), **changes)
    return policy_out(policy)


@router.delete("/service/sla-policies/{pk}", response={204: None, **ERROR_RESPONSES})
def delete_policy(request: HttpRequest, pk: Path[int]) -> Any:
    admin_actions.delete_policy(policy=_policy(pk), actor=actor_of(request))
    return Status(204, None)


# --- teams and agents ------------------------------------------------------------------


class TeamOut(BaseModel):
    id: int
    name: str
    supervisor_id: int | None


class TeamIn(Strict):
    name: Name
    supervisor_id: int | None = None


class AgentOut(BaseModel):
    user_id: int
    username: str
    name: str
    role: str
    team_id: int | None
    shops: list[str] = Field(description="shop codes; empty: every shop")
    skills: list[str]
    intents: list[str]
    languages: list[str]
    max_chats: int
    presence: str
    presence_at: datetime | None
    open_count: int


class AgentIn(Strict):
    team_id: int | None = None
    shops: list[ShopCode] | None = Field(default=None, max_length=100)
    skills: list[SkillName] | None = Field(default=None, max_length=2)
    intents: list[IntentLabel] | None = Field(default=None, max_length=12)
    languages: list[Annotated[str, StringConstraints(max_length=10)]] | None = Field(default=None, max_length=10)
    max_chats: int | None = Field(default=None, ge=1, le=100)


class PresenceIn(Strict):
    presence: PresenceName


def agent_out(profile: AgentProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "username": profile.user.username,
        "name": profile.user.signature,
        "role": profile.user.role,
        "team_id": profile.team_id,
        "shops": sorted(shop.code for shop in profile.shops.all()),
        "skills": list(profile.skills or []),
        "intents": list(profile.intents or []),
        "languages": list(profile.languages or []),
        "max_chats": profile.max_chats,
        "presence": profile.presence,
        "presence_at": timezone.localtime(profile.presence_at) if profile.presence_at else None,
        "open_count": profile.open_count,
    }


def _user(pk: int) -> User:
    _id(pk, "user")
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise NotFound(_("No such user."), details={"user": pk})
    return user


@router.get("/service/teams", response={200: list[TeamOut], **ERROR_RESPONSES})
def list_teams(request: HttpRequest) -> Any:
    require(actor_of(request), "service.view")
    return [{"id": t.pk, "name": t.name, "supervisor_id": t.supervisor_id} for t in Team.objects.order_by("name")[:200]]


@router.post("/service/teams", response={201: TeamOut, **ERROR_RESPONSES})
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    supervisor = _user(payload.supervisor_id) if payload.supervisor_id is not None else None
    team = admin_actions.create_team(actor=actor_of(request), name=payload.name, supervisor=supervisor)
    return Status(201, {"id": team.pk, "name": team.name, "supervisor_id": team.supervisor_id})


@router.get("/service/agents", response={200: list[AgentOut], **ERROR_RESPONSES})
def list_agents(request: HttpRequest) -> Any:
    """Every agent profile: skills, shops, languages, cap, presence and the load now."""
    require(actor_of(request), "service.view")
    profiles = AgentProfile.objects.select_related("user").prefetch_related("shops").order_by("user__username")
    return [agent_out(profile) for profile in profiles[:500]]


@router.put("/service/agents/{user_id}", response={200: AgentOut, **ERROR_RESPONSES})
def save_agent(request: HttpRequest, user_id: Path[int], payload: AgentIn) -> Any:
    """Create or change an agent's profile; fields left out are kept (send `team_id:
    null` to take them out of their team)."""
    given = payload.model_fields_set
    arguments: dict[str, Any] = {}
    if "team_id" in given:
        team = None
        if payload.team_id is not None:
            team = Team.objects.filter(pk=payload.team_id).first() if 1 <= payload.team_id <= MAX_ID else None
            if team is None:
                raise ValidationFailed({"team_id": _("no such team")})
        arguments["team"] = team
    if payload.shops is not None:
        arguments["shops"] = [_shop_by_code(code, field="shops") for code in payload.shops]
    for field in ("skills", "intents", "languages", "max_chats"):
        value = getattr(payload, field)
        arguments[field] = value if value is not None else UNCHANGED
    profile = admin_actions.save_agent(user=_user(user_id), actor=actor_of(request), **arguments)
    return agent_out(AgentProfile.objects.select_related("user").prefetch_related("shops").get(pk=profile.pk))


@router.post("/service/presence", response={200: AgentOut, **ERROR_RESPONSES})
def my_presence(request: HttpRequest, payload: PresenceIn) -> Any:
    """The signed-in agent is online, away or offline (offline hands the conversations
    waiting for their reply to others)."""
    actor = actor_of(request)
    require(actor, "service.reply")
    profile = routing.set_presence(user=actor, presence=payload.presence)
    return agent_out(AgentProfile.objects.select_related("user").prefetch_related("shops").get(pk=profile.pk))


@router.post("/service/agents/{user_id}/presence", response={200: AgentOut, **ERROR_RESPONSES})
def agent_presence(request: HttpRequest, user_id: Path[int], payload: PresenceIn) -> Any:
    """A supervisor sets an agent's presence (an agent who left without signing out)."""
    require(actor_of(request), "service.supervise")
    profile = routing.set_presence(user=_user(user_id), presence=payload.presence)
    return agent_out(AgentProfile.objects.select_related("user").prefetch_related("shops").get(pk=profile.pk))


# --- routing on one conversation -------------------------------------------------------


class ConversationAssignIn(Strict):
    agent_id: int | None = Field(description="null: back to the queue")
    reason: Reason = ""


class EscalateIn(Strict):
    reason: Literal["manual", "complaint", "sla_breach"] = "manual"


class AssignOut(BaseModel):
    id: int
    assignee_id: int | None
    assignee: str | None
    escalated_to_id: int | None
    priority: int


class ClockOut(BaseModel):
    id: int
    kind: str
    state: str
    target_seconds: int
    started_at: datetime
    due_at: datetime | None
    remaining_seconds: int | None
    met_at: datetime | None
    breached_at: datetime | None
    business_seconds: int | None


def _conversation(request: HttpRequest, pk: int, permission: str = "service.view") -> Conversation:
    _id(pk, "conversation")
    return queries.conversation_for(actor_of(request), pk, permission=permission)


def assign_out(conversation: Conversation) -> dict[str, Any]:
    conversation = Conversation.objects.select_related("assignee").get(pk=conversation.pk)
    return {
        "id": conversation.pk,
        "assignee_id": conversation.assignee_id,
        "assignee": conversation.assignee.signature if conversation.assignee else None,
        "escalated_to_id": conversation.escalated_to_id,
        "priority": conversation.priority,
    }


@router.post("/service/conversations/{pk}/assign", response={200: AssignOut, **ERROR_RESPONSES})
def assign(request: HttpRequest, pk: Path[int], payload: ConversationAssignIn) -> Any:
    """A supervisor (re)assigns the conversation, or an agent takes an unassigned one
    (agent_id: themselves). 409 agent_offline / agent_full; nothing changes then."""
    conversation = _conversation(request, pk, "service.reply")
    agent = _user(payload.agent_id) if payload.agent_id is not None else None
    routing.assign(conversation=conversation, agent=agent, actor=actor_of(request), reason=payload.reason)
    return assign_out(conversation)


@router.post("/service/conversations/{pk}/escalate", response={200: AssignOut, **ERROR_RESPONSES})
def escalate(request: HttpRequest, pk: Path[int], payload: EscalateIn) -> Any:
    """Ask a supervisor in (the team's, else the first supervisor or owner)."""
    conversation = _conversation(request, pk, "service.reply")
    routing.escalate(conversation=conversation, reason=payload.reason, actor=actor_of(request))
    return assign_out(conversation)


@router.get("/service/conversations/{pk}/clocks", response={200: list[ClockOut], **ERROR_RESPONSES})
def clocks(request: HttpRequest, pk: Path[int]) -> Any:
    """The conversation's service-level clocks (first reply, next replies, resolution)."""
    return sla.clock_summary(_conversation(request, pk))


# --- figures ---------------------------------------------------------------------------


class FiguresQuery(BaseModel):
    start: date
    end: date
    shop: ShopCode | None = Field(default=None, description="shop code")
    agent: int | None = Field(default=None, description="user id")
    by: Annotated[str, StringConstraints(pattern=r"^(|day|shop|agent)(,(day|shop|agent))*$")] = "day,shop,agent"


class FigureOut(BaseModel):
    day: date | None = None
    shop_id: int | None = None
    shop: str | None = None
    agent_id: int | None = None
    agent: str | None = None
    conversations: int
    first_responses: int
    first_response_avg_seconds: float | None = Field(description="business seconds")
    resolutions: int
    resolution_avg_seconds: float | None = Field(description="business seconds")
    sla_met: int
    sla_breached: int
    sla_met_percent: float | None
    csat_count: int
    csat_avg: float | None
    forbidden_hits: int


MAX_FIGURE_DAYS = 366


def figures_for(
    actor: User, *, start: date, end: date, shop: str | None, agent: int | None, by: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The figures an actor may see: a supervisor every agent's, an agent their own;
    only the shops the actor serves."""
    require(actor, "service.view")
    if end < start:
        raise ValidationFailed({"end": _("must not be before the start")})
    if (end - start).days >= MAX_FIGURE_DAYS:
        raise ValidationFailed({"end": _("at most %(days)s days") % {"days": MAX_FIGURE_DAYS}})
    if not has_permission(actor, "service.supervise"):
        if agent is not None and agent != actor.pk:
            raise PermissionDenied(_("Only a supervisor sees another agent's figures."))
        agent = actor.pk
    shop_ids = agent_shop_ids(actor)
    chosen = _shop_by_code(shop)
    if chosen is not None:
        if shop_ids is not None and chosen.pk not in shop_ids:
            raise PermissionDenied(_("You do not serve this shop."))
        shop_ids = {chosen.pk}
    rows = figures.report(start=start, end=end, by=by, shop_ids=shop_ids, agent_id=agent)
    return [row.as_dict() for row in rows]


@router.get("/service/figures", response={200: list[FigureOut], **ERROR_RESPONSES})
def daily_figures(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    """First-response and resolution times (business seconds), SLA met %, CSAT and
    forbidden-phrase hits per day / shop / agent (`by`, comma separated; empty: one row)
    from `start` to `end` (Shanghai days, both included, at most a year). Agents see
    their own figures; supervisors everyone's."""
    by = tuple(part for part in query.by.split(",") if part)
    return figures_for(actor_of(request), start=query.start, end=query.end, shop=query.shop, agent=query.agent, by=by)
