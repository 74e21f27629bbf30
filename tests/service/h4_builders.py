"""Builders for the calendar, SLA, routing and figures tests (H4): conversations made
directly (the conversation actions are tested on their own), agents with profiles, an
office calendar (Mon–Fri 09:00–12:00 and 13:30–18:00) and policies on it."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sellerdesk.core.models import User
from sellerdesk.service.models import (
    AgentProfile,
    BusinessCalendar,
    Conversation,
    Presence,
    SlaPolicy,
    WorkingPeriod,
)
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_user

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall time, "2026-06-02 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def office_calendar(name: str = "office") -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name)
    for weekday in range(5):
        for start, end in ((time(9), time(12)), (time(13, 30), time(18))):
            WorkingPeriod.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)
    return calendar


def office_policy(calendar: BusinessCalendar | None = None, **fields: Any) -> SlaPolicy:
    values: dict[str, Any] = {
        "name": "office chat",
        "first_reply_seconds": 60,
        "next_reply_seconds": 120,
        "resolution_seconds": 3600,
    }
    values.update(fields)
    return SlaPolicy.objects.create(calendar=calendar or office_calendar(), **values)


def conversation(*, shop: Shop | None = None, when: datetime, channel: str = "web", **fields: Any) -> Conversation:
    return Conversation.objects.create(
        shop=shop or default_shop(), channel=channel, created_at=when, last_message_at=when, **fields
    )


def agent(
    username: str,
    *,
    presence: str = Presence.ONLINE,
    max_chats: int = 5,
    shops: list[Shop] | None = None,
    role: str = "agent",
    **fields: Any,
) -> User:
    user = make_user(username, role, username)
    profile = AgentProfile.objects.create(user=user, presence=presence, max_chats=max_chats, **fields)
    if shops:
        profile.shops.set(shops)
    return user


def profile(user: User) -> AgentProfile:
    return AgentProfile.objects.get(user=user)
