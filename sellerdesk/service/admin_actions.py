"""The desk's settings, written by the owner or a supervisor (service.configure): business
calendars (periods, holidays, make-up workdays, seeding), service-level policies and
agent profiles. One action per change, each checked, in one transaction, audited
(core.audit), and forgetting the remembered calendars and policies of this process
(core.refcache) so the clocks use the change at once. The API (service.api_admin) and
the screens (service.views_admin) both call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import refcache
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.service import calendars
from sellerdesk.service.models import (
    INTENTS,
    AgentProfile,
    BusinessCalendar,
    CalendarDay,
    ConversationChannel,
    DayKind,
    Skill,
    SlaPolicy,
    Team,
    WorkingPeriod,
)
from sellerdesk.shops.models import Shop

CALENDAR = "service_calendar"
POLICY = "service_sla_policy"
AGENT = "service_agent"

MAX_PERIODS_PER_DAY = 8
MAX_SEED_YEARS = 30
# An SLA target of more than 90 days of business time is a typo.
MAX_TARGET_SECONDS = 90 * 24 * 3600

register_audit_code(
    "service_calendar_created", CALENDAR, gettext_lazy("Business calendar %(name)s created."), example={"name": "客服"}
)
register_audit_code(
    "service_calendar_changed",
    CALENDAR,
    gettext_lazy("Business calendar changed: %(fields)s."),
    format=lambda data: {"fields": ", ".join(data.get("fields", []))},
    example={"fields": ["name"]},
)
register_audit_code(
    "service_calendar_periods",
    CALENDAR,
    gettext_lazy("Working periods set (%(count)s)."),
    example={"count": 14},
)
register_audit_code(
    "service_calendar_day_set",
    CALENDAR,
    gettext_lazy("%(date)s set as %(kind)s."),
    format=lambda data: {"date": data.get("date", ""), "kind": _day_kind_label(data.get("kind", ""))},
    example={"date": "2031-10-01", "kind": "holiday"},
)
register_audit_code(
    "service_calendar_day_removed",
    CALENDAR,
    gettext_lazy("%(date)s back to a usual day."),
    example={"date": "2031-10-01"},
)
register_audit_code(
    "service_calendar_seeded",
    CALENDAR,
    gettext_lazy("Holidays and make-up workdays of %(years)s added (%(added)s days)."),
    format=lambda data: {"years": ", ".join(str(y) for y in data.get("years", [])), "added": data.get("added", 0)},
    example={"years": [2026], "added": 39},
)
register_audit_code(
    "service_calendar_deleted", CALENDAR, gettext_lazy("Business calendar %(name)s deleted."), example={"name": "客服"}
)
register_audit_code(
    "service_policy_created",
    POLICY,
    gettext_lazy("Service-level policy %(name)s created."),
    example={"name": "在线客服"},
)
register_audit_code(
    "service_policy_changed",
    POLICY,
    gettext_lazy("Service-level policy changed: %(fields)s."),
    format=lambda data: {"fields": ", ".join(data.get("fields", []))},
    example={"fields": ["first_reply_seconds"]},
)
register_audit_code(
    "service_policy_deleted",
    POLICY,
    gettext_lazy("Service-level policy %(name)s deleted."),
    example={"name": "在线客服"},
)
register_audit_code(
    "service_agent_changed",
    AGENT,
    gettext_lazy("Agent settings changed: %(fields)s."),
    format=lambda data: {"fields": ", ".join(data.get("fields", []))},
    example={"fields": ["max_chats", "skills"]},
)


def _day_kind_label(value: str) -> str:
    try:
        return str(DayKind(value).label)
    except ValueError:
        return value


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# --- calendars -------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodInput:
    """One working period of a weekday (0 = Monday); `end` 23:59:59 means 24:00."""

    weekday: int
    start: time
    end: time


def _check_name(name: str, *, field: str = "name") -> str:
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 60:
        raise ValidationFailed({field: _("1 to 60 characters")})
    return cleaned


def _check_zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed({"timezone": _("Unknown time zone: %(zone)s") % {"zone": zone}}) from None
    return zone


def check_periods(periods: Sequence[PeriodInput]) -> list[PeriodInput]:
    """Each period inside one day, start before end, no two overlapping on a weekday, at
    most MAX_PERIODS_PER_DAY a day. Every bad period is named by its index."""
    bad: dict[str, str] = {}
    by_day: dict[int, list[tuple[int, PeriodInput]]] = {}
    for index, period in enumerate(periods):
        if not 0 <= period.weekday <= 6:
            bad[f"periods[{index}].weekday"] = _("0 (Monday) to 6 (Sunday)")
            continue
        if period.start >= period.end:
            bad[f"periods[{index}].end"] = _("must be later than the start")
            continue
        by_day.setdefault(period.weekday, []).append((index, period))
    for day_periods in by_day.values():
        if len(day_periods) > MAX_PERIODS_PER_DAY:
            index = day_periods[MAX_PERIODS_PER_DAY][0]
            bad[f"periods[{index}]"] = _("at most %(count)s periods a day") % {"count": MAX_PERIODS_PER_DAY}
        ordered = sorted(day_periods, key=lambda item: item[1].start)
        for (_first_index, first), (index, second) in pairwise(ordered):
            if second.start < first.end:
                bad[f"periods[{index}].start"] = _("overlaps another period of the same day")
    if bad:
        raise ValidationFailed(bad)
    return list(periods)


@refcache.forgets
def create_calendar(
    *,
    actor: User | None,
    name: str,
    timezone_name: str = "Asia/Shanghai",
    periods: Sequence[PeriodInput] = (),
    seed_years: Sequence[int] = (),
    at: datetime | None = None,
) -> BusinessCalendar:
    """A new calendar with its working periods, seeded with the holidays of `seed_years`."""
    require(actor, "service.configure")
    at = _now(at)
    name = _check_name(name)
    zone = _check_zone(timezone_name)
    checked = check_periods(periods)
    _check_years(seed_years)
    with transaction.atomic():
        if BusinessCalendar.objects.filter(name=name).exists():
            raise ValidationFailed({"name": _("Another calendar has this name.")})
        calendar = BusinessCalendar.objects.create(name=name, timezone=zone)
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=p.weekday, start=p.start, end=p.end) for p in checked
        )
        record(
            object_kind=CALENDAR, object_id=calendar.pk, code="service_calendar_created", actor=actor, at=at, name=name
        )
        if seed_years:
            _seed(calendar, actor=actor, years=seed_years, at=at)
    return calendar


@refcache.forgets
def update_calendar(
    *,
    calendar: BusinessCalendar,
    actor: User | None,
    name: str | None = None,
    timezone_name: str | None = None,
    at: datetime | None = None,
) -> BusinessCalendar:
    require(actor, "service.configure")
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != calendar.name:
        changes["name"] = _check_name(name)
    if timezone_name is not None and timezone_name != calendar.timezone:
        changes["timezone"] = _check_zone(timezone_name)
    if not changes:
        return calendar
    with transaction.atomic():
        if "name" in changes and BusinessCalendar.objects.filter(name=changes["name"]).exclude(pk=calendar.pk).exists():
            raise ValidationFailed({"name": _("Another calendar has this name.")})
        for field, value in changes.items():
            setattr(calendar, field, value)
        calendar.save(update_fields=list(changes))
        record(
            object_kind=CALENDAR,
            object_id=calendar.pk,
            code="service_calendar_changed",
            actor=actor,
            at=_now(at),
            fields=sorted(changes),
        )
    return calendar


@refcache.forgets
def set_periods(
    *, calendar: BusinessCalendar, actor: User | None, periods: Sequence[PeriodInput], at: datetime | None = None
) -> list[WorkingPeriod]:
    """Replace the calendar's working periods (every weekday) with `periods`."""
    require(actor, "service.configure")
    checked = check_periods(periods)
    with transaction.atomic():
        BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
        WorkingPeriod.objects.filter(calendar=calendar).delete()
        rows = WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=p.weekday, start=p.start, end=p.end) for p in checked
        )
        record(
            object_kind=CALENDAR,
            object_id=calendar.pk,
            code="service_calendar_periods",
            actor=actor,
            at=_now(at),
            count=len(rows),
        )
    return rows


@refcache.forgets
def set_day(
    *,
    calendar: BusinessCalendar,
    actor: User | None,
    day: date,
    kind: str,
    name: str = "",
    periods_of: int = 0,
    at: datetime | None = None,
) -> CalendarDay:
    """Make `day` a public holiday (no working time) or a make-up workday (the periods of
    weekday `periods_of`), replacing what the calendar said of it."""
    require(actor, "service.configure")
    bad: dict[str, str] = {}
    if kind not in DayKind.values:
        bad["kind"] = _("one of %(values)s") % {"values": ", ".join(DayKind.values)}
    if not 0 <= periods_of <= 6:
        bad["periods_of"] = _("0 (Monday) to 6 (Sunday)")
    if len(name) > 60:
        bad["name"] = _("at most %(count)s characters") % {"count": 60}
    if not 1900 < day.year < 2200:
        bad["date"] = _("a date between 1901 and 2199")
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        row, _created = CalendarDay.objects.update_or_create(
            calendar=calendar,
            date=day,
            defaults={"kind": kind, "name": name.strip(), "periods_of": periods_of},
        )
        record(
            object_kind=CALENDAR,
            object_id=calendar.pk,
            code="service_calendar_day_set",
            actor=actor,
            at=_now(at),
            date=day.isoformat(),
            kind=kind,
        )
    return row


@refcache.forgets
def remove_day(*, calendar: BusinessCalendar, actor: User | None, day: date, at: datetime | None = None) -> bool:
    """The day goes back to its weekday's periods. False when it was not an exception."""
    require(actor, "service.configure")
    with transaction.atomic():
        deleted, _rows = CalendarDay.objects.filter(calendar=calendar, date=day).delete()
        if deleted:
            record(
                object_kind=CALENDAR,
                object_id=calendar.pk,
                code="service_calendar_day_removed",
                actor=actor,
                at=_now(at),
                date=day.isoformat(),
            )
    return bool(deleted)


def _check_years(years: Sequence[int]) -> None:
    if len(set(years)) > MAX_SEED_YEARS:
        raise ValidationFailed({"years": _("at most %(count)s years at once") % {"count": MAX_SEED_YEARS}})
    if any(not 1900 < year < 2200 for year in years):
        raise ValidationFailed({"years": _("years between 1901 and 2199")})


def _seed(
    calendar: BusinessCalendar, *, actor: User | None, years: Sequence[int], at: datetime
) -> calendars.SeedResult:
    result = calendars.seed_calendar(calendar, years=years)
    record(
        object_kind=CALENDAR,
        object_id=calendar.pk,
        code="service_calendar_seeded",
        actor=actor,
        at=at,
        years=result.years_seeded,
        added=result.added,
    )
    return result


@refcache.forgets
def seed(
    *, calendar: BusinessCalendar, actor: User | None, years: Sequence[int], at: datetime | None = None
) -> calendars.SeedResult:
    """Add the holidays and make-up workdays the chinese_calendar package knows for
    `years` (the owner's own days are kept); the years it does not know are answered."""
    require(actor, "service.configure")
    _check_years(years)
    with transaction.atomic():
        return _seed(calendar, actor=actor, years=years, at=_now(at))


@refcache.forgets
def delete_calendar(*, calendar: BusinessCalendar, actor: User | None, at: datetime | None = None) -> None:
    """Delete a calendar no policy uses (409 calendar_in_use otherwise)."""
    require(actor, "service.configure")
    with transaction.atomic():
        users = list(SlaPolicy.objects.filter(calendar=calendar).values_list("name", flat=True)[:10])
        if users:
            raise Conflict(
                "calendar_in_use",
                _("Service-level policies use this calendar: %(names)s") % {"names": ", ".join(users)},
                details={"policies": users},
            )
        record(
            object_kind=CALENDAR,
            object_id=calendar.pk,
            code="service_calendar_deleted",
            actor=actor,
            at=_now(at),
            name=calendar.name,
        )
        calendar.delete()


# --- service-level policies ------------------------------------------------------------

POLICY_FIELDS = (
    "name",
    "shop",
    "channel",
    "calendar",
    "first_reply_seconds",
    "next_reply_seconds",
    "resolution_seconds",
    "active",
)


def _check_policy(values: dict[str, Any]) -> dict[str, Any]:
    bad: dict[str, str] = {}
    if "name" in values:
        try:
            values["name"] = _check_name(values["name"])
        except ValidationFailed as error:
            bad.update(error.fields)
    if values.get("channel") not in (None, "", *ConversationChannel.values):
        bad["channel"] = _("one of %(values)s") % {"values": ", ".join(ConversationChannel.values)}
    for field in ("first_reply_seconds", "next_reply_seconds", "resolution_seconds"):
        if field in values and not 1 <= int(values[field]) <= MAX_TARGET_SECONDS:
            bad[field] = _("1 second to 90 days")
    if bad:
        raise ValidationFailed(bad)
    return values


@refcache.forgets
def create_policy(
    *,
    actor: User | None,
    name: str,
    shop: Shop | None = None,
    channel: str = "",
    calendar: BusinessCalendar | None = None,
    first_reply_seconds: int = 60,
    next_reply_seconds: int = 120,
    resolution_seconds: int = 24 * 3600,
    active: bool = True,
    at: datetime | None = None,
) -> SlaPolicy:
    """A new policy; conversations opened from now on pick the most specific one."""
    require(actor, "service.configure")
    values = _check_policy(
        {
            "name": name,
            "shop": shop,
            "channel": channel or "",
            "calendar": calendar,
            "first_reply_seconds": first_reply_seconds,
            "next_reply_seconds": next_reply_seconds,
            "resolution_seconds": resolution_seconds,
            "active": active,
        }
    )
    with transaction.atomic():
        policy = SlaPolicy.objects.create(**values)
        record(
            object_kind=POLICY,
            object_id=policy.pk,
            code="service_policy_created",
            actor=actor,
            at=_now(at),
            name=policy.name,
        )
    return policy


@refcache.forgets
def update_policy(*, policy: SlaPolicy, actor: User | None, at: datetime | None = None, **changes: Any) -> SlaPolicy:
    """Change some of a policy's fields (POLICY_FIELDS). Running clocks keep the targets
    they started with; new clocks use the new ones."""
    require(actor, "service.configure")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed({field: _("not a field of a policy") for field in sorted(unknown)})
    values = _check_policy(dict(changes))
    if "channel" in values and values["channel"] is None:
        values["channel"] = ""
    changed = [field for field, value in values.items() if getattr(policy, field) != value]
    if not changed:
        return policy
    with transaction.atomic():
        for field in changed:
            setattr(policy, field, values[field])
        policy.save(update_fields=changed)
        record(
            object_kind=POLICY,
            object_id=policy.pk,
            code="service_policy_changed",
            actor=actor,
            at=_now(at),
            fields=sorted(changed),
        )
    return policy


@refcache.forgets
def delete_policy(*, policy: SlaPolicy, actor: User | None, at: datetime | None = None) -> None:
    """Delete a policy; its conversations keep their clocks and pick a policy again when
    reopened."""
    require(actor, "service.configure")
    with transaction.atomic():
        record(
            object_kind=POLICY,
            object_id=policy.pk,
            code="service_policy_deleted",
            actor=actor,
            at=_now(at),
            name=policy.name,
        )
        policy.delete()


# --- agents ----------------------------------------------------------------------------

UNCHANGED: Any = object()


def _language_codes() -> set[str]:
    return {code.lower() for code, _name in settings.LANGUAGES}


def save_agent(
    *,
    user: User,
    actor: User | None,
    team: Team | None = UNCHANGED,
    shops: Sequence[Shop] = UNCHANGED,
    skills: Sequence[str] = UNCHANGED,
    intents: Sequence[str] = UNCHANGED,
    languages: Sequence[str] = UNCHANGED,
    max_chats: int = UNCHANGED,
    at: datetime | None = None,
) -> AgentProfile:
    """Create or change what routing knows of an agent (the arguments given; the others
    kept). Lowering the cap below the open load assigns nothing new until it drops."""
    require(actor, "service.configure")
    bad: dict[str, str] = {}
    if skills is not UNCHANGED and set(skills) - set(Skill.values):
        bad["skills"] = _("each one of %(values)s") % {"values": ", ".join(Skill.values)}
    if intents is not UNCHANGED and set(intents) - set(INTENTS):
        bad["intents"] = _("each one of the intent labels")
    if languages is not UNCHANGED and {language.lower() for language in languages} - _language_codes():
        bad["languages"] = _("each one of %(values)s") % {"values": ", ".join(sorted(_language_codes()))}
    if max_chats is not UNCHANGED and not 1 <= int(max_chats) <= 100:
        bad["max_chats"] = _("1 to 100")
    if bad:
        raise ValidationFailed(bad)
    changed: list[str] = []
    with transaction.atomic():
        profile, created = AgentProfile.objects.select_for_update().get_or_create(user=user)
        simple = {
            "team": team,
            "skills": sorted(set(skills)) if skills is not UNCHANGED else UNCHANGED,
            "intents": sorted(set(intents)) if intents is not UNCHANGED else UNCHANGED,
            "languages": [language.lower() for language in dict.fromkeys(languages)]
            if languages is not UNCHANGED
            else UNCHANGED,
            "max_chats": int(max_chats) if max_chats is not UNCHANGED else UNCHANGED,
        }
        for field, value in simple.items():
            if value is not UNCHANGED and getattr(profile, field) != value:
                setattr(profile, field, value)
                changed.append(field)
        if changed:
            profile.save(update_fields=changed)
        if shops is not UNCHANGED:
            before = set(profile.shops.values_list("pk", flat=True))
            after = {shop.pk for shop in shops}
            if before != after:
                profile.shops.set(list(shops))
                changed.append("shops")
        if changed or created:
            record(
                object_kind=AGENT,
                object_id=user.pk,
                code="service_agent_changed",
                actor=actor,
                at=_now(at),
                fields=sorted(changed) or ["created"],
            )
    return profile


def create_team(*, actor: User | None, name: str, supervisor: User | None = None, at: datetime | None = None) -> Team:
    """A team of agents (售前组, 售后组) with its supervisor (escalations go to them)."""
    require(actor, "service.configure")
    name = _check_name(name)
    with transaction.atomic():
        if Team.objects.filter(name=name).exists():
            raise ValidationFailed({"name": _("Another team has this name.")})
        return Team.objects.create(name=name, supervisor=supervisor)
