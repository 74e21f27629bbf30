"""The desk's settings screens (/service/admin/…: business calendars with their periods,
holidays and make-up workdays; service-level policies; agent profiles and presence) and
the supervisor's figures page (/service/figures/). Thin views: parse the form, call one
action of service.admin_actions / service.routing, render; refusals shown on the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor, show_refusal
from sellerdesk.service import admin_actions, calendars, figures, routing
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.admin_actions import UNCHANGED, PeriodInput
from sellerdesk.service.models import (
    INTENTS,
    AgentProfile,
    BusinessCalendar,
    CalendarDay,
    ConversationChannel,
    DayKind,
    Presence,
    Skill,
    SlaPolicy,
    Team,
)
from sellerdesk.shops.models import Shop

WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)
PERIOD = re.compile(r"^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$")


def _require(actor: User, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied


def weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def parse_periods(lines: dict[int, str]) -> list[PeriodInput]:
    """ "09:00-12:00, 13:30-24:00" per weekday → periods; a bad piece is named by its day."""
    periods: list[PeriodInput] = []
    bad: dict[str, str] = {}
    for weekday, text in lines.items():
        for piece in [part.strip() for part in re.split(r"[,，;；\s]+(?=\d)", text.strip()) if part.strip()]:
            match = PERIOD.match(piece)
            try:
                if match is None:
                    raise ValueError(piece)
                start = calendars.parse_period_time(match.group(1).zfill(5))
                end = calendars.parse_period_time(match.group(2).zfill(5))
            except ValueError:
                bad[f"day{weekday}"] = _("%(piece)s is not a period like 09:00-12:00") % {"piece": piece}
                continue
            periods.append(PeriodInput(weekday=weekday, start=start, end=end))
    try:
        admin_actions.check_periods(periods)
    except ValidationFailed as error:
        # The action names periods by index; the screen by the weekday's field.
        for path, why in error.fields.items():
            index = int(re.findall(r"\d+", path)[0])
            bad.setdefault(f"day{periods[index].weekday}", why)
    if bad:
        raise ValidationFailed(bad)
    return periods


def period_lines(calendar: BusinessCalendar) -> dict[int, str]:
    lines: dict[int, list[str]] = {weekday: [] for weekday in WEEKDAYS}
    for period in calendar.periods.all().order_by("weekday", "start"):
        lines[period.weekday].append(f"{period.start:%H:%M}-{calendars.format_period_end(period.end)}")
    return {weekday: ", ".join(parts) for weekday, parts in lines.items()}


def _periods_from_post(request: HttpRequest) -> list[PeriodInput]:
    return parse_periods({weekday: request.POST.get(f"day{weekday}", "") for weekday in WEEKDAYS})


def _years(text: str) -> list[int]:
    years = [int(part) for part in re.findall(r"\d{4}", text or "")]
    return years


# --- calendars -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_list(request: HttpRequest) -> HttpResponse:
    """The calendars, and a form for a new one (periods per weekday, years to seed)."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            calendar = admin_actions.create_calendar(
                actor=actor,
                name=request.POST.get("name", ""),
                timezone_name=request.POST.get("timezone", "Asia/Shanghai") or "Asia/Shanghai",
                periods=_periods_from_post(request),
                seed_years=_years(request.POST.get("seed_years", "")),
            )
        except ValidationFailed as error:
            errors = error.fields
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:admin_calendars")
        else:
            messages.success(request, _("Calendar %(name)s created.") % {"name": calendar.name})
            return redirect("service:admin_calendar", pk=calendar.pk)
    known = calendars.known_years()
    context = {
        "calendars": BusinessCalendar.objects.order_by("name"),
        "weekdays": [
            (
                weekday,
                label,
                request.POST.get(f"day{weekday}", "") if request.method == "POST" else "09:00-12:00, 13:30-24:00",
            )
            for weekday, label in zip(WEEKDAYS, weekday_names(), strict=True)
        ],
        "posted": request.POST if request.method == "POST" else None,
        "errors": errors,
        "known_years": f"{known.start}–{known.stop - 1}" if known else "",
        "current": "calendars",
        "may_configure": has_permission(actor, "service.configure"),
    }
    return render(request, "service/admin_calendars.html", context, status=422 if errors else 200)


def _calendar_or_404(pk: int) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise Http404
    return calendar


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One calendar: its periods per weekday (editable), its holidays and make-up workdays
    of a year (add, remove, seed from the library)."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    calendar = _calendar_or_404(pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "periods":
                admin_actions.set_periods(calendar=calendar, actor=actor, periods=_periods_from_post(request))
                if request.POST.get("name", calendar.name) != calendar.name:
                    admin_actions.update_calendar(calendar=calendar, actor=actor, name=request.POST.get("name", ""))
                messages.success(request, _("Working periods saved."))
            elif what == "day":
                try:
                    day = date.fromisoformat(request.POST.get("date", ""))
                except ValueError:
                    raise ValidationFailed({"date": _("a date like 2031-10-01")}) from None
                admin_actions.set_day(
                    calendar=calendar,
                    actor=actor,
                    day=day,
                    kind=request.POST.get("kind", ""),
                    name=request.POST.get("day_name", ""),
                    periods_of=int(request.POST.get("periods_of", "0") or 0),
                )
                messages.success(request, _("%(date)s saved.") % {"date": day.isoformat()})
            elif what == "remove_day":
                day = date.fromisoformat(request.POST.get("date", ""))
                admin_actions.remove_day(calendar=calendar, actor=actor, day=day)
                messages.success(request, _("%(date)s is a usual day again.") % {"date": day.isoformat()})
            elif what == "seed":
                result = admin_actions.seed(calendar=calendar, actor=actor, years=_years(request.POST.get("years", "")))
                messages.success(request, _("%(count)s days added.") % {"count": result.added})
                if result.years_unknown:
                    messages.warning(
                        request,
                        _("The holiday library does not know %(years)s yet: enter those days by hand.")
                        % {"years": ", ".join(str(year) for year in result.years_unknown)},
                    )
            elif what == "delete":
                admin_actions.delete_calendar(calendar=calendar, actor=actor)
                messages.success(request, _("Calendar deleted."))
                return redirect("service:admin_calendars")
            else:
                raise ValidationFailed({"what": _("unknown change")})
        except ValidationFailed as error:
            errors = error.fields
        except (DomainError, ValueError) as error:
            if isinstance(error, DomainError):
                show_refusal(request, error)
            else:
                messages.error(request, _("A date like 2031-10-01 is needed."))
            return redirect("service:admin_calendar", pk=calendar.pk)
        if not errors:
            return redirect(f"{request.path}?year={request.POST.get('year', '')}")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", "") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 1901), 2199)
    lines = period_lines(calendar)
    context = {
        "calendar": calendar,
        "weekdays": [
            (weekday, label, request.POST.get(f"day{weekday}", "") if errors else lines[weekday])
            for weekday, label in zip(WEEKDAYS, weekday_names(), strict=True)
        ],
        "days": CalendarDay.objects.filter(calendar=calendar, date__year=year).order_by("date"),
        "year": year,
        "day_kinds": DayKind.choices,
        "errors": errors,
        "policies": SlaPolicy.objects.filter(calendar=calendar).order_by("name"),
        "known": calendars.known_years(),
        "current": "calendars",
        "may_configure": has_permission(actor, "service.configure"),
    }
    return render(request, "service/admin_calendar.html", context, status=422 if errors else 200)


# --- policies --------------------------------------------------------------------------


def _policy_values(request: HttpRequest) -> dict[str, Any]:
    posted = request.POST
    bad: dict[str, str] = {}
    values: dict[str, Any] = {"name": posted.get("name", ""), "channel": posted.get("channel", "")}
    shop = posted.get("shop", "")
    values["shop"] = Shop.objects.filter(pk=int(shop)).first() if shop.isdigit() else None
    calendar = posted.get("calendar", "")
    values["calendar"] = BusinessCalendar.objects.filter(pk=int(calendar)).first() if calendar.isdigit() else None
    for field in ("first_reply_seconds", "next_reply_seconds", "resolution_seconds"):
        text = posted.get(field, "").strip()
        if not text.isdigit():
            bad[field] = _("a whole number of seconds")
        else:
            values[field] = int(text)
    values["active"] = posted.get("active") == "on"
    if bad:
        raise ValidationFailed(bad)
    return values


@staff_required
@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    """The service-level policies, each editable in place, and a form for a new one."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    errors: dict[str, str] = {}
    failed: str = ""
    if request.method == "POST":
        pk = request.POST.get("policy", "")
        failed = pk or "new"
        try:
            values = _policy_values(request)
            if request.POST.get("what") == "delete" and pk.isdigit():
                policy = SlaPolicy.objects.filter(pk=int(pk)).first()
                if policy is None:
                    raise Http404
                admin_actions.delete_policy(policy=policy, actor=actor)
            elif pk.isdigit():
                policy = SlaPolicy.objects.filter(pk=int(pk)).first()
                if policy is None:
                    raise Http404
                admin_actions.update_policy(policy=policy, actor=actor, **values)
            else:
                admin_actions.create_policy(actor=actor, **values)
        except ValidationFailed as error:
            errors = error.fields
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:admin_policies")
        else:
            messages.success(request, _("Service-level policies saved."))
            return redirect("service:admin_policies")
    context = {
        "policies": SlaPolicy.objects.select_related("shop", "calendar").order_by("-active", "name", "pk"),
        "shops": Shop.objects.order_by("name"),
        "calendars": BusinessCalendar.objects.order_by("name"),
        "channels": ConversationChannel.choices,
        "errors": errors,
        "failed": failed,
        "current": "policies",
        "may_configure": has_permission(actor, "service.configure"),
    }
    return render(request, "service/admin_policies.html", context, status=422 if errors else 200)


# --- agents ----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def agent_list(request: HttpRequest) -> HttpResponse:
    """The agents: team, shops, skills, languages, intents, cap, presence and load now;
    each editable by the owner or a supervisor; staff without a profile can be added."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    errors: dict[str, str] = {}
    failed = ""
    if request.method == "POST":
        posted = request.POST
        user_id = posted.get("user", "")
        failed = user_id
        user = User.objects.filter(pk=int(user_id)).first() if user_id.isdigit() else None
        if user is None:
            raise Http404
        try:
            if posted.get("what") == "presence":
                _require(actor, "service.supervise")
                routing.set_presence(user=user, presence=posted.get("presence", ""))
            else:
                team = posted.get("team", "")
                max_chats = posted.get("max_chats", "").strip()
                if max_chats and not max_chats.isdigit():
                    raise ValidationFailed({"max_chats": _("1 to 100")})
                admin_actions.save_agent(
                    user=user,
                    actor=actor,
                    team=Team.objects.filter(pk=int(team)).first() if team.isdigit() else None,
                    shops=list(Shop.objects.filter(pk__in=[int(v) for v in posted.getlist("shops") if v.isdigit()])),
                    skills=posted.getlist("skills"),
                    intents=posted.getlist("intents"),
                    languages=posted.getlist("languages"),
                    max_chats=int(max_chats) if max_chats else UNCHANGED,
                )
        except ValidationFailed as error:
            errors = error.fields
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:admin_agents")
        else:
            messages.success(request, _("Agent %(name)s saved.") % {"name": user.signature})
            return redirect("service:admin_agents")
    profiles = list(
        AgentProfile.objects.select_related("user", "team").prefetch_related("shops").order_by("user__username")
    )
    for profile in profiles:
        profile.shop_ids = {shop.pk for shop in profile.shops.all()}  # type: ignore[attr-defined]
    with_profile = {profile.user_id for profile in profiles}
    context = {
        "profiles": profiles,
        "staff_without_profile": User.objects.filter(is_active=True)
        .exclude(pk__in=with_profile)
        .exclude(role__in=["buyer", "supplier"])
        .order_by("username")[:200],
        "teams": Team.objects.order_by("name"),
        "shops": Shop.objects.order_by("name"),
        "skills": Skill.choices,
        "intents": INTENTS,
        "languages": [("zh-hans", "简体中文"), ("en", "English")],
        "presences": Presence.choices,
        "errors": errors,
        "failed": failed,
        "current": "agents",
        "may_configure": has_permission(actor, "service.configure"),
        "may_supervise": has_permission(actor, "service.supervise"),
    }
    return render(request, "service/admin_agents.html", context, status=422 if errors else 200)


# --- figures ---------------------------------------------------------------------------


@staff_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    """The supervisor's figures: per day, shop and agent (or grouped otherwise) first
    response and resolution (business time), SLA met %, CSAT and forbidden hits; an
    agent sees their own."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    today = timezone.localdate()
    errors: dict[str, str] = {}

    def read_date(name: str, default: date) -> date:
        text = request.GET.get(name, "").strip()
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[name] = _("a date like 2026-06-01")
            return default

    start = read_date("start", today - timedelta(days=6))
    end = read_date("end", today)
    group = request.GET.get("by", "day,agent")
    by = tuple(part for part in group.split(",") if part in figures.GROUPINGS)
    supervising = has_permission(actor, "service.supervise")
    agent_text = request.GET.get("agent", "")
    agent_id = int(agent_text) if agent_text.isdigit() and supervising else (None if supervising else actor.pk)
    shop_text = request.GET.get("shop", "")
    shop_ids = agent_shop_ids(actor)
    if shop_text.isdigit():
        wanted = int(shop_text)
        shop_ids = {wanted} if shop_ids is None or wanted in shop_ids else set()
    if end < start:
        errors["end"] = _("must not be before the start")
    elif (end - start).days > 366:
        errors["end"] = _("at most %(days)s days") % {"days": 366}
    rows = [] if errors else figures.report(start=start, end=end, by=by, shop_ids=shop_ids, agent_id=agent_id)
    total = None if errors else figures.report(start=start, end=end, by=(), shop_ids=shop_ids, agent_id=agent_id)[0]
    context = {
        "rows": rows,
        "total": total,
        "start": start,
        "end": end,
        "by": ",".join(by),
        "groupings": [
            ("day,agent", _("Per day and agent")),
            ("day,shop,agent", _("Per day, shop and agent")),
            ("agent", _("Per agent")),
            ("shop", _("Per shop")),
            ("day", _("Per day")),
        ],
        "agents": User.objects.filter(service_profile__isnull=False).order_by("username") if supervising else [],
        "shops": Shop.objects.order_by("name"),
        "agent_id": agent_id,
        "shop_id": int(shop_text) if shop_text.isdigit() else None,
        "supervising": supervising,
        "errors": errors,
        "current": "figures",
    }
    return render(request, "service/admin_figures.html", context, status=422 if errors else 200)


@staff_required
@require_POST
def my_presence(request: HttpRequest) -> HttpResponse:
    """The agent sets their own presence from the settings pages."""
    actor = logged_in_actor(request)
    _require(actor, "service.reply")
    try:
        routing.set_presence(user=actor, presence=request.POST.get("presence", ""))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("service:admin_agents")
