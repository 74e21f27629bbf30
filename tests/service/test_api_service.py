"""The service desk's API: the staff side (inbox, replies, forbidden phrases, moves,
calls, notes, images, another shop's conversation), the buyer's web chat over the buyer
token, the marketplace push — and any JSON in any field never answers 500 nor writes."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sellerdesk.orders.models import Order
from sellerdesk.service import adapters, conversations, forbidden, intents
from sellerdesk.service.models import AgentProfile, Conversation, ConversationEvent, ForbiddenHit, Message
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.conftest import ApiClient
from tests.factories import make_token, make_user
from tests.portal.conftest import _show_codes, alice_order, bob_order, tees  # noqa: F401
from tests.portal.test_api import buyer_token

SECRET = "push-secret"


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    hit = forbidden.Hit(phrase="不知道", alternative="我帮您查一下", start=0, end=3)
    monkeypatch.setattr(
        forbidden,
        "check_draft",
        lambda text: (
            [forbidden.Hit(hit.phrase, hit.alternative, text.find("不知道"), text.find("不知道") + 3)]
            if "不知道" in text
            else []
        ),
    )
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "SERVICE": {"MARKETPLACE_SECRET": SECRET, "MARKETPLACE_LOG": str(tmp_path / "mp.log")},
    }


@pytest.fixture
def hua(db: Any) -> Any:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def hua_api(hua: Any) -> ApiClient:
    return ApiClient(make_token(hua))


@pytest.fixture
def conversation(alice_order: Order) -> Conversation:  # noqa: F811
    found = conversations.conversation_for_buyer(customer=alice_order.customer, order=alice_order)
    conversations.receive_buyer_message(conversation=found, body="什么时候发货？")
    return found


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (10, 10, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_inbox_conversation_and_messages(hua_api: ApiClient, conversation: Conversation) -> None:
    rows = hua_api.get("/api/v1/service/conversations", view="unassigned")
    assert rows.status_code == 200
    assert [(row["id"], row["channel"], row["unread_agent"], row["preview"]) for row in rows.json()] == [
        (conversation.pk, "web", 1, "什么时候发货？")
    ]
    assert hua_api.get("/api/v1/service/conversations/counts").json() == {
        "mine": 0,
        "unassigned": 1,
        "team": 0,
        "all": 1,
    }
    detail = hua_api.get(f"/api/v1/service/conversations/{conversation.pk}").json()
    assert detail["allowed_actions"] == ["wait", "snooze", "resolve"]
    assert detail["order"] == conversation.order.number
    messages = hua_api.get(f"/api/v1/service/conversations/{conversation.pk}/messages").json()
    assert [(m["kind"], m["body"], m["author"]) for m in messages] == [("buyer", "什么时候发货？", None)]
    after = hua_api.get(f"/api/v1/service/conversations/{conversation.pk}/messages", after=messages[0]["id"])
    assert after.json() == []
    assert hua_api.get("/api/v1/service/conversations/99999999999999999999999").status_code in (404, 422)
    assert hua_api.get("/api/v1/service/conversations", view="everyone").status_code == 422


def test_reply_and_the_forbidden_phrase_409(hua_api: ApiClient, conversation: Conversation) -> None:
    url = f"/api/v1/service/conversations/{conversation.pk}/messages"
    stopped = hua_api.post(url, {"body": "这个我不知道"})
    assert stopped.status_code == 409
    assert stopped.json()["code"] == "forbidden_phrases"
    assert stopped.json()["details"] == {
        "forbidden": [{"phrase": "不知道", "alternative": "我帮您查一下", "start": 3, "end": 6}]
    }
    assert Message.objects.filter(kind="agent").count() == 0
    assert ForbiddenHit.objects.filter(sent_anyway=False).count() == 1

    sent = hua_api.post(url, {"body": "这个我不知道", "override_reason": "买家问的是厂家内部信息"})
    assert sent.status_code == 201
    assert (sent.json()["kind"], sent.json()["author"], sent.json()["override_reason"]) == (
        "agent",
        "阿华",
        "买家问的是厂家内部信息",
    )
    too_long = hua_api.post(url, {"body": "长" * 5001})
    assert too_long.status_code == 422
    assert hua_api.post(url, {"body": "  "}).status_code == 422
    assert hua_api.post(url, {"body": "好", "extra": 1}).status_code == 422


def test_moves_priority_read_and_timeline(hua_api: ApiClient, conversation: Conversation) -> None:
    base = f"/api/v1/service/conversations/{conversation.pk}"
    assert hua_api.post(f"{base}/read").json()["unread_agent"] == 0
    assert hua_api.post(f"{base}/wait").json()["status"] == "pending"
    snoozed = hua_api.post(f"{base}/snooze", {"until": "2099-01-01T10:00:00+08:00"})
    assert snoozed.status_code == 422  # more than 90 days away
    assert hua_api.post(f"{base}/snooze", {"until": "2020-01-01T10:00:00"}).status_code == 422
    assert hua_api.post(f"{base}/priority", {"priority": 3}).json()["priority"] == 3
    assert hua_api.post(f"{base}/priority", {"priority": 4}).status_code == 422
    assert hua_api.post(f"{base}/resolve").json()["status"] == "resolved"
    refused = hua_api.post(f"{base}/wait")
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert hua_api.post(f"{base}/reopen").json()["status"] == "open"
    # Only this module's codes: the survey and others write their own events too. The
    # texts come in the reader's language (the request's Accept-Language).
    answer = hua_api.client.get(f"{base}/events", HTTP_ACCEPT_LANGUAGE="en")
    events = [e for e in answer.json() if e["code"].startswith("conversation_")]
    assert [e["code"] for e in events] == [
        "conversation_opened",
        "conversation_moved",
        "conversation_priority",
        "conversation_moved",
        "conversation_moved",
    ]
    assert events[2]["text"] == "Priority: Normal → Urgent"


def test_notes_calls_and_images(hua_api: ApiClient, conversation: Conversation) -> None:
    base = f"/api/v1/service/conversations/{conversation.pk}"
    note = hua_api.post(f"{base}/notes", {"body": "老客户"})
    assert (note.status_code, note.json()["kind"]) == (201, "note")
    call = hua_api.post(
        "/api/v1/service/calls",
        {"shop": "main", "number": "13800138000", "duration_seconds": 60, "summary": "确认地址"},
    )
    assert call.status_code == 201
    assert call.json()["call"] == {"number": "13800138000", "duration_seconds": 60, "inbound": True}
    assert (
        hua_api.post(
            "/api/v1/service/calls", {"shop": "nope", "number": "1", "duration_seconds": 1, "summary": "x"}
        ).status_code
        == 422
    )

    client = hua_api.client
    image = io.BytesIO(png())
    image.name = "photo.png"
    sent = client.post(f"{base}/attachments", {"files": [image], "body": "实拍图"})
    assert sent.status_code == 201, sent.content
    attachment = sent.json()["attachments"][0]
    assert (attachment["content_type"], attachment["width"], attachment["name"]) == ("image/png", 6, "photo.png")
    fetched = client.get(attachment["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"
    fake = io.BytesIO(b"MZ not an image")
    fake.name = "virus.png"
    refused = client.post(f"{base}/attachments", {"files": [fake]})
    assert refused.status_code == 422 and "attachments[0]" in refused.json()["details"]["fields"]
    assert client.post(f"{base}/attachments", {"body": "x"}).status_code == 422


def test_another_shops_agent_gets_403_and_sees_nothing(conversation: Conversation) -> None:
    other = Shop.objects.create(code="branch", name="分店")
    stranger = make_user("li", "agent", "小李")
    AgentProfile.objects.create(user=stranger).shops.add(other)
    api = ApiClient(make_token(stranger))
    assert api.get(f"/api/v1/service/conversations/{conversation.pk}").status_code == 404
    assert api.post(f"/api/v1/service/conversations/{conversation.pk}/messages", {"body": "hi"}).status_code == 404
    assert api.get("/api/v1/service/conversations", view="all").json() == []
    picker = ApiClient(make_token(make_user("picker", "warehouse")))
    assert picker.get("/api/v1/service/conversations").status_code == 403


def test_the_buyer_chats_over_the_buyer_token(
    alice_order: Order,  # noqa: F811
    bob_order: Order,  # noqa: F811
    hua: Any,
) -> None:
    alice = ApiClient(buyer_token(alice_order))
    assert alice.get("/api/v1/portal/chat").json() == {"conversation": None, "status": None, "order": None, "unread": 0}
    sent = alice.post("/api/v1/portal/chat/messages", {"body": "能改地址吗？", "order": alice_order.number})
    assert sent.status_code == 201, sent.content
    conversation = Conversation.objects.get()
    assert (conversation.customer_id, conversation.order_id, conversation.channel) == (
        alice_order.customer_id,
        alice_order.pk,
        "web",
    )
    conversations.add_note(conversation=conversation, actor=hua, body="内部：可以改")
    conversations.send_reply(conversation=conversation, actor=hua, body="可以的亲")
    seen = alice.get("/api/v1/portal/chat/messages").json()
    assert [(m["kind"], m["body"], m["author"]) for m in seen] == [
        ("buyer", "能改地址吗？", None),
        ("agent", "可以的亲", "阿华"),
    ]
    assert alice.get("/api/v1/portal/chat/messages", after=seen[0]["id"]).json()[0]["body"] == "可以的亲"
    assert alice.get("/api/v1/portal/chat").json()["unread"] == 1
    assert alice.post("/api/v1/portal/chat/read").json()["unread"] == 0
    not_hers = alice.post("/api/v1/portal/chat/messages", {"body": "x", "order": bob_order.number})
    assert not_hers.status_code == 422
    bob = ApiClient(buyer_token(bob_order))
    assert bob.get("/api/v1/portal/chat/messages").json() == []
    assert ApiClient(None).get("/api/v1/portal/chat/messages").status_code == 401
    staff = ApiClient(make_token(hua))
    assert staff.get("/api/v1/portal/chat/messages").status_code == 401

    image = io.BytesIO(png())
    image.name = "地址.png"
    with_image = alice.client.post("/api/v1/portal/chat/attachments", {"files": [image]})
    assert with_image.status_code == 201, with_image.content
    url = with_image.json()["attachments"][0]["url"]
    assert alice.client.get(url).status_code == 200
    assert bob.client.get(url).status_code == 404


def test_the_marketplace_push_endpoint(db: Any) -> None:
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    body = json.dumps(
        {"shop": "main", "message_id": "W1", "thread_id": "S1", "buyer_nick": "nick", "text": "在吗"}
    ).encode()
    public = Client()
    unsigned = public.post("/api/v1/service/inbound/marketplace", body, content_type="application/json")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "invalid_signature")
    headers = {"HTTP_X_SELLERDESK_SIGNATURE": adapters.sign(body, SECRET)}
    first = public.post("/api/v1/service/inbound/marketplace", body, content_type="application/json", **headers)
    again = public.post("/api/v1/service/inbound/marketplace", body, content_type="application/json", **headers)
    assert first.status_code == 200 and first.json()["duplicate"] is False
    assert again.json() == {**first.json(), "duplicate": True}
    bad = b'{"shop": "main"}'
    refused = public.post(
        "/api/v1/service/inbound/marketplace",
        bad,
        content_type="application/json",
        HTTP_X_SELLERDESK_SIGNATURE=adapters.sign(bad, SECRET),
    )
    assert refused.status_code == 422
    assert set(refused.json()["details"]["fields"]) == {"message_id", "thread_id", "buyer_nick", "text"}


def test_every_endpoint_is_in_the_openapi_document(api: ApiClient) -> None:
    paths = api.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/v1/service/conversations",
        "/api/v1/service/conversations/{conversation_id}/messages",
        "/api/v1/service/conversations/{conversation_id}/attachments",
        "/api/v1/service/calls",
        "/api/v1/service/inbound/marketplace",
        "/api/v1/portal/chat/messages",
        "/api/v1/portal/chat/attachments",
    ):
        assert path in paths, path


# --- no 500 on any input --------------------------------------------------------------------

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "-1", "1e999", "\u0000", 2**70, "2026-13-45T99:00", "9999-12-31T23:59:59+14:00"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
STAFF_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("messages", {"body": "好的", "override_reason": "", "quick_reply_ids": []}),
    ("notes", {"body": "记一下"}),
    ("snooze", {"until": "2026-03-10T12:00:00+08:00"}),
    ("priority", {"priority": 2}),
    ("calls", {"shop": "main", "number": "13800138000", "duration_seconds": 5, "summary": "s", "conversation_id": 1}),
    ("open", {"shop": "main", "channel": "phone", "contact": "13800138000", "order": "SO1", "customer_id": 1}),
]


def _written() -> tuple[int, int, int]:
    return Conversation.objects.count(), Message.objects.count(), ConversationEvent.objects.count()


@FUZZ
@given(which=st.integers(min_value=0, max_value=len(STAFF_BODIES) - 1), key=st.text(max_size=12), value=values)
def test_any_json_in_any_staff_field(
    hua_api: ApiClient, conversation: Conversation, which: int, key: str, value: Any
) -> None:
    name, template = STAFF_BODIES[which]
    with transaction.atomic():
        body = copy.deepcopy(template)
        field = list(template)[hash(key) % len(template)] if key else key
        body[field] = value
        if name == "calls":
            url = "/api/v1/service/calls"
        elif name == "open":
            url = "/api/v1/service/conversations"
        else:
            url = f"/api/v1/service/conversations/{conversation.pk}/{name}"
        before = _written()
        response = hua_api.client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code in {200, 201, 400, 404, 409, 422}, (url, body, response.content[:300])
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "message", "details"}
            assert _written() == before
        transaction.set_rollback(True)


@pytest.fixture
def alice_chat(alice_order: Order) -> ApiClient:  # noqa: F811
    return ApiClient(buyer_token(alice_order))


@FUZZ
@given(field=st.sampled_from(["body", "order", "x"]), value=values)
def test_any_json_in_the_buyers_chat(alice_chat: ApiClient, alice_order: Order, field: str, value: Any) -> None:  # noqa: F811
    client = alice_chat
    with transaction.atomic():
        body: dict[str, Any] = {"body": "你好", "order": alice_order.number, field: value}
        before = _written()
        response = client.client.post(
            "/api/v1/portal/chat/messages", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code in {201, 400, 422}, (body, response.content[:300])
        if response.status_code != 201:
            assert set(response.json()) == {"code", "message", "details"}
            assert _written() == before
        transaction.set_rollback(True)


@FUZZ
@given(field=st.sampled_from(["shop", "message_id", "thread_id", "buyer_nick", "text", "order_number"]), value=values)
def test_any_json_in_a_signed_push(db: Any, field: str, value: Any) -> None:
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    with transaction.atomic():
        payload = {"shop": "main", "message_id": "W9", "thread_id": "S9", "buyer_nick": "n", "text": "t", field: value}
        body = json.dumps(payload).encode()
        before = _written()
        response = Client().post(
            "/api/v1/service/inbound/marketplace",
            body,
            content_type="application/json",
            HTTP_X_SELLERDESK_SIGNATURE=adapters.sign(body, SECRET),
        )
        assert response.status_code in {200, 422}, (payload, response.content[:300])
        if response.status_code != 200:
            assert set(response.json()) == {"code", "message", "details"}
            assert _written() == before
        transaction.set_rollback(True)


def test_an_idempotency_key_sends_a_reply_once(hua_api: ApiClient, conversation: Conversation) -> None:
    url = f"/api/v1/service/conversations/{conversation.pk}/messages"
    first = hua_api.post(url, {"body": "马上发货"}, headers={"Idempotency-Key": "reply-1"})
    again = hua_api.post(url, {"body": "马上发货"}, headers={"Idempotency-Key": "reply-1"})
    other = hua_api.post(url, {"body": "别的话"}, headers={"Idempotency-Key": "reply-1"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.json() == first.json()
    assert Message.objects.filter(kind="agent").count() == 1
    stopped = hua_api.post(url, {"body": "不知道"}, headers={"Idempotency-Key": "reply-2"})
    assert stopped.status_code == 409
    # The catch is kept even though the keyed request's transaction was refused.
    assert ForbiddenHit.objects.filter(sent_anyway=False).count() == 1


def test_an_idempotency_key_sends_a_buyers_message_once(alice_chat: ApiClient) -> None:
    first = alice_chat.post("/api/v1/portal/chat/messages", {"body": "在吗"}, headers={"Idempotency-Key": "k1"})
    again = alice_chat.post("/api/v1/portal/chat/messages", {"body": "在吗"}, headers={"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Message.objects.count() == 1


def test_inbound_mailboxes(api: ApiClient, hua_api: ApiClient) -> None:
    added = api.post("/api/v1/service/mailboxes", {"shop": "main", "address": " KeFu@Shop.example "})
    assert added.status_code == 201 and added.json()["address"] == "kefu@shop.example"
    assert api.post("/api/v1/service/mailboxes", {"shop": "main", "address": "kefu@shop.example"}).status_code == 409
    bad = api.post("/api/v1/service/mailboxes", {"shop": "nope", "address": "not-an-address"})
    assert bad.status_code == 422 and set(bad.json()["details"]["fields"]) == {"shop", "address"}
    assert hua_api.post("/api/v1/service/mailboxes", {"shop": "main", "address": "x@shop.example"}).status_code == 403
    assert [box["address"] for box in hua_api.get("/api/v1/service/mailboxes").json()] == ["kefu@shop.example"]
    assert api.client.delete(f"/api/v1/service/mailboxes/{added.json()['id']}").status_code == 204
    assert api.client.delete(f"/api/v1/service/mailboxes/{added.json()['id']}").status_code == 404


def test_the_inbox_and_the_messages_take_a_fixed_number_of_queries(
    hua_api: ApiClient, conversation: Conversation, hua: Any, django_assert_max_num_queries: Any
) -> None:
    shop = Shop.objects.get(code="main")
    for index in range(15):
        other = conversations.open_conversation(shop=shop, channel="email", contact=f"b{index}@example.com")
        conversations.receive_buyer_message(conversation=other, body=f"问题{index}")
        conversations.log_call(
            shop=shop, actor=hua, number="13800138000", duration_seconds=5, summary="s", conversation=conversation
        )
    with django_assert_max_num_queries(8):
        assert len(hua_api.get("/api/v1/service/conversations", view="all").json()) == 16
    with django_assert_max_num_queries(8):
        assert len(hua_api.get(f"/api/v1/service/conversations/{conversation.pk}/messages").json()) == 16


@pytest.mark.parametrize("raw", ['{"body": "\\ud800"}', '{"body": "a\\u0000b"}', '{"body": ', "[1]", '"text"', "{}"])
def test_bad_bodies_are_refused_cleanly(hua_api: ApiClient, conversation: Conversation, raw: str) -> None:
    for url in (
        f"/api/v1/service/conversations/{conversation.pk}/messages",
        f"/api/v1/service/conversations/{conversation.pk}/notes",
    ):
        response = hua_api.post(url, raw)
        assert response.status_code in (400, 422), (url, raw, response.content[:200])
        assert set(response.json()) == {"code", "message", "details"}
    assert Message.objects.filter(kind__in=["agent", "note"]).count() == 0


def test_bad_query_strings_are_refused_cleanly(hua_api: ApiClient, alice_chat: ApiClient) -> None:
    for query in ("q=a%00b", "q=%ED%A0%80", "view=" + "x" * 1000, "q=%23" + "9" * 40, "status=open&status=x"):
        response = hua_api.client.get(f"/api/v1/service/conversations?{query}")
        assert response.status_code in (200, 422), (query, response.content[:200])
    for query in ("after=1e9", "after=-1", "after=" + "9" * 30):
        response = alice_chat.client.get(f"/api/v1/portal/chat/messages?{query}")
        assert response.status_code == 422, (query, response.content[:200])
