"""Routing: skill, shop, language, intent and load with precomputed counters; never to an
offline agent or over a cap; longest-waiting first; reopened back to the last agent;
supervisor reassignment; escalation; presence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.service import routing
from sellerdesk.service.models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    Presence,
    Team,
)
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_user
from tests.service.h4_builders import agent, at, conversation, profile

pytestmark = pytest.mark.django_db

T = at("2026-06-02 10:00")


def waiting(minutes_ago: int = 0, **fields: object) -> Conversation:
    when = T - timedelta(minutes=minutes_ago)
    return conversation(when=when, waiting_since=when, **fields)


def test_goes_to_the_least_loaded_online_agent_with_room_without_counting_rows() -> None:
    busy = agent("busy", max_chats=2, open_count=1)
    free = agent("free", max_chats=2)
    agent("away", presence=Presence.AWAY)
    agent("gone", presence=Presence.OFFLINE)
    conv = waiting()

    with CaptureQueriesContext(connection) as queries:
        chosen = routing.route(conv, at=T)

    assert chosen == free
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    conv.refresh_from_db()
    assert (conv.assignee, conv.last_assignee) == (free, free)
    assert [profile(busy).open_count, profile(free).open_count] == [1, 1]
    assert profile(free).last_assigned_at == T
    event = ConversationEvent.objects.get(conversation=conv)
    assert (event.code, event.data["agent"], event.data["reason"]) == ("conversation_assigned", free.pk, "route")


def test_never_over_the_cap_and_never_offline() -> None:
    only = agent("only", max_chats=2)
    agent("offline", presence=Presence.OFFLINE, max_chats=50)
    assigned = [routing.route(waiting(), at=T) for _ in range(3)]
    assert assigned == [only, only, None]
    assert profile(only).open_count == 2
    assert Conversation.objects.filter(assignee__isnull=True).count() == 1


def test_skill_language_and_intent_come_first_and_the_shop_is_required() -> None:
    other_shop = Shop.objects.create(code="tmall", name="天猫店")
    presale = agent("presale", skills=["pre_sale"])
    aftersale = agent("aftersale", skills=["after_sale"])
    english = agent("english", skills=["after_sale"], languages=["zh-hans", "en"])
    returns = agent("returns", skills=["after_sale"], intents=["return_exchange"])
    agent("tmall_only", shops=[other_shop], skills=["pre_sale", "after_sale"], languages=["en", "zh-hans"])

    assert routing.route(waiting(intent="price_bargain"), at=T) == presale
    assert routing.route(waiting(intent="return_exchange"), at=T) == returns
    assert routing.route(waiting(intent="where_is_my_order", language="en"), at=T) == english
    # Load next: the after-sale agent with nothing yet
    assert routing.route(waiting(intent="refund_request"), at=T) == aftersale
    conv = Conversation.objects.filter(intent="price_bargain").get()
    assert conv.skill == "pre_sale"


def test_without_a_fitting_skill_any_agent_of_the_shop_serves() -> None:
    presale = agent("presale", skills=["pre_sale"])
    assert routing.route(waiting(intent="damaged_or_wrong"), at=T) == presale


def test_an_agent_of_another_shop_never_gets_it() -> None:
    other_shop = Shop.objects.create(code="tmall", name="天猫店")
    agent("tmall_only", shops=[other_shop])
    assert routing.route(waiting(shop=default_shop()), at=T) is None


def test_route_waiting_serves_the_longest_waiting_first() -> None:
    newest = waiting(1)
    oldest = waiting(30)
    middle = waiting(10)
    helper = agent("helper", max_chats=2)
    assert routing.route_waiting(now=T) == 2
    assignees = {c.pk: c.assignee_id for c in Conversation.objects.all()}
    assert (assignees[oldest.pk], assignees[middle.pk], assignees[newest.pk]) == (helper.pk, helper.pk, None)
    # Nobody with room: nothing to do, quickly
    assert routing.route_waiting(now=T) == 0


def test_finishing_frees_the_slot_and_a_reopen_goes_back_to_the_last_agent() -> None:
    first = agent("first", max_chats=1)
    conv = waiting()
    routing.route(conv, at=T)
    conv.status = ConversationStatus.RESOLVED
    conv.save(update_fields=["status"])
    routing.on_finished(conv, at=T)
    assert profile(first).open_count == 0

    agent("second")
    conv.status = ConversationStatus.OPEN
    conv.save(update_fields=["status"])
    routing.on_reopened(conv, at=T + timedelta(hours=1))
    conv.refresh_from_db()
    assert conv.assignee == first
    assert profile(first).open_count == 1


def test_a_reopen_while_the_last_agent_is_offline_goes_to_someone_else() -> None:
    first = agent("first")
    conv = waiting()
    routing.route(conv, at=T)
    conv.status = ConversationStatus.RESOLVED
    conv.save(update_fields=["status"])
    routing.on_finished(conv, at=T)
    routing.set_presence(user=first, presence=Presence.OFFLINE, at=T)
    second = agent("second")

    conv.status = ConversationStatus.OPEN
    conv.save(update_fields=["status"])
    routing.on_reopened(conv, at=T + timedelta(hours=1))
    conv.refresh_from_db()
    assert (conv.assignee, conv.last_assignee) == (second, second)
    assert (profile(first).open_count, profile(second).open_count) == (0, 1)


def test_route_after_unassignment_prefers_the_last_agent_when_online() -> None:
    first = agent("first")
    agent("second")
    conv = waiting(last_assignee=first)
    assert routing.route(conv, at=T) == first
    assert ConversationEvent.objects.get(conversation=conv).data["reason"] == "reopened"


def test_supervisor_reassigns_and_counters_follow() -> None:
    supervisor = make_user("boss", "supervisor", "主管")
    first = agent("first")
    second = agent("second", max_chats=1)
    conv = waiting()
    routing.route(conv, at=T)
    assert conv.assignee == first

    routing.assign(conversation=conv, agent=second, actor=supervisor, at=T)
    conv.refresh_from_db()
    assert conv.assignee == second
    assert (profile(first).open_count, profile(second).open_count) == (0, 1)

    # Full, offline, or another shop's agent: refused, nothing changed
    other = waiting()
    with pytest.raises(Conflict) as full:
        routing.assign(conversation=other, agent=second, actor=supervisor, at=T)
    assert full.value.code == "agent_full"
    sleeper = agent("sleeper", presence=Presence.OFFLINE)
    with pytest.raises(Conflict):
        routing.assign(conversation=other, agent=sleeper, actor=supervisor, at=T)
    tmall = agent("tmall", shops=[Shop.objects.create(code="tmall", name="天猫店")])
    with pytest.raises(ValidationFailed):
        routing.assign(conversation=other, agent=tmall, actor=supervisor, at=T)
    other.refresh_from_db()
    assert other.assignee is None
    assert profile(second).open_count == 1


def test_an_agent_takes_an_unassigned_conversation_but_not_anothers() -> None:
    first = agent("first")
    second = agent("second")
    conv = waiting()
    routing.assign(conversation=conv, agent=second, actor=second, at=T)
    conv.refresh_from_db()
    assert conv.assignee == second
    with pytest.raises(PermissionDenied):
        routing.assign(conversation=conv, agent=first, actor=first, at=T)
    with pytest.raises(PermissionDenied):
        routing.assign(conversation=waiting(), agent=second, actor=first, at=T)


def test_escalation_goes_to_the_team_supervisor_once_and_reassigning_clears_it() -> None:
    make_user("owner1", "owner", "老板")
    lead = make_user("lead", "supervisor", "组长")
    team = Team.objects.create(name="售后组", supervisor=lead)
    first = agent("first", team=team)
    conv = waiting()
    routing.route(conv, at=T)
    conv.refresh_from_db()
    assert conv.team == team

    routing.escalate(conversation=conv, reason="complaint", at=T)
    routing.escalate(conversation=conv, reason="sla_breach", at=T)
    conv.refresh_from_db()
    assert (conv.escalated_to, conv.escalated_at, conv.priority) == (lead, T, 2)
    assert ConversationEvent.objects.filter(conversation=conv, code="conversation_escalated").count() == 1

    second = agent("second")
    routing.assign(conversation=conv, agent=second, actor=lead, at=T)
    conv.refresh_from_db()
    assert (conv.assignee, conv.escalated_to) == (second, None)
    assert profile(first).open_count == 0


def test_going_offline_hands_waiting_conversations_to_another_agent() -> None:
    first = agent("first")
    conv = waiting()
    routing.route(conv, at=T)
    quiet = conversation(when=T, status=ConversationStatus.PENDING)
    routing.assign(conversation=quiet, agent=first, actor=None, at=T)
    second = agent("second", presence=Presence.OFFLINE)
    routing.set_presence(user=second, presence=Presence.ONLINE, at=T)

    routing.set_presence(user=first, presence=Presence.OFFLINE, at=T + timedelta(minutes=1))

    conv.refresh_from_db()
    quiet.refresh_from_db()
    assert (conv.assignee, conv.last_assignee) == (second, second)
    assert quiet.assignee == first  # waiting for the buyer: stays theirs
    assert (profile(first).open_count, profile(second).open_count) == (1, 1)
    assert profile(first).presence == Presence.OFFLINE


def test_an_agent_coming_online_gets_the_longest_waiting_of_the_queue_at_once_up_to_the_cap() -> None:
    newest, older, oldest = waiting(1), waiting(5), waiting(9)
    newcomer = make_user("newcomer", "agent", "新人")
    AgentProfile.objects.create(user=newcomer, max_chats=2)
    result = routing.set_presence(user=newcomer, presence=Presence.ONLINE, at=T)
    assert (result.presence, result.presence_at, result.open_count) == (Presence.ONLINE, T, 2)
    assignees = {conv.pk: conv.assignee_id for conv in Conversation.objects.all()}
    assert assignees == {oldest.pk: newcomer.pk, older.pk: newcomer.pk, newest.pk: None}
    assert routing.route_waiting(now=T) == 0  # at the cap: the newest waits for someone
    with pytest.raises(ValidationFailed):
        routing.set_presence(user=newcomer, presence="asleep", at=T)
    assert AgentProfile.objects.get(user=newcomer).presence == Presence.ONLINE


def test_an_agent_answering_an_unassigned_conversation_takes_it_when_routing_lets_them(monkeypatch) -> None:
    from sellerdesk.service import conversations, forbidden

    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])
    online = agent("online", max_chats=2)
    full = agent("full", max_chats=1, open_count=1)
    first, second = waiting(), waiting()

    conversations.send_reply(conversation=first, actor=online, body="您好，在的", at=T)
    conversations.send_reply(conversation=second, actor=full, body="您好，在的", at=T)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee == online and profile(online).open_count == 1
    event = ConversationEvent.objects.filter(conversation=first, code="conversation_assigned").get()
    assert event.data["reason"] == "replied"
    # At their cap: the reply went, the conversation stays in the queue for others.
    assert second.assignee is None and profile(full).open_count == 1
    assert second.messages.filter(kind="agent").count() == 1
