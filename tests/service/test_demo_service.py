"""The demo shop's service desk (issue 14's "Done when": a desk with conversations in every
state for an agent's shift), on a small demo loaded once for the module
(tests/support/demo.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from sellerdesk.core.models import User
from sellerdesk.demo.generate import DemoConfig, DemoSummary
from sellerdesk.demo.service import AGENT_CAP, HISTORY_DAYS
from sellerdesk.service import calendars, routing, sla
from sellerdesk.service.models import (
    AgentProfile,
    CalendarDay,
    ComplaintProcedure,
    Conversation,
    ConversationChannel,
    ConversationEvent,
    ConversationStatus,
    DayKind,
    ForbiddenHit,
    ForbiddenPhrase,
    Handover,
    Message,
    MessageKind,
    Presence,
    QuickReply,
    ServiceDailyFigure,
    SlaClock,
    SlaPolicy,
    Survey,
)
from sellerdesk.service.states import ACTIVE_STATUSES
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock, demo_shop_loaded_once

NOW = TEST_NOW
# Shared with the other modules loading the same small demo (tests/support/demo.py).
DEMO_CONFIG = DemoConfig(orders=60, sku_limit=24, now=NOW)


@pytest.fixture(scope="module")
def demo_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory, demo_clock: Clock
) -> Iterator[DemoSummary]:
    credentials = tmp_path_factory.mktemp("demo") / "demo-credentials.txt"
    with demo_shop_loaded_once(
        django_db_blocker, config=DEMO_CONFIG, clock=demo_clock, credentials=credentials
    ) as summary:
        yield summary


@pytest.fixture
def demo(loaded_demo: DemoSummary, db: Any, demo_clock: Clock, monkeypatch: Any) -> DemoSummary:
    monkeypatch.setattr(timezone, "now", demo_clock)
    return loaded_demo


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_conversations_in_every_state_on_every_channel(demo: DemoSummary) -> None:
    conversations = Conversation.objects.all()

    assert set(conversations.values_list("status", flat=True)) == set(ConversationStatus.values)
    assert set(conversations.values_list("channel", flat=True)) == set(ConversationChannel.values)
    # Web chats are with buyers of the shop's orders; open ones are about orders still open.
    web = conversations.filter(channel=ConversationChannel.WEB, status__in=ACTIVE_STATUSES)
    # The held order, the one waiting to ship, the parcel, the return, the complaint: each
    # its own buyer's chat.
    assert web.count() == 5
    assert web.filter(order__isnull=True).count() == 0
    assert web.filter(order__status__in=["on_hold", "pending_review"]).exists()  # the address to change
    assert web.filter(order__status="shipped").exists()
    assert Message.objects.filter(kind=MessageKind.CALL, call__duration_seconds__gt=0).exists()
    assert conversations.filter(channel=ConversationChannel.EMAIL, status=ConversationStatus.PENDING).exists()
    assert conversations.filter(status=ConversationStatus.SNOOZED, snoozed_until__gt=NOW).exists()


def test_the_team_one_agent_online_and_load_counters_that_agree(demo: DemoSummary) -> None:
    profiles = {profile.user.username: profile for profile in AgentProfile.objects.select_related("user", "team")}

    assert set(profiles) == {"agent", "xiaomei", "lijie"}
    assert [name for name, profile in profiles.items() if profile.presence == Presence.ONLINE] == ["agent"]
    assert profiles["xiaomei"].presence == Presence.AWAY
    assert profiles["agent"].max_chats == AGENT_CAP
    for profile in profiles.values():
        active = Conversation.objects.filter(assignee=profile.user, status__in=ACTIVE_STATUSES).count()
        assert profile.open_count == active, profile.user.username
    # 阿华 is full, so the last 旺旺 message waits unassigned, escalated after its breach.
    assert profiles["agent"].open_count == AGENT_CAP
    waiting = Conversation.objects.get(assignee__isnull=True, status=ConversationStatus.OPEN)
    assert (waiting.channel, waiting.language) == (ConversationChannel.MARKETPLACE, "en")
    assert waiting.escalated_to == user("lijie")
    assert SlaClock.objects.filter(conversation=waiting, state="breached").exists()


def test_calendar_policies_quick_replies_and_phrases_are_seeded(demo: DemoSummary) -> None:
    # Holidays and 调休 from the library for the years it knows (last year on); for later
    # years (the clock may be years ahead) nothing is guessed: the owner enters them.
    known = calendars.known_years()
    covered = NOW.year in known or NOW.year - 1 in known
    assert CalendarDay.objects.filter(kind=DayKind.HOLIDAY).exists() == covered
    assert CalendarDay.objects.filter(kind=DayKind.WORKDAY).exists() == covered  # 调休
    policies = SlaPolicy.objects.filter(active=True)
    assert policies.filter(channel=ConversationChannel.WEB, first_reply_seconds__lte=60).exists()
    assert policies.filter(calendar__isnull=True).count() == 0
    assert QuickReply.objects.filter(scope="shop").count() >= 10
    assert QuickReply.objects.filter(scope="personal", owner=user("agent"), usage_count__gte=1).exists()
    assert ForbiddenPhrase.objects.filter(active=True).count() >= 7
    assert ForbiddenPhrase.objects.exclude(alternative="").count() == ForbiddenPhrase.objects.count()


def test_the_tracking_quick_reply_was_filled_from_the_order(demo: DemoSummary) -> None:
    reply = QuickReply.objects.get(scope="personal", owner=user("agent"), shortcut="wl")
    message = Message.objects.filter(kind=MessageKind.AGENT, body__contains="单号").select_related(
        "conversation__order"
    )
    filled = [m for m in message if m.conversation.order is not None and m.conversation.order.number in m.body]

    assert filled, "a reply naming the order"
    assert all("{" not in m.body for m in filled)
    assert reply.usage_count >= 1


def test_a_resolved_conversation_whose_buyer_answered_the_survey(demo: DemoSummary) -> None:
    answered = Survey.objects.filter(score__isnull=False)

    assert answered.filter(conversation__resolved_at__date=timezone.localdate(NOW)).exists()
    assert answered.count() >= 5
    assert Survey.objects.filter(score__isnull=True).exists()  # some buyers never answer
    # Every conversation an agent answered and resolved sent its survey, once.
    answered_by_agents = Conversation.objects.filter(
        resolved_at__isnull=False, messages__kind__in=[MessageKind.AGENT, MessageKind.CALL]
    ).distinct()
    assert answered_by_agents.filter(survey__isnull=True).count() == 0


def test_a_complaint_with_its_checklist_half_done(demo: DemoSummary) -> None:
    procedure = ComplaintProcedure.objects.get(conversation__status=ConversationStatus.OPEN)

    assert set(procedure.steps) == {"calm", "listen", "empathise"}
    assert procedure.completed_at is None
    assert procedure.conversation.intent == "complaint"
    assert procedure.conversation.priority >= 2


def test_forbidden_phrases_caught_and_sent_anyway_with_a_reason(demo: DemoSummary) -> None:
    caught = ForbiddenHit.objects.filter(sent_anyway=False)
    anyway = ForbiddenHit.objects.filter(sent_anyway=True)

    assert caught.count() >= 1
    assert anyway.count() >= 1
    assert anyway.exclude(reason="").count() == anyway.count()
    assert Message.objects.exclude(override_reason="").count() >= 1
    # The caught draft was never sent.
    for hit in caught:
        assert not Message.objects.filter(kind=MessageKind.AGENT, body=hit.draft).exists()


def test_a_handover_not_yet_acknowledged(demo: DemoSummary) -> None:
    handover = Handover.objects.get()

    assert (handover.from_agent, handover.to_agent) == (user("xiaomei"), user("agent"))
    assert handover.acknowledged_at is None
    assert handover.items.filter(conversation__isnull=False).count() >= 2
    assert handover.items.exclude(promise="").exists()


def test_the_figures_have_the_history_days(demo: DemoSummary) -> None:
    rows = ServiceDailyFigure.objects.filter(agent__isnull=False)
    days = set(rows.values_list("day", flat=True))
    totals = rows.aggregate(
        first=Sum("first_responses"), resolved=Sum("resolutions"), csat=Sum("csat_count"), hits=Sum("forbidden_hits")
    )

    assert len(days) >= HISTORY_DAYS
    assert totals["first"] >= 9
    assert totals["resolved"] >= 9
    assert totals["csat"] >= 5
    assert totals["hits"] >= 2
    assert set(rows.values_list("agent__username", flat=True)) >= {"agent", "xiaomei"}


def test_everything_happened_before_now_and_the_sweeps_find_nothing_left(demo: DemoSummary) -> None:
    now = timezone.now()

    assert Message.objects.filter(created_at__gt=now).count() == 0
    assert ConversationEvent.objects.filter(at__gt=now).count() == 0
    assert Conversation.objects.filter(created_at__gt=now).count() == 0
    for conversation in Conversation.objects.all():
        first = conversation.messages.order_by("created_at", "pk").first()
        assert first is None or first.created_at >= conversation.created_at
    assert sla.sweep(now=now) == 0
    assert routing.route_waiting(now=now) == 0
