"""Daily figures kept as things happen, through the conversation actions and the
periodic jobs (service.snoozes, service.sla, service.routing): first response,
resolution, SLA met/breached, CSAT and forbidden hits per day, shop and agent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sellerdesk.service import conversations, figures, forbidden, intents, routing, tasks
from sellerdesk.service.models import (
    ConversationStatus,
    Presence,
    ServiceDailyFigure,
    SlaKind,
    SlaState,
)
from sellerdesk.shops.models import default_shop
from tests.factories import make_user
from tests.service.h4_builders import agent, at, office_policy, profile

pytestmark = pytest.mark.django_db

T = at("2026-06-02 10:00")  # a Tuesday


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    # The flow, not the classifier: every message is unclassified, no draft is caught.
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


def test_a_shift_of_conversations_adds_up_per_agent_and_day() -> None:
    office_policy()
    hua = agent("hua")
    shop = default_shop()

    fast = conversations.open_conversation(shop=shop, channel="web", at=T)
    conversations.receive_buyer_message(conversation=fast, body="在吗", at=T)
    fast.refresh_from_db()
    assert fast.assignee == hua and profile(hua).open_count == 1
    conversations.send_reply(conversation=fast, actor=hua, body="您好,很高兴为您服务", at=T + timedelta(seconds=20))
    conversations.resolve(conversation=fast, actor=hua, at=T + timedelta(minutes=10))
    assert profile(hua).open_count == 0

    slow = conversations.open_conversation(shop=shop, channel="web", at=T + timedelta(minutes=20))
    conversations.receive_buyer_message(conversation=slow, body="发货了吗", at=T + timedelta(minutes=20))
    # The sweep a few minutes later finds the first reply breached
    assert tasks.sweep_sla(T + timedelta(minutes=23)) == 1
    conversations.send_reply(conversation=slow, actor=hua, body="抱歉,让您久等了", at=T + timedelta(minutes=24))

    rows = figures.report(start=date(2026, 6, 2), end=date(2026, 6, 2), by=("day", "agent"))
    by_agent = {row.key["agent_id"]: row for row in rows}
    mine = by_agent[hua.pk]
    assert (mine.first_responses, mine.first_response_avg_seconds) == (2, (20 + 240) / 2)
    assert (mine.resolutions, mine.resolution_avg_seconds) == (1, 600.0)
    # fast: first reply met, resolution met; slow: first reply breached
    assert (mine.sla_met, mine.sla_breached, mine.sla_met_percent) == (2, 1, 66.67)
    # Opened before anyone had them: the unassigned row of the day
    assert by_agent[None].conversations == 2
    whole = figures.report(start=date(2026, 6, 1), end=date(2026, 6, 3), by=())[0]
    assert (whole.conversations, whole.first_responses, whole.resolutions) == (2, 2, 1)


def test_snoozed_conversations_wake_and_their_clocks_resume() -> None:
    office_policy()
    hua = agent("hua")
    conv = conversations.open_conversation(shop=default_shop(), channel="web", at=T)
    conversations.receive_buyer_message(conversation=conv, body="帮我看看", at=T)
    conversations.send_reply(conversation=conv, actor=hua, body="好的,我查一下", at=T + timedelta(seconds=30))
    conversations.snooze(conversation=conv, actor=hua, until=T + timedelta(hours=1), at=T + timedelta(minutes=1))
    resolution = conv.clocks.get(kind=SlaKind.RESOLUTION)
    assert (resolution.state, resolution.remaining_seconds) == (SlaState.PAUSED, 3540)

    assert tasks.wake_snoozed(T + timedelta(minutes=59)) == 0
    assert tasks.wake_snoozed(T + timedelta(hours=1)) == 1
    assert tasks.wake_snoozed(T + timedelta(hours=1)) == 0
    conv.refresh_from_db()
    resolution.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN
    assert (resolution.state, resolution.due_at) == (SlaState.RUNNING, T + timedelta(hours=1, seconds=3540))


def test_the_queue_is_served_the_moment_an_agent_comes_online() -> None:
    office_policy()
    conv = conversations.open_conversation(shop=default_shop(), channel="web", at=T)
    conversations.receive_buyer_message(conversation=conv, body="有人吗", at=T)
    conv.refresh_from_db()
    assert conv.assignee is None and conv.waiting_since == T
    late = agent("late", presence=Presence.OFFLINE)
    assert tasks.route_waiting(T + timedelta(minutes=1)) == 0
    routing.set_presence(user=late, presence=Presence.ONLINE, at=T + timedelta(minutes=2))
    conv.refresh_from_db()
    assert conv.assignee == late
    assert tasks.route_waiting(T + timedelta(minutes=3)) == 0  # nothing left for the job


def test_csat_and_forbidden_hits_are_counted_for_the_agent() -> None:
    hua = agent("hua")
    office_policy()
    conv = conversations.open_conversation(shop=default_shop(), channel="web", at=T)
    conversations.receive_buyer_message(conversation=conv, body="你好", at=T)
    conv.refresh_from_db()
    figures.csat(conv, score=4, at=T)
    figures.csat(conv, score=5, at=T)
    figures.forbidden_hit(conv, agent_id=hua.pk, shop_id=conv.shop_id, at=T)
    row = figures.report(start=date(2026, 6, 2), end=date(2026, 6, 2), by=("agent",), agent_id=hua.pk)[0]
    assert (row.csat_count, row.csat_avg, row.forbidden_hits) == (2, 4.5, 1)
    assert row.key["agent"] == "hua"


def test_the_day_is_shanghais() -> None:
    shop = default_shop()
    # 16:30 UTC on June 1st is 00:30 on June 2nd in Shanghai
    figures.add(day=figures.day_of(at("2026-06-02 00:30")), shop_id=shop.pk, agent_id=None, conversations=1)
    assert ServiceDailyFigure.objects.get().day == date(2026, 6, 2)
    with pytest.raises(ValueError):
        figures.add(day=date(2026, 6, 2), shop_id=shop.pk, agent_id=None, bogus=1)


def test_a_complaint_is_escalated_to_a_supervisor_at_once() -> None:
    office_policy()
    hua = agent("hua")
    boss = make_user("boss", "supervisor", "主管")
    conv = conversations.open_conversation(shop=default_shop(), channel="web", at=T)
    conversations.receive_buyer_message(conversation=conv, body="你们这什么服务", at=T)
    conversations.mark_complaint(conversation=conv, actor=hua, at=T + timedelta(minutes=1))
    conv.refresh_from_db()
    assert (conv.escalated_to, conv.escalated_at) == (boss, T + timedelta(minutes=1))
    codes = list(conv.events.values_list("code", flat=True))
    assert codes.count("conversation_escalated") == 1
