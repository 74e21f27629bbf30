"""The desk's settings screens and the supervisor's figures page (H4): calendars (periods
typed per weekday, holidays, seeding), policies, agents, presence, figures; agents may
look but not change; refusals shown, nothing half-written."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sellerdesk.service import figures
from sellerdesk.service.models import AgentProfile, BusinessCalendar, CalendarDay, SlaPolicy, WorkingPeriod
from sellerdesk.service.views_admin import parse_periods
from sellerdesk.shops.models import Shop
from tests.factories import make_user
from tests.service.h4_builders import agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db: Any) -> Shop:
    return Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})[0]


@pytest.fixture
def boss_client(db: Any) -> Client:
    client = Client()
    client.force_login(make_user("boss", "supervisor", "主管"))
    return client


@pytest.fixture
def hua_client(db: Any) -> Client:
    client = Client()
    client.force_login(agent("hua"))
    return client


def week(value: str = "09:00-12:00, 13:30-18:00", days: range = range(5)) -> dict[str, str]:
    return {f"day{weekday}": value if weekday in days else "" for weekday in range(7)}


def test_periods_are_typed_per_weekday() -> None:
    periods = parse_periods({0: "09:00-12:00, 13:30-24:00", 6: "9:00~12:00；14:00-18:00", 3: ""})
    assert [(p.weekday, p.start, p.end) for p in periods] == [
        (0, time(9), time(12)),
        (0, time(13, 30), time(23, 59, 59)),
        (6, time(9), time(12)),
        (6, time(14), time(18)),
    ]


def test_a_calendar_made_seeded_and_edited_on_screen(boss_client: Client) -> None:
    response = boss_client.post(
        "/service/admin/calendars/", {"name": "客服", "timezone": "Asia/Shanghai", "seed_years": "2026", **week()}
    )
    calendar = BusinessCalendar.objects.get(name="客服")
    assert response.status_code == 302 and response["Location"] == f"/service/admin/calendars/{calendar.pk}/"
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 10
    assert CalendarDay.objects.filter(calendar=calendar, date__year=2026).count() == 39

    page = boss_client.get(f"/service/admin/calendars/{calendar.pk}/", {"year": 2026})
    assert page.status_code == 200
    assert "国庆节调休" in page.content.decode()

    boss_client.post(
        f"/service/admin/calendars/{calendar.pk}/",
        {"what": "day", "date": "2031-10-01", "kind": "holiday", "day_name": "国庆节", "periods_of": "0"},
    )
    assert CalendarDay.objects.get(calendar=calendar, date=date(2031, 10, 1)).name == "国庆节"
    boss_client.post(f"/service/admin/calendars/{calendar.pk}/", {"what": "remove_day", "date": "2031-10-01"})
    assert not CalendarDay.objects.filter(calendar=calendar, date=date(2031, 10, 1)).exists()

    saved = boss_client.post(
        f"/service/admin/calendars/{calendar.pk}/", {"what": "periods", "name": "客服", **week("10:00-22:00", range(7))}
    )
    assert saved.status_code == 302
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 7


def test_bad_periods_are_shown_and_nothing_changes(boss_client: Client) -> None:
    created = boss_client.post("/service/admin/calendars/", {"name": "客服", **week()})
    calendar = BusinessCalendar.objects.get()
    bad = boss_client.post(
        f"/service/admin/calendars/{calendar.pk}/",
        {"what": "periods", "name": "客服", **week("09:00-12:00, 11:00-13:00"), "day6": "lunch"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert created.status_code == 302
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "day6" in body and "overlaps another period" in body
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 10


def test_policies_on_screen(boss_client: Client, shop: Shop) -> None:
    response = boss_client.post(
        "/service/admin/sla/",
        {
            "name": "网页聊天",
            "channel": "web",
            "shop": str(shop.pk),
            "first_reply_seconds": "45",
            "next_reply_seconds": "90",
            "resolution_seconds": "3600",
            "active": "on",
        },
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert (policy.first_reply_seconds, policy.shop, policy.channel, policy.calendar) == (45, shop, "web", None)
    bad = boss_client.post(
        "/service/admin/sla/",
        {
            "policy": str(policy.pk),
            "name": "网页聊天",
            "first_reply_seconds": "abc",
            "next_reply_seconds": "90",
            "resolution_seconds": "3600",
        },
    )
    assert bad.status_code == 422
    policy.refresh_from_db()
    assert policy.first_reply_seconds == 45 and policy.active
    assert boss_client.get("/service/admin/sla/").status_code == 200


def test_agents_on_screen_and_presence(boss_client: Client, shop: Shop) -> None:
    hua = agent("hua", presence="offline")
    response = boss_client.post(
        "/service/admin/agents/",
        {
            "user": str(hua.pk),
            "max_chats": "8",
            "skills": ["after_sale"],
            "languages": ["zh-hans"],
            "shops": [str(shop.pk)],
        },
    )
    assert response.status_code == 302
    profile = AgentProfile.objects.get(user=hua)
    assert (profile.max_chats, profile.skills, list(profile.shops.all())) == (8, ["after_sale"], [shop])
    boss_client.post("/service/admin/agents/", {"user": str(hua.pk), "what": "presence", "presence": "online"})
    assert AgentProfile.objects.get(user=hua).presence == "online"
    page = boss_client.get("/service/admin/agents/")
    assert page.status_code == 200 and "hua" in page.content.decode()


def test_an_agent_may_look_but_not_change(hua_client: Client) -> None:
    assert hua_client.get("/service/admin/calendars/").status_code == 200
    refused = hua_client.post("/service/admin/calendars/", {"name": "x", **week()})
    assert refused.status_code == 302 and not BusinessCalendar.objects.exists()
    assert hua_client.post("/service/admin/presence/", {"presence": "away"}).status_code == 302
    assert AgentProfile.objects.get(user__username="hua").presence == "away"


def test_the_figures_page(boss_client: Client, hua_client: Client, shop: Shop) -> None:
    hua = AgentProfile.objects.get(user__username="hua").user
    figures.add(
        day=date(2026, 6, 2),
        shop_id=shop.pk,
        agent_id=hua.pk,
        conversations=3,
        first_responses=2,
        first_response_seconds=70,
        sla_met=3,
        sla_breached=1,
        csat_count=2,
        csat_sum=9,
        forbidden_hits=1,
    )
    with translation.override("en"):
        page = boss_client.get("/service/figures/", {"start": "2026-06-01", "end": "2026-06-07", "by": "day,agent"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "2026-06-02" in body and "阿华" not in body  # the builder's agent signs as "hua"
    assert "35 s" in body and "75.0%" in body and "4.50" in body
    mine = hua_client.get("/service/figures/", {"start": "2026-06-01", "end": "2026-06-07"})
    assert mine.status_code == 200 and "35 s" in mine.content.decode()
    assert boss_client.get("/service/figures/", {"start": "2026-06-07", "end": "2026-06-01"}).status_code == 422
