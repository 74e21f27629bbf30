"""Care after the conversation: the complaint checklist, follow-ups, the satisfaction
survey (sent once on resolve through the outbox, answered on its public page) and the
shift handover with its acknowledgement."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from sellerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.service import complaints, conversations, followups, forbidden, handover, intents, surveys
from sellerdesk.service.models import (
    ComplaintProcedure,
    Conversation,
    ConversationEvent,
    FollowUpTask,
    Handover,
    HandoverItem,
    Survey,
)
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    # The classifier and the phrase check are tested on their own.
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


@pytest.fixture
def hua(db: Any) -> Any:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def mei(db: Any) -> Any:
    return make_user("mei", "agent", "小美")


@pytest.fixture
def web(db: Any) -> Conversation:
    order = place((make_sku("DRESS", name="吊带裙").code, 1))
    return conversations.open_conversation(shop=default_shop(), channel="web", order=order, at=T0)


def codes(conversation: Conversation) -> list[str]:
    return list(ConversationEvent.objects.filter(conversation=conversation).values_list("code", flat=True))


# --- the complaint procedure -----------------------------------------------------------------


def test_a_complaint_starts_the_checklist_once(web: Conversation, hua: Any) -> None:
    conversations.mark_complaint(conversation=web, actor=hua, at=T0)
    complaints.on_complaint(web, at=T0 + timedelta(minutes=1))

    procedure = ComplaintProcedure.objects.get(conversation=web)
    assert procedure.started_at == T0
    assert codes(web).count(complaints.PROCEDURE_STARTED) == 1
    assert [step.step for step in complaints.checklist(procedure)] == [
        "calm",
        "listen",
        "empathise",
        "apologise",
        "solve",
    ]


def test_solve_comes_last_and_schedules_the_follow_up(web: Conversation, hua: Any) -> None:
    conversations.mark_complaint(conversation=web, actor=hua, at=T0)
    with translation.override("en"), pytest.raises(Conflict) as caught:
        complaints.tick_step(conversation=web, step="solve", actor=hua, at=T0)
    assert caught.value.code == "complaint_steps_missing"
    assert caught.value.details == {"missing": ["calm", "listen", "empathise", "apologise"]}
    assert not FollowUpTask.objects.exists()

    for minute, step in enumerate(["listen", "calm", "empathise", "apologise"], start=1):
        complaints.tick_step(
            conversation=web, step=step, actor=hua, note=f"{step} note", at=T0 + timedelta(minutes=minute)
        )
    complaints.tick_step(conversation=web, step="listen", actor=hua, note="again", at=T0 + timedelta(minutes=9))
    procedure = complaints.tick_step(
        conversation=web, step="solve", actor=hua, note="补发一件", at=T0 + timedelta(minutes=10)
    )

    assert procedure.completed_at == T0 + timedelta(minutes=10)
    assert procedure.steps["listen"]["note"] == "listen note"  # the first tick stands
    assert procedure.steps["solve"]["by_name"] == "阿华"
    task = FollowUpTask.objects.get(conversation=web)
    assert task.due_at == T0 + timedelta(minutes=10) + timedelta(hours=24)
    assert task.note == "补发一件"
    assert codes(web).count(complaints.STEP_TICKED) == 5
    assert complaints.PROCEDURE_COMPLETED in codes(web)


def test_ticking_a_conversation_that_is_no_complaint(web: Conversation, hua: Any) -> None:
    with pytest.raises(Conflict) as caught:
        complaints.tick_step(conversation=web, step="calm", actor=hua)
    assert caught.value.code == "not_a_complaint"
    conversations.mark_complaint(conversation=web, actor=hua, at=T0)
    with translation.override("en"), pytest.raises(ValidationFailed) as bad:
        complaints.tick_step(conversation=web, step="shout", actor=hua, note="x" * 501)
    assert set(bad.value.fields) == {"step"}
    with pytest.raises(ValidationFailed) as long_note:
        complaints.tick_step(conversation=web, step="calm", actor=hua, note="x" * 501)
    assert set(long_note.value.fields) == {"note"}
    assert ComplaintProcedure.objects.get(conversation=web).steps == {}


def test_another_shops_agent_may_not_tick(web: Conversation, hua: Any) -> None:
    conversations.mark_complaint(conversation=web, actor=hua, at=T0)
    other = Shop.objects.create(code="jd", name="京东店")
    outsider = make_user("out", "agent", "外人")
    from sellerdesk.service.models import AgentProfile

    AgentProfile.objects.create(user=outsider).shops.add(other)
    with pytest.raises(PermissionDenied):
        complaints.tick_step(conversation=web, step="calm", actor=outsider)


# --- follow-ups -------------------------------------------------------------------------------


def test_resolving_an_after_sale_problem_schedules_a_follow_up(web: Conversation, hua: Any) -> None:
    Conversation.objects.filter(pk=web.pk).update(intent="damaged_or_wrong", assignee=hua)
    web.refresh_from_db()
    conversations.resolve(conversation=web, actor=hua, at=T0 + timedelta(hours=1))

    task = FollowUpTask.objects.get(conversation=web)
    assert task.assignee == hua
    assert task.due_at == T0 + timedelta(hours=49)
    assert followups.FOLLOW_UP_SCHEDULED in codes(web)
    assert list(followups.follow_ups(actor=hua)) == [task]

    done = followups.complete(task=task, actor=hua, outcome="买家已收到换货", at=T0 + timedelta(days=2))
    assert done.done_at == T0 + timedelta(days=2)
    assert list(followups.follow_ups(actor=hua)) == []
    with pytest.raises(Conflict):
        followups.complete(task=task, actor=hua, outcome="again")


def test_a_presale_question_needs_no_follow_up(web: Conversation, hua: Any) -> None:
    Conversation.objects.filter(pk=web.pk).update(intent="product_question")
    web.refresh_from_db()
    conversations.resolve(conversation=web, actor=hua, at=T0)
    assert not FollowUpTask.objects.exists()


def test_a_follow_up_by_hand_is_checked(web: Conversation, hua: Any, mei: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        followups.add_follow_up(conversation=web, actor=hua, due_at=T0 - timedelta(hours=1), note="x" * 301, at=T0)
    assert set(caught.value.fields) == {"due_at", "note"}
    task = followups.add_follow_up(conversation=web, actor=hua, due_at=T0 + timedelta(days=1), note="回电", at=T0)
    assert task.due_at == T0 + timedelta(days=1)
    with pytest.raises(Conflict):
        followups.add_follow_up(conversation=web, actor=hua, due_at=T0 + timedelta(days=2), at=T0)
    with pytest.raises(ValidationFailed):
        followups.complete(task=task, actor=hua, outcome="  ")


# --- the survey -----------------------------------------------------------------------------


def resolve(conversation: Conversation, actor: Any, at: datetime = T0) -> None:
    conversations.resolve(conversation=conversation, actor=actor, at=at)


def test_the_survey_is_sent_once_through_the_outbox(web: Conversation, hua: Any) -> None:
    resolve(web, hua)
    conversations.reopen(conversation=web, actor=hua, at=T0 + timedelta(minutes=5))
    resolve(web, hua, T0 + timedelta(minutes=10))

    survey = Survey.objects.get(conversation=web)
    assert survey.sent_at == T0
    message = OutgoingMessage.objects.get(idempotency_key=f"service:survey:{web.pk}")
    assert message.channel == "im"
    assert message.kind == "service_message"
    assert message.customer_id == web.customer_id
    link = re.search(r"http://\S+/service/survey/(\S+)/", message.text)
    assert link is not None
    assert surveys.hash_token(link.group(1)) == survey.token_hash
    assert codes(web).count(surveys.SURVEY_SENT) == 1


def test_an_email_conversation_gets_its_survey_by_email(db: Any, hua: Any) -> None:
    conversation = conversations.open_conversation(
        shop=default_shop(), channel="email", contact="buyer@example.com", language="en", at=T0
    )
    resolve(conversation, hua)
    message = OutgoingMessage.objects.get(idempotency_key=f"service:survey:{conversation.pk}")
    assert (message.channel, message.recipient) == ("email", "buyer@example.com")
    assert message.text.startswith("Thank you for contacting")


def test_no_survey_when_the_buyer_cannot_be_reached(db: Any, hua: Any) -> None:
    conversation = conversations.open_conversation(shop=default_shop(), channel="email", at=T0)
    resolve(conversation, hua)
    assert not Survey.objects.exists()
    assert not OutgoingMessage.objects.exists()


def token_of(conversation: Conversation) -> str:
    message = OutgoingMessage.objects.get(idempotency_key=f"service:survey:{conversation.pk}")
    found = re.search(r"/service/survey/([^/\s]+)/", message.text)
    assert found is not None
    return found.group(1)


def test_the_buyer_answers_once_and_the_figures_count_it(web: Conversation, hua: Any, monkeypatch: Any) -> None:
    counted: list[int] = []
    monkeypatch.setattr(surveys.figures, "csat", lambda conversation, *, score, at: counted.append(score))
    resolve(web, hua)
    token = token_of(web)

    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        surveys.answer(token=token, score=6, comment="x" * 501)
    assert set(caught.value.fields) == {"score", "comment"}
    with pytest.raises(NotFound):
        surveys.answer(token="nope", score=5)

    survey = surveys.answer(token=token, score=4, comment=" 回复很快 ", at=T0 + timedelta(hours=1))
    assert (survey.score, survey.comment, survey.answered_at) == (4, "回复很快", T0 + timedelta(hours=1))
    assert counted == [4]
    with pytest.raises(Conflict):
        surveys.answer(token=token, score=1)
    assert counted == [4]
    assert surveys.SURVEY_ANSWERED in codes(web)


def test_the_public_survey_page(web: Conversation, hua: Any) -> None:
    resolve(web, hua)
    token = token_of(web)
    page = Client()
    with translation.override("en"):
        shown = page.get(f"/service/survey/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert shown.status_code == 200
    assert b'data-testid="survey-form"' in shown.content
    assert page.post(f"/service/survey/{token}/", {"score": "9"}).status_code == 422
    answered = page.post(f"/service/survey/{token}/", {"score": "5", "comment": "好"})
    assert answered.status_code == 200
    assert b'data-testid="survey-answered"' in answered.content
    assert Survey.objects.get(conversation=web).score == 5
    assert page.get("/service/survey/not-a-token/").status_code == 404


# --- the shift handover -------------------------------------------------------------------------


def test_a_handover_hands_on_the_open_conversations_and_promises(web: Conversation, hua: Any, mei: Any) -> None:
    Conversation.objects.filter(pk=web.pk).update(assignee=hua)
    due = T0 + timedelta(hours=3)

    written = handover.write_handover(from_agent=hua, to_agent=mei, notes="王小姐的退款等财务确认", at=T0)
    with_promise = handover.write_handover(
        from_agent=hua,
        notes="",
        items=[handover.ItemDraft(conversation_id=web.pk, promise="20:00 前回复退款进度", due_at=due)],
        at=T0 + timedelta(minutes=1),
    )

    assert list(written.items.values_list("conversation_id", flat=True)) == [web.pk]
    assert HandoverItem.objects.get(handover=with_promise).due_at == due
    assert codes(web).count(handover.HANDED_OVER) == 2
    assert list(handover.unacknowledged()) == [written, with_promise]
    assert list(handover.unacknowledged(older_than=timedelta(minutes=30), now=T0 + timedelta(minutes=30))) == [written]

    with pytest.raises(PermissionDenied):
        handover.acknowledge(handover=written, actor=make_user("lin", "agent", "小林"))
    with pytest.raises(PermissionDenied):
        handover.acknowledge(handover=with_promise, actor=hua)
    acknowledged = handover.acknowledge(handover=written, actor=mei, at=T0 + timedelta(hours=1))
    assert (acknowledged.acknowledged_by, acknowledged.acknowledged_at) == (mei, T0 + timedelta(hours=1))
    with pytest.raises(Conflict):
        handover.acknowledge(handover=written, actor=mei)
    assert list(handover.unacknowledged()) == [with_promise]
    assert handover.HANDOVER_ACKNOWLEDGED in codes(web)


def test_a_bad_handover_is_refused_whole(web: Conversation, hua: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        handover.write_handover(
            from_agent=hua,
            to_agent=hua,
            notes="x" * 5001,
            items=[
                handover.ItemDraft(conversation_id=999999),
                handover.ItemDraft(promise="p" * 301),
                handover.ItemDraft(due_at=T0),
            ],
        )
    assert set(caught.value.fields) == {
        "notes",
        "to_agent",
        "items[0].conversation",
        "items[1].promise",
        "items[2].promise",
        "items[2].due_at",
    }
    assert not Handover.objects.exists()
    with pytest.raises(ValidationFailed):
        handover.write_handover(from_agent=hua, notes="  ")  # nothing open, nothing written


def test_a_phone_buyer_gets_the_survey_by_sms_signed_by_the_shop(db: Any, hua: Any) -> None:
    call = conversations.log_call(
        shop=default_shop(), actor=hua, number="13800138000", duration_seconds=60, summary="问发货", at=T0
    )
    resolve(call.conversation, hua)
    message = OutgoingMessage.objects.get(idempotency_key=f"service:survey:{call.conversation.pk}")
    assert (message.channel, message.recipient) == ("sms", "13800138000")
    assert message.text.startswith(f"【{default_shop().name}】")
    assert "/service/survey/" in message.text


def test_acknowledging_may_take_over_the_conversations(hua: Any, mei: Any) -> None:
    from sellerdesk.service import routing
    from sellerdesk.service.models import AgentProfile

    AgentProfile.objects.create(user=hua, presence="online", max_chats=5)
    AgentProfile.objects.create(user=mei, max_chats=5)
    routing.set_presence(user=mei, presence="online", at=T0)
    chats = [
        conversations.open_conversation(shop=default_shop(), channel="web", contact_name=name, at=T0)
        for name in ("甲", "乙")
    ]
    for chat in chats:
        routing.assign(conversation=chat, agent=hua, actor=None, at=T0)
    conversations.resolve(conversation=chats[1], actor=hua, at=T0)
    written = handover.write_handover(
        from_agent=hua,
        to_agent=mei,
        notes="",
        items=[handover.ItemDraft(conversation_id=chat.pk) for chat in chats],
        at=T0,
    )

    handover.acknowledge(handover=written, actor=mei, at=T0 + timedelta(minutes=5), take_over=True)

    assert Conversation.objects.get(pk=chats[0].pk).assignee == mei
    assert Conversation.objects.get(pk=chats[1].pk).assignee != mei  # resolved: not handed on
    assert AgentProfile.objects.get(user=mei).open_count == 1
    assert AgentProfile.objects.get(user=hua).open_count == 0
