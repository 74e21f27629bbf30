"""Service-level clocks: first/next reply and resolution on a business calendar, paused
while waiting for the buyer, breached by the sweep (alert and escalation), counted once
in the daily figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sellerdesk.service import calendars, figures, sla
from sellerdesk.service.models import (
    Conversation,
    ConversationEvent,
    ConversationStatus,
    SlaClock,
    SlaKind,
    SlaPolicy,
    SlaState,
)
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_user
from tests.service.h4_builders import at, conversation, office_calendar, office_policy

pytestmark = pytest.mark.django_db


def clock(conv: Conversation, kind: str) -> SlaClock:
    return SlaClock.objects.filter(conversation=conv, kind=kind).order_by("-pk").first()  # type: ignore[return-value]


def move(conv: Conversation, after: str, *, when: Any) -> None:
    before = conv.status
    conv.status = after
    conv.save(update_fields=["status"])
    sla.on_status(conv, before=before, after=after, at=when)


def opened(when: Any, **fields: Any) -> Conversation:
    conv = conversation(when=when, **fields)
    sla.on_opened(conv, at=when)
    return conv


def test_first_reply_met_in_time_counts_business_seconds() -> None:
    policy = office_policy()
    conv = opened(at("2026-06-02 10:00"))
    assert conv.sla_policy == policy
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))
    first = clock(conv, SlaKind.FIRST_REPLY)
    assert (first.state, first.due_at) == (SlaState.RUNNING, at("2026-06-02 10:01"))
    # The summary shows the nearest running clock
    conv.refresh_from_db()
    assert (conv.sla_state, conv.sla_due_at) == (SlaState.RUNNING, at("2026-06-02 10:01"))

    sla.on_agent_reply(conv, at=at("2026-06-02 10:00:40"))

    first.refresh_from_db()
    assert (first.state, first.met_at, first.business_seconds) == (SlaState.MET, at("2026-06-02 10:00:40"), 40)
    conv.refresh_from_db()
    # Now only the resolution clock runs (an hour of business time)
    assert (conv.sla_state, conv.sla_due_at) == (SlaState.RUNNING, at("2026-06-02 11:00"))
    assert figures.totals_where(day=date(2026, 6, 2))["sla_met"] == 1


def test_the_lunch_break_does_not_count() -> None:
    office_policy()
    conv = opened(at("2026-06-02 11:59:30"))
    sla.on_buyer_message(conv, at=at("2026-06-02 11:59:30"))
    assert clock(conv, SlaKind.FIRST_REPLY).due_at == at("2026-06-02 13:30:30")
    sla.on_agent_reply(conv, at=at("2026-06-02 13:30:10"))
    first = clock(conv, SlaKind.FIRST_REPLY)
    assert (first.state, first.business_seconds) == (SlaState.MET, 40)


def test_a_message_on_the_eve_of_national_day_is_due_after_the_break() -> None:
    calendar = office_calendar()
    calendars.seed_calendar(calendar, years=[2026])
    office_policy(calendar)
    conv = opened(at("2026-09-30 17:59:30"))
    sla.on_buyer_message(conv, at=at("2026-09-30 17:59:30"))
    assert clock(conv, SlaKind.FIRST_REPLY).due_at == at("2026-10-08 09:00:30")
    # Nothing breaches during the holidays
    assert sla.sweep(now=at("2026-10-05 12:00")) == 0
    # A message on the make-up Saturday 10-10 is due that morning
    later = opened(at("2026-10-10 09:00"))
    sla.on_buyer_message(later, at=at("2026-10-10 09:00"))
    assert clock(later, SlaKind.FIRST_REPLY).due_at == at("2026-10-10 09:01")


def test_the_sweep_breaches_alerts_and_escalates_once() -> None:
    office_policy()
    supervisor = make_user("boss", "supervisor", "主管")
    conv = opened(at("2026-06-02 10:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))

    assert sla.sweep(now=at("2026-06-02 10:00:59")) == 0
    assert sla.sweep(now=at("2026-06-02 10:02")) == 1
    assert sla.sweep(now=at("2026-06-02 10:03")) == 0

    first = clock(conv, SlaKind.FIRST_REPLY)
    assert (first.state, first.breached_at, first.met_at) == (SlaState.BREACHED, at("2026-06-02 10:01"), None)
    conv.refresh_from_db()
    assert (conv.sla_state, conv.escalated_to, conv.priority) == (SlaState.BREACHED, supervisor, 2)
    codes = list(ConversationEvent.objects.filter(conversation=conv).values_list("code", flat=True))
    assert codes == ["sla_breached", "conversation_escalated"]
    assert figures.totals_where(day=date(2026, 6, 2))["sla_breached"] == 1

    # The late answer ends the clock, still breached, not counted again
    sla.on_agent_reply(conv, at=at("2026-06-02 10:05"))
    first.refresh_from_db()
    assert (first.state, first.met_at, first.business_seconds) == (SlaState.BREACHED, at("2026-06-02 10:05"), 300)
    totals = figures.totals_where(day=date(2026, 6, 2))
    assert (totals["sla_met"], totals["sla_breached"]) == (0, 1)
    conv.refresh_from_db()
    assert conv.sla_state == SlaState.RUNNING  # the resolution clock


def test_a_late_reply_before_the_sweep_is_breached_when_answered() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))
    sla.on_agent_reply(conv, at=at("2026-06-02 10:01:30"))
    first = clock(conv, SlaKind.FIRST_REPLY)
    assert (first.state, first.breached_at, first.business_seconds) == (SlaState.BREACHED, at("2026-06-02 10:01"), 90)
    assert figures.totals_where()["sla_breached"] == 1
    assert sla.sweep(now=at("2026-06-02 10:05")) == 0


def test_waiting_for_the_buyer_pauses_and_reopening_resumes() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    move(conv, ConversationStatus.PENDING, when=at("2026-06-02 10:20"))
    resolution = clock(conv, SlaKind.RESOLUTION)
    assert (resolution.state, resolution.remaining_seconds, resolution.due_at) == (SlaState.PAUSED, 2400, None)
    conv.refresh_from_db()
    assert (conv.sla_state, conv.sla_due_at) == (SlaState.PAUSED, None)
    # Nothing breaches while paused, however long
    assert sla.sweep(now=at("2026-06-09 10:00")) == 0

    # The buyer answers on Wednesday at 17:00: 40 min left → 17:40
    move(conv, ConversationStatus.OPEN, when=at("2026-06-03 17:00"))
    resolution.refresh_from_db()
    assert (resolution.state, resolution.due_at) == (SlaState.RUNNING, at("2026-06-03 17:40"))

    move(conv, ConversationStatus.RESOLVED, when=at("2026-06-03 17:10"))
    resolution.refresh_from_db()
    assert (resolution.state, resolution.business_seconds) == (SlaState.MET, 1800)
    assert sla.resolution_seconds(conv, at=at("2026-06-03 17:10")) == 1800
    conv.refresh_from_db()
    assert (conv.sla_state, conv.sla_due_at) == (SlaState.MET, None)


def test_snoozed_past_the_due_time_stays_breached() -> None:
    office_policy()
    make_user("boss", "supervisor", "主管")
    conv = opened(at("2026-06-02 10:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))
    move(conv, ConversationStatus.SNOOZED, when=at("2026-06-02 10:02"))
    first = clock(conv, SlaKind.FIRST_REPLY)
    assert first.state == SlaState.BREACHED
    assert clock(conv, SlaKind.RESOLUTION).state == SlaState.PAUSED
    conv.refresh_from_db()
    assert conv.sla_state == SlaState.BREACHED


def test_next_reply_clock_starts_once_per_waiting_message() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))
    sla.on_agent_reply(conv, at=at("2026-06-02 10:00:30"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:05"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:06"))
    nexts = SlaClock.objects.filter(conversation=conv, kind=SlaKind.NEXT_REPLY)
    assert [(c.started_at, c.due_at) for c in nexts] == [(at("2026-06-02 10:05"), at("2026-06-02 10:07"))]
    sla.on_agent_reply(conv, at=at("2026-06-02 10:06:30"))
    assert nexts.get().business_seconds == 90


def test_reopening_a_resolved_conversation_starts_a_new_resolution_clock() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    move(conv, ConversationStatus.RESOLVED, when=at("2026-06-02 10:30"))
    move(conv, ConversationStatus.OPEN, when=at("2026-06-02 14:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 14:00"))
    resolutions = SlaClock.objects.filter(conversation=conv, kind=SlaKind.RESOLUTION).order_by("pk")
    assert [c.state for c in resolutions] == [SlaState.MET, SlaState.RUNNING]
    assert resolutions[1].due_at == at("2026-06-02 15:00")
    # A reopened conversation's buyer waits for a next reply, not a first one (answered before?)
    assert clock(conv, SlaKind.FIRST_REPLY) is not None


def test_the_most_specific_policy_wins() -> None:
    calendar = office_calendar()
    other = Shop.objects.create(code="tmall", name="天猫店")
    shop = default_shop()
    anything = office_policy(calendar, name="any")
    web = office_policy(calendar, name="web", channel="web")
    shop_only = office_policy(calendar, name="shop", shop=shop)
    both = office_policy(calendar, name="both", shop=shop, channel="web")
    assert sla.policy_for(shop_id=shop.pk, channel="web") == both
    assert sla.policy_for(shop_id=shop.pk, channel="email") == shop_only
    assert sla.policy_for(shop_id=other.pk, channel="web") == web
    assert sla.policy_for(shop_id=other.pk, channel="email") == anything
    SlaPolicy.objects.filter(pk=both.pk).update(active=False)
    assert sla.policy_for(shop_id=shop.pk, channel="web") == shop_only


def test_the_seeds_policies_are_made_on_first_use() -> None:
    conv = opened(at("2026-06-02 10:00"))
    assert conv.sla_policy is not None
    assert (conv.sla_policy.channel, conv.sla_policy.first_reply_seconds) == ("web", 60)
    assert conv.sla_policy.calendar is not None and conv.sla_policy.calendar.name == calendars.DEFAULT_CALENDAR_NAME
    assert SlaPolicy.objects.count() == len(sla.DEFAULT_POLICIES)
    # Saturday night on the default calendar (until 24:00)
    late = opened(at("2026-06-06 23:59:30"))
    sla.on_buyer_message(late, at=at("2026-06-06 23:59:30"))
    assert clock(late, SlaKind.FIRST_REPLY).due_at == at("2026-06-07 09:00:30")


def test_due_soon_is_marked_by_the_sweep() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    assert sla.sweep(now=at("2026-06-02 10:56")) == 0
    assert clock(conv, SlaKind.RESOLUTION).state == SlaState.DUE_SOON
    conv.refresh_from_db()
    assert conv.sla_state == SlaState.DUE_SOON


def test_clock_summary_lists_every_clock() -> None:
    office_policy()
    conv = opened(at("2026-06-02 10:00"))
    sla.on_buyer_message(conv, at=at("2026-06-02 10:00"))
    summary = sla.clock_summary(conv)
    assert [(row["kind"], row["state"], row["target_seconds"]) for row in summary] == [
        ("resolution", "running", 3600),
        ("first_reply", "running", 60),
    ]
