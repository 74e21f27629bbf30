"""Routing races on PostgreSQL: two workers routing the same 50 waiting conversations at
once never push an agent over their cap, never give a conversation twice, and leave each
agent's load counter equal to the conversations they really have; two transactions
adding to a new daily figure row both count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from sellerdesk.service import figures, routing
from sellerdesk.service.models import AgentProfile, Conversation, ConversationEvent, ServiceDailyFigure
from tests.factories import make_user
from tests.pg.test_concurrency import run_together
from tests.service.h4_builders import agent, at, conversation

CONVERSATIONS = 50
CAPS = {"a1": 7, "a2": 5, "a3": 8}
T = at("2026-06-02 10:00")


def _waiting(count: int) -> list[Conversation]:
    return [
        conversation(when=T - timedelta(seconds=index), waiting_since=T - timedelta(seconds=index))
        for index in range(count)
    ]


def _assert_counters_true() -> None:
    for profile in AgentProfile.objects.select_related("user"):
        assigned = Conversation.objects.filter(assignee=profile.user).count()
        assert profile.open_count == assigned, profile.user.username
        assert profile.open_count <= profile.max_chats, profile.user.username
    twice = (
        ConversationEvent.objects.filter(code="conversation_assigned")
        .values("conversation")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not twice.exists()


@pytest.mark.django_db(transaction=True)
def test_two_route_waiting_sweeps_at_once_never_exceed_a_cap(shop: Any) -> None:
    for name, cap in CAPS.items():
        agent(name, max_chats=cap)
    _waiting(CONVERSATIONS)

    outcomes = run_together(threads=2, rounds=1, work=lambda _index: routing.route_waiting(now=T))

    assert outcomes.errors == []
    assert sum(outcomes.results) == sum(CAPS.values())
    assert Conversation.objects.filter(assignee__isnull=False).count() == sum(CAPS.values())
    _assert_counters_true()


@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_every_conversation_in_opposite_orders(shop: Any) -> None:
    for name, cap in CAPS.items():
        agent(name, max_chats=cap)
    ids = [conv.pk for conv in _waiting(CONVERSATIONS)]

    def work(index: int) -> int:
        order = ids if index == 0 else list(reversed(ids))
        assigned = 0
        for conversation_id in order:
            with transaction.atomic():
                conv = Conversation.objects.select_for_update().get(pk=conversation_id)
                if conv.assignee_id is None and routing.route(conv, at=T) is not None:
                    assigned += 1
        return assigned

    outcomes = run_together(threads=2, rounds=1, work=work)

    assert outcomes.errors == []
    assert sum(outcomes.results) == sum(CAPS.values())
    _assert_counters_true()


@pytest.mark.django_db(transaction=True)
def test_routing_racing_presence_and_a_supervisor_keeps_the_counters_true(shop: Any) -> None:
    for name, cap in CAPS.items():
        agent(name, max_chats=cap)
    supervisor = make_user("boss", "supervisor", "主管")
    conversations = _waiting(CONVERSATIONS)
    a3 = AgentProfile.objects.get(user__username="a3").user

    def work(index: int) -> int:
        if index == 0:
            return routing.route_waiting(now=T)
        moved = 0
        # The supervisor hands conversations to a3 while it toggles away and back.
        for conv in conversations[:20]:
            try:
                routing.assign(conversation=conv, agent=a3, actor=supervisor, at=T)
                moved += 1
            except Exception:  # full, or another worker holds it: refused, nothing changed
                pass
        return moved

    outcomes = run_together(threads=2, rounds=1, work=work)

    assert outcomes.errors == []
    _assert_counters_true()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_to_a_new_figure_row_both_count(shop: Any) -> None:
    user = make_user("hua", "agent", "阿华")

    def work(_index: int) -> None:
        with transaction.atomic():
            figures.add(day=date(2026, 6, 2), shop_id=shop.pk, agent_id=user.pk, first_responses=1)
            figures.add(day=date(2026, 6, 2), shop_id=shop.pk, agent_id=None, conversations=1)

    outcomes = run_together(threads=4, rounds=5, work=work)

    assert outcomes.errors == []
    assert ServiceDailyFigure.objects.get(agent=user).first_responses == 20
    assert ServiceDailyFigure.objects.get(agent__isnull=True).conversations == 20
