"""The service desk on PostgreSQL with real threads: the same marketplace message pushed
five times at once is stored once; five messages of a new thread at once open one
conversation; a buyer's first chat messages sent at once open one conversation; replies
racing a resolve leave consistent counters."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest

from sellerdesk.service import adapters, conversations, forbidden, intents
from sellerdesk.service.inbound import marketplace
from sellerdesk.service.models import Conversation, ConversationEvent, Message
from tests.factories import make_sku, make_user, place
from tests.pg.test_concurrency import run_together

SECRET = "pg-secret"


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "SERVICE": {"MARKETPLACE_SECRET": SECRET, "MARKETPLACE_LOG": str(tmp_path / "mp.log")},
    }


def _push(**fields: Any) -> marketplace.Received:
    body = json.dumps(
        {"shop": "main", "message_id": "M-1", "thread_id": "T-1", "buyer_nick": "xiaoli", "text": "在吗", **fields}
    ).encode()
    return marketplace.receive_push(body=body, signature=adapters.sign(body, SECRET))


@pytest.mark.django_db(transaction=True)
def test_the_same_push_five_times_at_once_is_stored_once(shop: Any) -> None:
    outcomes = run_together(threads=5, rounds=1, work=lambda _index: _push())

    assert outcomes.errors == []
    assert sorted(received.duplicate for received in outcomes.results) == [False, True, True, True, True]
    assert len({received.message.pk for received in outcomes.results}) == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
    conversation = Conversation.objects.get()
    assert conversation.unread_agent == 1
    assert ConversationEvent.objects.filter(code="conversation_opened").count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_messages_of_a_new_thread_at_once_open_one_conversation(shop: Any) -> None:
    outcomes = run_together(threads=5, rounds=2, work=lambda index: _push(message_id=f"M-{index}", text=f"第{index}条"))

    assert outcomes.errors == []
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 10
    assert Conversation.objects.get().unread_agent == 10


@pytest.mark.django_db(transaction=True)
def test_a_buyers_first_messages_at_once_open_one_web_chat(shop: Any) -> None:
    make_sku("TEE", stock=10)
    order = place(("TEE", 1))

    def write(index: int) -> Message:
        conversation = conversations.conversation_for_buyer(customer=order.customer, order=order)
        return conversations.receive_buyer_message(conversation=conversation, body=f"你好{index}")

    outcomes = run_together(threads=5, rounds=1, work=write)

    assert outcomes.errors == []
    assert Conversation.objects.filter(customer=order.customer).count() == 1
    assert Conversation.objects.get().unread_agent == 5


@pytest.mark.django_db(transaction=True)
def test_replies_racing_a_resolve_keep_the_counts(shop: Any) -> None:
    agent = make_user("hua", "agent")
    received = _push()
    conversation = received.message.conversation

    def work(index: int) -> Any:
        if index == 0:
            return conversations.resolve(conversation=conversation, actor=agent)
        return conversations.send_reply(conversation=conversation, actor=agent, body=f"回复{index}")

    outcomes = run_together(threads=4, rounds=1, work=work)

    assert outcomes.errors == []
    conversation.refresh_from_db()
    assert conversation.unread_buyer == 3
    assert Message.objects.filter(kind="agent").count() == 3
    moves = list(
        # In the order they were written under the row's lock (pk), not by their `at`:
        # each thread read the clock before it waited for the lock.
        ConversationEvent.objects.filter(conversation=conversation, code="conversation_moved")
        .order_by("pk")
        .values_list("data__action", flat=True)
    )
    # Every reply that came after the resolve opened it again: the moves alternate.
    assert moves[0] == "resolve"
    assert all(a != b for a, b in pairwise(moves))
    assert conversation.status == ("resolved" if moves[-1] == "resolve" else "open")
