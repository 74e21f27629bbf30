"""The agent's desk under /service/: the inbox and its views and filters, the open
conversation (messages, notes, timeline), the composer (forbidden-phrase stop, send
anyway with a reason, quick replies filled from the order), the moves, and the order
actions from the buyer panel — each a refusal shown, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sellerdesk.core.models import User
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.service import conversations, forbidden
from sellerdesk.service import order_actions as desk_actions
from sellerdesk.service.models import (
    AgentProfile,
    ComplaintProcedure,
    Conversation,
    ConversationEvent,
    ForbiddenHit,
    IntentCorrection,
    Message,
    QuickReply,
)
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import shipped_order
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user, place

pytestmark = pytest.mark.django_db

FORBIDDEN = "这不是我们管的"


@pytest.fixture(autouse=True)
def _phrases(db: Any) -> None:
    forbidden.seed_phrases()  # the seed list (kept when a migration already filled it)


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="59.00", stock=50)


@pytest.fixture
def hua(db: Any) -> User:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def client_of(hua: User) -> Client:
    client = Client()
    client.force_login(hua)
    return client


def chat(order: Order, *, assignee: User | None = None, text: str = "我的快递到哪了") -> Conversation:
    conversation = conversations.open_conversation(shop=order.shop, channel="web", order=order)
    conversations.receive_buyer_message(conversation=conversation, body=text)
    if assignee is not None:
        Conversation.objects.filter(pk=conversation.pk).update(assignee=assignee)
    return Conversation.objects.get(pk=conversation.pk)


def page(client: Client, conversation: Conversation | None = None, language: str = "", **params: str) -> Any:
    """The desk (or one conversation on it), in `language` when given (the reader's
    Accept-Language: translation.override does not reach the test client's request)."""
    url = reverse("service:conversation", args=[conversation.pk]) if conversation else reverse("service:desk")
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return client.get(url, params, **headers)


# --- the inbox ------------------------------------------------------------------------------------


def test_the_desk_lists_my_conversations_with_counts_and_unread_marks(tee: Any, hua: User, client_of: Client) -> None:
    mine = chat(place(("TEE", 1)), assignee=hua)
    waiting = chat(place(("TEE", 1)))

    response = page(client_of, language="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-conversation-id="{mine.pk}"' in html
    assert f'data-conversation-id="{waiting.pk}"' not in html  # unassigned: not mine
    assert f'data-testid="unread-{mine.pk}"' in html
    counts = {
        view: response.context["views"][index][2] for index, view in enumerate(["mine", "unassigned", "team", "all"])
    }
    assert counts == {"mine": 1, "unassigned": 1, "team": 0, "all": 2}


def test_the_views_and_filters_choose_the_rows(tee: Any, hua: User, client_of: Client) -> None:
    mine = chat(place(("TEE", 1)), assignee=hua)
    waiting = chat(place(("TEE", 1)))

    unassigned = page(client_of, view="unassigned")
    everything = page(client_of, view="all")
    by_channel = page(client_of, view="all", channel="email")
    by_search = page(client_of, view="all", q=f"#{waiting.pk}")

    assert [row.pk for row in unassigned.context["rows"]] == [waiting.pk]
    assert {row.pk for row in everything.context["rows"]} == {mine.pk, waiting.pk}
    assert by_channel.context["rows"] == []
    assert [row.pk for row in by_search.context["rows"]] == [waiting.pk]


def test_a_bad_filter_is_shown_not_a_500(tee: Any, client_of: Client) -> None:
    response = page(client_of, view="all", channel="pigeon", sla_state="late")

    assert response.status_code == 200
    assert response.context["filter_problems"]


def test_the_desk_needs_the_service_permission(db: Any) -> None:
    picker = make_user("picker", "warehouse")
    client = Client()
    client.force_login(picker)

    assert client.get(reverse("service:desk")).status_code == 403
    assert Client().get(reverse("service:desk")).status_code == 302  # to the login page


def test_another_shops_conversation_is_not_found(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)))
    other = Shop.objects.create(code="other", name="别的店")
    AgentProfile.objects.create(user=hua).shops.add(other)

    assert page(client_of, conversation).status_code == 404


# --- the conversation -----------------------------------------------------------------------------


def test_opening_a_conversation_shows_the_thread_and_the_buyer_and_reads_it(
    tee: Any, hua: User, client_of: Client
) -> None:
    order = shipped_order(("TEE", 1), tracking_number="SF1234567890")
    conversation = chat(order, assignee=hua)
    conversations.add_note(conversation=conversation, actor=hua, body="买家是老客户")

    response = page(client_of, conversation, language="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "我的快递到哪了" in html and "买家是老客户" in html
    assert 'class="msg-item from-note"' in html
    assert "Conversation opened (Web chat)" in html  # the timeline inline
    assert f'data-testid="order-{order.number}"' in html and "SF1234567890" in html
    assert Conversation.objects.get(pk=conversation.pk).unread_agent == 0


def test_a_reply_is_sent_and_the_page_comes_back(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    response = client_of.post(
        reverse("service:send", args=[conversation.pk]), {"body": "亲，已经帮您查询了", "view": "all"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("service:conversation", args=[conversation.pk]) + "?view=all"
    assert list(Message.objects.filter(conversation=conversation, kind="agent").values_list("body", flat=True)) == [
        "亲，已经帮您查询了"
    ]


def test_a_forbidden_phrase_stops_the_reply_and_offers_the_polite_wording(
    tee: Any, hua: User, client_of: Client
) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)
    draft = f"亲，{FORBIDDEN}"

    response = client_of.post(reverse("service:send", args=[conversation.pk]), {"body": draft})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="forbidden-stop"' in html
    hits = response.context["forbidden"]
    assert [draft[hit["start"] : hit["end"]] for hit in hits] == [FORBIDDEN]
    assert hits[0]["alternative"] in html
    assert f"<mark>{FORBIDDEN}</mark>" in html
    assert f">{draft}</textarea>" in html  # the draft is kept
    assert Message.objects.filter(conversation=conversation, kind="agent").count() == 0
    assert list(ForbiddenHit.objects.values_list("sent_anyway", flat=True)) == [False]


def test_sending_anyway_needs_a_reason_and_records_it(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    response = client_of.post(
        reverse("service:send", args=[conversation.pk]), {"body": FORBIDDEN, "override_reason": "引用买家原话"}
    )

    assert response.status_code == 302
    message = Message.objects.get(conversation=conversation, kind="agent")
    assert message.override_reason == "引用买家原话"
    assert ForbiddenHit.objects.filter(sent_anyway=True, reason="引用买家原话").count() == 1


def test_an_empty_reply_is_refused_on_the_page(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    response = client_of.post(reverse("service:send", args=[conversation.pk]), {"body": "   "})

    assert response.status_code == 422
    assert Message.objects.filter(conversation=conversation, kind="agent").count() == 0


def test_a_note_and_the_moves(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    client_of.post(reverse("service:note", args=[conversation.pk]), {"body": "等仓库回复"})
    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "wait"})
    assert Conversation.objects.get(pk=conversation.pk).status == "pending"
    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "resolve"})
    assert Conversation.objects.get(pk=conversation.pk).status == "resolved"
    response = client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "wait"}, follow=True)

    assert response.status_code == 200
    assert Conversation.objects.get(pk=conversation.pk).status == "resolved"
    assert [str(message) for message in response.context["messages"]]  # the refusal is shown
    assert Message.objects.filter(conversation=conversation, kind="note", body="等仓库回复").count() == 1


def test_snooze_for_hours(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "snooze", "hours": "3"})

    fresh = Conversation.objects.get(pk=conversation.pk)
    assert fresh.status == "snoozed"
    assert fresh.snoozed_until is not None
    assert abs(fresh.snoozed_until - (timezone.now() + timedelta(hours=3))) < timedelta(minutes=1)


# --- quick replies --------------------------------------------------------------------------------


def test_a_quick_reply_is_filled_with_the_orders_tracking_number(tee: Any, hua: User, client_of: Client) -> None:
    order = shipped_order(("TEE", 1), tracking_number="SF1234567890")
    conversation = chat(order, assignee=hua)
    now = timezone.now()
    reply = QuickReply.objects.create(
        title="物流单号", shortcut="wl", body="亲，您的快递单号是 {tracking_number}", created_at=now, updated_at=now
    )

    listed = client_of.get(reverse("service:quick_replies", args=[conversation.pk]))
    by_id = client_of.get(reverse("service:quick_reply_text", args=[conversation.pk]), {"id": reply.pk})
    by_shortcut = client_of.get(reverse("service:quick_reply_text", args=[conversation.pk]), {"shortcut": "wl"})
    unknown = client_of.get(reverse("service:quick_reply_text", args=[conversation.pk]), {"shortcut": "nope"})

    assert f'data-reply-id="{reply.pk}"' in listed.content.decode()
    assert by_id.json() == {"id": reply.pk, "title": "物流单号", "text": "亲，您的快递单号是 SF1234567890"}
    assert by_shortcut.json()["text"] == "亲，您的快递单号是 SF1234567890"
    assert unknown.status_code == 404


def test_a_placeholder_without_a_value_is_named(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)  # not shipped: no tracking number
    now = timezone.now()
    reply = QuickReply.objects.create(title="单号", body="单号 {tracking_number}", created_at=now, updated_at=now)

    response = client_of.get(reverse("service:quick_reply_text", args=[conversation.pk]), {"id": reply.pk})

    assert response.status_code == 422
    assert "tracking_number" in response.json()["error"]


def test_the_quick_replies_used_are_counted(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)
    now = timezone.now()
    reply = QuickReply.objects.create(title="问候", body="亲，在的", created_at=now, updated_at=now)

    client_of.post(
        reverse("service:send", args=[conversation.pk]), {"body": "亲，在的", "quick_reply_ids": f"{reply.pk}"}
    )

    assert QuickReply.objects.get(pk=reply.pk).usage_count == 1


# --- order actions --------------------------------------------------------------------------------


def test_the_buyer_panel_offers_the_actions_the_order_allows(tee: Any, hua: User, client_of: Client) -> None:
    unpaid = place(("TEE", 1))
    conversation = chat(unpaid, assignee=hua)

    cards = {card.order.pk: card for card in page(client_of, conversation).context["order_cards"]}

    card = cards[unpaid.pk]
    assert (card.may_cancel, card.may_remind, card.may_change_address, card.may_extend, card.may_open_case) == (
        True,
        True,
        True,
        False,
        False,
    )


def test_changing_the_address_from_the_conversation(tee: Any, hua: User, client_of: Client) -> None:
    order = place(("TEE", 1))
    conversation = chat(order, assignee=hua)
    prefix = f"o{order.pk}"

    response = client_of.post(
        reverse("service:order_action", args=[conversation.pk, order.number, "address"]),
        {
            f"{prefix}-province": "浙江省",
            f"{prefix}-city": "宁波市",
            f"{prefix}-district": "鄞州区",
            f"{prefix}-detail": "天童南路 588 号",
        },
    )

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).city == "宁波市"
    assert OrderEvent.objects.filter(order=order, type="address_corrected").count() == 1
    assert (
        ConversationEvent.objects.filter(conversation=conversation, code=desk_actions.ORDER_ADDRESS_CHANGED).count()
        == 1
    )


def test_extending_receipt_from_the_conversation(tee: Any, hua: User, client_of: Client) -> None:
    order = shipped_order(("TEE", 1))
    conversation = chat(order, assignee=hua)
    before = Order.objects.get(pk=order.pk).auto_confirm_at
    assert before is not None
    prefix = f"o{order.pk}"

    client_of.post(
        reverse("service:order_action", args=[conversation.pk, order.number, "extend"]),
        {f"{prefix}-days": "3", f"{prefix}-reason": "物流延误"},
    )

    assert Order.objects.get(pk=order.pk).auto_confirm_at == before + timedelta(days=3)
    assert (
        ConversationEvent.objects.filter(conversation=conversation, code=desk_actions.ORDER_RECEIPT_EXTENDED).count()
        == 1
    )


def test_a_refused_order_action_is_shown_and_changes_nothing(tee: Any, hua: User, client_of: Client) -> None:
    order = shipped_order(("TEE", 1))
    conversation = chat(order, assignee=hua)
    events = OrderEvent.objects.count()

    response = client_of.post(
        reverse("service:order_action", args=[conversation.pk, order.number, "cancel"]),
        {"reason": "不要了"},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]]
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert OrderEvent.objects.count() == events
    assert not ConversationEvent.objects.filter(conversation=conversation, code=desk_actions.ORDER_CANCELLED).exists()


def test_an_order_note_and_an_unknown_action(tee: Any, hua: User, client_of: Client) -> None:
    order = place(("TEE", 1))
    conversation = chat(order, assignee=hua)

    client_of.post(reverse("service:order_action", args=[conversation.pk, order.number, "note"]), {"text": "周末送"})
    unknown = client_of.post(reverse("service:order_action", args=[conversation.pk, order.number, "explode"]))
    missing = client_of.post(reverse("service:order_action", args=[conversation.pk, "NOPE", "note"]), {"text": "x"})

    assert OrderEvent.objects.filter(order=order, type="note_added").count() == 1
    assert (unknown.status_code, missing.status_code) == (404, 404)


def test_the_page_costs_the_same_queries_for_more_conversations_and_messages(
    tee: Any, hua: User, client_of: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = chat(place(("TEE", 1)), assignee=hua)
    conversations.mark_read(conversation=first, actor=hua)
    client_of.get(reverse("service:conversation", args=[first.pk]))  # warm caches
    with CaptureQueriesContext(connection) as few:
        page(client_of, first, view="all")
    for _ in range(4):
        chat(place(("TEE", 1)), assignee=hua)
    for text in ("还在吗", "快点发货", "谢谢"):
        conversations.receive_buyer_message(conversation=first, body=text)
    conversations.add_note(conversation=first, actor=hua, body="备注")
    conversations.mark_read(conversation=first, actor=hua)
    with CaptureQueriesContext(connection) as many:
        page(client_of, first, view="all")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_boosted_answer_is_shown_at_the_desks_address(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    response = client_of.post(
        reverse("service:send", args=[conversation.pk]), {"body": FORBIDDEN, "view": "all"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 409
    assert response["HX-Push-Url"] == reverse("service:conversation", args=[conversation.pk]) + "?view=all"


# --- intents, priority, complaints, calls ---------------------------------------------------------


def test_an_agent_corrects_the_intent_of_a_buyer_message(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua, text="能便宜点吗")
    message = Message.objects.get(conversation=conversation, kind="buyer")

    client_of.post(reverse("service:correct_intent", args=[conversation.pk, message.pk]), {"intent": "price_bargain"})
    bad = client_of.post(
        reverse("service:correct_intent", args=[conversation.pk, message.pk]), {"intent": "gossip"}, follow=True
    )

    assert Message.objects.get(pk=message.pk).intent == "price_bargain"
    assert IntentCorrection.objects.filter(message=message, corrected="price_bargain", by=hua).count() == 1
    assert [str(note) for note in bad.context["messages"]]
    assert IntentCorrection.objects.count() == 1


def test_priority_and_complaint_from_the_desk(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)

    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "priority", "priority": "3"})
    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "complaint"})

    assert Conversation.objects.get(pk=conversation.pk).priority >= 2
    assert ComplaintProcedure.objects.filter(conversation=conversation).exists()
    assert 'data-testid="complaint-checklist"' in page(client_of, conversation).content.decode()


def test_a_call_is_logged_in_the_conversation_or_as_a_new_one(tee: Any, hua: User, client_of: Client) -> None:
    conversation = chat(place(("TEE", 1)), assignee=hua)
    shop = Shop.objects.get(code="main")

    client_of.post(
        reverse("service:log_call", args=[conversation.pk]),
        {"number": "13800138000", "duration": "3:20", "summary": "买家来电问发货", "inbound": "on"},
    )
    response = client_of.post(
        reverse("service:log_new_call"),
        {"shop": shop.pk, "number": "13900139000", "duration": "45", "summary": "咨询尺码"},
    )
    refused = client_of.post(
        reverse("service:log_new_call"),
        {"shop": shop.pk, "number": "13900139000", "duration": "3:75", "summary": "x"},
        follow=True,
    )

    call = Message.objects.get(conversation=conversation, kind="call")
    assert (call.body, call.call.duration_seconds) == ("买家来电问发货", 200)
    new = Message.objects.get(kind="call", body="咨询尺码")
    assert new.conversation.channel == "phone" and new.call.duration_seconds == 45 and new.call.inbound is False
    assert response["Location"].startswith(reverse("service:conversation", args=[new.conversation_id]))
    assert [str(note) for note in refused.context["messages"]]
    assert Message.objects.filter(kind="call").count() == 2


def test_an_agent_takes_an_unassigned_conversation_and_a_supervisor_gives_it_back(
    tee: Any, hua: User, client_of: Client
) -> None:
    from sellerdesk.service.models import Presence

    conversation = chat(place(("TEE", 1)))
    Conversation.objects.filter(pk=conversation.pk).update(assignee=None)
    AgentProfile.objects.create(user=hua, presence=Presence.ONLINE)
    boss = make_user("boss", "supervisor", "老王")
    supervisor = Client()
    supervisor.force_login(boss)

    client_of.post(reverse("service:move", args=[conversation.pk]), {"action": "take"})
    assert Conversation.objects.get(pk=conversation.pk).assignee == hua
    assert [profile.user for profile in page(supervisor, conversation).context["agents"]] == [hua]
    assert page(client_of, conversation).context["agents"] == []

    supervisor.post(reverse("service:move", args=[conversation.pk]), {"action": "assign", "agent": ""})

    assert Conversation.objects.get(pk=conversation.pk).assignee is None
