"""Conversations on SQLite: opening, the buyer's messages (dedupe, waking), the agent's
replies (forbidden phrases, size limit, another shop), moves, reads, calls and notes."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from PIL import Image

from sellerdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.service import conversations, events, forbidden, intents, queries
from sellerdesk.service.attachments import IncomingFile
from sellerdesk.service.conversations import ForbiddenPhrases
from sellerdesk.service.models import (
    AgentProfile,
    Attachment,
    Conversation,
    ConversationEvent,
    ForbiddenHit,
    Message,
    PhoneCall,
    Priority,
)
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests are about the conversation's flow: the classifier and the phrase check
    # (service.intents / service.forbidden, tested on their own) answer plainly unless a
    # test says otherwise.
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


@pytest.fixture
def agent_user(db: Any) -> Any:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def web(default_shop: Shop) -> Conversation:  # noqa: F811
    return conversations.open_conversation(
        shop=default_shop, channel="web", contact="13800138000", contact_name="王小丽", at=T0
    )


def test_open_writes_the_timeline_and_starts_open(web: Conversation) -> None:
    assert web.status == "open"
    assert list(web.events.values_list("code", flat=True)) == [events.OPENED]
    with translation.override("en"):
        assert web.events.get().text == "Conversation opened (Web chat)"


def test_open_refuses_a_bad_channel_and_writes_nothing(default_shop: Shop) -> None:  # noqa: F811
    with pytest.raises(ValidationFailed) as caught:
        conversations.open_conversation(shop=default_shop, channel="fax")
    assert "channel" in caught.value.fields
    assert Conversation.objects.count() == 0


def test_a_buyer_message_counts_unread_and_waits(web: Conversation) -> None:
    message = conversations.receive_buyer_message(conversation=web, body="  你好，什么时候发货？ ", at=T0)
    web.refresh_from_db()
    assert message.body == "你好，什么时候发货？"
    assert message.kind == "buyer"
    assert web.unread_agent == 1
    assert web.waiting_since == T0
    assert web.last_message_preview == "你好，什么时候发货？"


def test_the_same_channel_message_is_stored_once(web: Conversation) -> None:
    first = conversations.receive_buyer_message(conversation=web, body="在吗", external_id="m-1", at=T0)
    again = conversations.receive_buyer_message(conversation=web, body="在吗", external_id="m-1", at=T0)
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    web.refresh_from_db()
    assert web.unread_agent == 1


def test_a_buyer_message_wakes_a_resolved_conversation(web: Conversation, agent_user: Any) -> None:
    conversations.resolve(conversation=web, actor=agent_user, at=T0)
    conversations.receive_buyer_message(conversation=web, body="还有个问题", at=T0 + timedelta(minutes=5))
    web.refresh_from_db()
    assert web.status == "open"
    assert web.resolved_at is None
    moves = [e.data["action"] for e in ConversationEvent.objects.filter(code=events.MOVED)]
    assert moves == ["resolve", "reopen"]


def test_the_intent_is_kept_on_the_message_and_conversation(web: Conversation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("complaint", 0.93))
    message = conversations.receive_buyer_message(conversation=web, body="我要投诉你们", at=T0)
    web.refresh_from_db()
    assert (message.intent, message.intent_confidence) == ("complaint", 0.93)
    assert (web.intent, web.skill, web.priority) == ("complaint", "after_sale", Priority.HIGH)


def test_a_reply_reopens_a_resolved_conversation_and_counts_for_the_buyer(web: Conversation, agent_user: Any) -> None:
    conversations.receive_buyer_message(conversation=web, body="在吗", at=T0)
    conversations.resolve(conversation=web, actor=agent_user, at=T0 + timedelta(minutes=1))
    reply = conversations.send_reply(
        conversation=web, actor=agent_user, body="亲，还在的~", at=T0 + timedelta(minutes=2)
    )
    web.refresh_from_db()
    assert reply.kind == "agent" and reply.author == agent_user
    assert web.status == "open"
    assert web.unread_buyer == 1
    assert web.waiting_since is None
    assert web.first_response_at == T0 + timedelta(minutes=2)


def test_a_too_long_reply_is_refused_and_nothing_written(web: Conversation, agent_user: Any, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SERVICE": {"MAX_MESSAGE_CHARS": 10}}
    with pytest.raises(ValidationFailed) as caught:
        conversations.send_reply(conversation=web, actor=agent_user, body="这句话一共超过了十个字的长度")
    assert "body" in caught.value.fields
    assert Message.objects.count() == 0


def test_a_forbidden_phrase_stops_the_reply_and_is_recorded(
    web: Conversation, agent_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hit = forbidden.Hit(phrase="不知道", alternative="我帮您查询一下", start=0, end=3)
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [hit] if "不知道" in text else [])
    with pytest.raises(ForbiddenPhrases) as caught:
        conversations.send_reply(conversation=web, actor=agent_user, body="不知道")
    assert caught.value.status == 409
    assert caught.value.details == {
        "forbidden": [{"phrase": "不知道", "alternative": "我帮您查询一下", "start": 0, "end": 3}]
    }
    assert Message.objects.count() == 0
    assert list(ForbiddenHit.objects.values_list("phrase_text", "sent_anyway")) == [("不知道", False)]

    sent = conversations.send_reply(conversation=web, actor=agent_user, body="不知道", override_reason="引用买家原话")
    assert sent.override_reason == "引用买家原话"
    assert ForbiddenHit.objects.filter(sent_anyway=True, reason="引用买家原话").count() == 1
    assert web.events.filter(code=events.SENT_ANYWAY).count() == 1


def test_an_agent_of_another_shop_is_refused(web: Conversation, agent_user: Any) -> None:
    other = Shop.objects.create(code="other", name="分店")
    profile = AgentProfile.objects.create(user=agent_user)
    profile.shops.add(other)
    with pytest.raises(PermissionDenied):
        conversations.send_reply(conversation=web, actor=agent_user, body="您好")
    assert Message.objects.count() == 0
    assert list(queries.inbox(actor=agent_user, view="all")) == []


def test_a_warehouse_user_may_not_reply(web: Conversation) -> None:
    picker = make_user("picker", "warehouse")
    with pytest.raises(PermissionDenied):
        conversations.send_reply(conversation=web, actor=picker, body="您好")


def test_an_image_attachment_is_stored_and_a_text_file_refused(web: Conversation, agent_user: Any) -> None:
    message = conversations.receive_buyer_message(
        conversation=web, body="", attachments=[IncomingFile("破损.png", png_bytes())], at=T0
    )
    stored = Attachment.objects.get(message=message)
    assert (stored.content_type, stored.width, stored.height, stored.original_name) == ("image/png", 8, 8, "破损.png")
    with pytest.raises(ValidationFailed) as caught:
        conversations.send_reply(
            conversation=web, actor=agent_user, body="看看", attachments=[IncomingFile("a.png", b"not an image")]
        )
    assert "attachments[0]" in caught.value.fields
    assert Message.objects.count() == 1


def test_wait_snooze_resolve_and_illegal_moves(web: Conversation, agent_user: Any) -> None:
    conversations.wait_for_buyer(conversation=web, actor=agent_user, at=T0)
    web.refresh_from_db()
    assert web.status == "pending"
    conversations.snooze(conversation=web, actor=agent_user, until=T0 + timedelta(hours=2), at=T0)
    web.refresh_from_db()
    assert (web.status, web.snoozed_until) == ("snoozed", T0 + timedelta(hours=2))
    with pytest.raises(ValidationFailed):
        conversations.snooze(conversation=web, actor=agent_user, until=T0 - timedelta(hours=1), at=T0)
    conversations.resolve(conversation=web, actor=agent_user, at=T0)
    web.refresh_from_db()
    assert (web.status, web.snoozed_until, web.resolved_at) == ("resolved", None, T0)
    with pytest.raises(InvalidTransition):
        conversations.wait_for_buyer(conversation=web, actor=agent_user, at=T0)
    with translation.override("en"):
        texts = [e.text for e in web.events.filter(code=events.MOVED)]
    assert texts == [
        "Waiting for the buyer: Open → Waiting for the buyer",
        "Snoozed: Waiting for the buyer → Snoozed",
        "Resolved: Snoozed → Resolved",
    ]


def test_reads_zero_the_counts(web: Conversation, agent_user: Any) -> None:
    conversations.receive_buyer_message(conversation=web, body="在吗", at=T0)
    conversations.send_reply(conversation=web, actor=agent_user, body="在的", at=T0)
    conversations.mark_read(conversation=web, actor=agent_user, at=T0)
    conversations.buyer_read(conversation=web, at=T0)
    web.refresh_from_db()
    assert (web.unread_agent, web.unread_buyer) == (0, 0)
    assert Message.objects.filter(read_at=T0).count() == 2


def test_a_logged_call_opens_a_phone_conversation(default_shop: Shop, agent_user: Any) -> None:  # noqa: F811
    message = conversations.log_call(
        shop=default_shop,
        actor=agent_user,
        number="138 0013 8000",
        duration_seconds=95,
        summary="买家问尺码，建议 M 码",
        at=T0,
    )
    call = PhoneCall.objects.get(message=message)
    assert (call.number, call.duration_seconds, call.inbound) == ("13800138000", 95, True)
    conversation = message.conversation
    assert (conversation.channel, conversation.contact) == ("phone", "13800138000")
    with translation.override("en"):
        assert conversation.events.get(code=events.CALL_LOGGED).text == "Phone call with 13800138000 logged (95 s)"
    with pytest.raises(ValidationFailed):
        conversations.log_call(shop=default_shop, actor=agent_user, number="abc", duration_seconds=1, summary="x")


def test_notes_are_left_out_of_the_buyer_catch_up(web: Conversation, agent_user: Any) -> None:
    conversations.receive_buyer_message(conversation=web, body="在吗", at=T0)
    conversations.add_note(conversation=web, actor=agent_user, body="老客户，优先", at=T0)
    assert [m.kind for m in queries.messages_since(web, 0)] == ["buyer", "note"]
    assert [m.kind for m in queries.messages_since(web, 0, include_notes=False)] == ["buyer"]


def test_priority_and_complaint(web: Conversation, agent_user: Any) -> None:
    conversations.set_priority(conversation=web, actor=agent_user, priority=Priority.URGENT, at=T0)
    with pytest.raises(ValidationFailed):
        conversations.set_priority(conversation=web, actor=agent_user, priority=9, at=T0)
    conversations.mark_complaint(conversation=web, actor=agent_user, at=T0)
    web.refresh_from_db()
    assert (web.priority, web.intent) == (Priority.URGENT, "complaint")
    with translation.override("en"):
        assert web.events.get(code=events.PRIORITY).text == "Priority: Normal → Urgent"


def test_inbox_views_and_counts(web: Conversation, agent_user: Any, default_shop: Shop) -> None:  # noqa: F811
    mine = conversations.open_conversation(shop=default_shop, channel="email", contact="a@example.com", at=T0)
    Conversation.objects.filter(pk=mine.pk).update(assignee=agent_user)
    assert queries.counts(agent_user) == {"mine": 1, "unassigned": 1, "team": 0, "all": 2}
    assert [c.pk for c in queries.inbox(actor=agent_user, view="unassigned")] == [web.pk]
    assert [c.pk for c in queries.inbox(actor=agent_user, view="all", channel="email")] == [mine.pk]
    with pytest.raises(ValidationFailed):
        queries.inbox(actor=agent_user, view="nobody")


def test_a_buyer_writing_again_the_same_day_continues_the_resolved_chat(agent_user: Any) -> None:
    make_sku("TEE", price="59.00")
    order = place(("TEE", 1))
    first = conversations.conversation_for_buyer(customer=order.customer, order=order, at=T0)
    conversations.receive_buyer_message(conversation=first, body="在吗", at=T0)
    conversations.resolve(conversation=first, actor=agent_user, at=T0 + timedelta(minutes=5))

    same_day = conversations.conversation_for_buyer(customer=order.customer, at=T0 + timedelta(hours=20))
    assert same_day.pk == first.pk
    next_week = conversations.conversation_for_buyer(customer=order.customer, at=T0 + timedelta(days=7))
    assert next_week.pk != first.pk and next_week.status == "open"
