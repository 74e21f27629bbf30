"""The quick-reply and care API: every field validated (422 by field), permissions (403),
exact shapes; the XLSX export opens in openpyxl and imports back unchanged."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.service import conversations, forbidden, intents
from sellerdesk.service.models import Conversation, FollowUpTask, Handover, QuickReply
from sellerdesk.shops.models import default_shop
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


@pytest.fixture
def chat(db: Any) -> Conversation:
    order = place((make_sku("DRESS", name="吊带裙", attributes={"颜色": "玫红", "尺码": "XS"}).code, 1))
    from sellerdesk.orders.models import Order

    Order.objects.filter(pk=order.pk).update(carrier="顺丰速运", tracking_number="SF1234567890")
    order.refresh_from_db()
    return conversations.open_conversation(shop=default_shop(), channel="web", order=order, at=T0)


def upload(client: ApiClient, path: str, name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post(path, {"file": SimpleUploadedFile(name, content)})


# --- quick replies ---------------------------------------------------------------------------


def test_create_fill_and_count_a_quick_reply(agent_api: ApiClient, agent: Any, chat: Conversation) -> None:
    created = agent_api.post(
        "/api/v1/service/quick-replies",
        {"title": "已发货", "body": "{buyer_name}您好，{carrier} {tracking_number}\n{goods}", "shortcut": ";ship"},
    )
    assert created.status_code == 201, created.content
    reply = created.json()
    assert (reply["scope"], reply["shortcut"], reply["owner"], reply["editable"]) == ("personal", "ship", "agent", True)

    found = agent_api.get(f"/api/v1/service/quick-replies/shortcut/ship?conversation={chat.pk}")
    assert found.status_code == 200 and found.json()["id"] == reply["id"]
    filled = agent_api.post(
        f"/api/v1/service/conversations/{chat.pk}/quick-replies/fill",
        {"reply_ids": [reply["id"], reply["id"]], "separator": " "},
    )
    assert filled.status_code == 200, filled.content
    once = "张三您好，顺丰速运 SF1234567890\n吊带裙 玫红/XS ×1"
    assert filled.json() == {"text": f"{once} {once}", "reply_ids": [reply["id"], reply["id"]]}

    conversations.send_reply(conversation=chat, actor=agent, body=once, quick_reply_ids=[reply["id"]])
    assert QuickReply.objects.get(pk=reply["id"]).usage_count == 1


def test_every_field_is_checked(agent_api: ApiClient, chat: Conversation) -> None:
    bad = agent_api.post(
        "/api/v1/service/quick-replies",
        {"title": "", "body": "x" * 2001, "scope": "galaxy", "language": "fr", "shortcut": "s" * 31, "color": "red"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["details"]["fields"]) == {"title", "body", "scope", "language", "shortcut", "color"}

    unknown = agent_api.post("/api/v1/service/quick-replies", {"title": "坏", "body": "{coupon_code}"})
    assert unknown.status_code == 422
    assert "{coupon_code}" in unknown.json()["details"]["fields"]["body"]

    shop_wide = agent_api.post("/api/v1/service/quick-replies", {"title": "全店", "body": "好", "scope": "shop"})
    assert shop_wide.status_code == 422
    assert set(shop_wide.json()["details"]["fields"]) == {"scope"}

    no_order = conversations.open_conversation(shop=default_shop(), channel="web", at=T0)
    missing = agent_api.post(
        f"/api/v1/service/conversations/{no_order.pk}/quick-replies/fill", {"body": "{tracking_number}"}
    )
    assert missing.status_code == 422
    assert "{tracking_number}" in missing.json()["details"]["fields"]["body"]
    assert agent_api.post(f"/api/v1/service/conversations/{chat.pk}/quick-replies/fill", {}).status_code == 422
    nobody = agent_api.post(f"/api/v1/service/conversations/{chat.pk}/quick-replies/fill", {"reply_ids": [999]})
    assert nobody.status_code == 422
    assert agent_api.post("/api/v1/service/conversations/999999/quick-replies/fill", {"body": "x"}).status_code == 404
    assert agent_api.get("/api/v1/service/quick-replies/999999").status_code == 404
    assert not QuickReply.objects.exists()


def test_agents_cannot_edit_the_shops_replies(api: ApiClient, agent_api: ApiClient) -> None:
    shop_reply = api.post("/api/v1/service/quick-replies", {"title": "问候", "body": "您好", "scope": "shop"}).json()
    listed = agent_api.get("/api/v1/service/quick-replies").json()
    assert [(row["id"], row["editable"]) for row in listed] == [(shop_reply["id"], False)]
    changed = agent_api.put(f"/api/v1/service/quick-replies/{shop_reply['id']}", {"title": "改", "body": "改"})
    assert changed.status_code == 403
    assert agent_api.client.delete(f"/api/v1/service/quick-replies/{shop_reply['id']}").status_code == 403
    assert api.client.delete(f"/api/v1/service/quick-replies/{shop_reply['id']}").status_code == 204
    assert not QuickReply.objects.exists()


def test_export_opens_and_the_import_is_idempotent(api: ApiClient) -> None:
    for title, shortcut in (("问候", "hi"), ("告别", "bye")):
        api.post(
            "/api/v1/service/quick-replies",
            {"title": title, "body": f"{title}。", "shortcut": shortcut, "scope": "shop"},
        )
    exported = api.get("/api/v1/service/quick-replies/export")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert [row[:2] for row in rows[1:]] == [("告别", "bye"), ("问候", "hi")]

    for _attempt in range(2):
        again = upload(api, "/api/v1/service/quick-replies/import", "replies.xlsx", exported.content)
        assert again.status_code == 200, again.content
        assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    bad = upload(api, "/api/v1/service/quick-replies/import", "r.csv", "title,text\n,空标题\n好,{nope}\n".encode())
    assert bad.status_code == 422
    assert set(bad.json()["details"]["fields"]) == {"rows[2].title", "rows[3].text"}
    assert QuickReply.objects.count() == 2


def test_placeholders_are_listed(agent_api: ApiClient) -> None:
    names = [row["name"] for row in agent_api.get("/api/v1/service/quick-replies/placeholders").json()]
    assert names == [
        "buyer_name",
        "order_number",
        "goods",
        "total",
        "pay_by",
        "carrier",
        "tracking_number",
        "promised_ship_date",
        "shop_name",
        "agent_name",
    ]


# --- complaint, follow-ups, survey ----------------------------------------------------------


def test_the_complaint_checklist_over_the_api(agent_api: ApiClient, agent: Any, chat: Conversation) -> None:
    path = f"/api/v1/service/conversations/{chat.pk}/complaint"
    assert agent_api.get(path).status_code == 404
    assert agent_api.post(path + "/steps", {"step": "calm"}).status_code == 409
    conversations.mark_complaint(conversation=chat, actor=agent)
    assert agent_api.post(path + "/steps", {"step": "solve"}).json()["details"]["missing"] == [
        "calm",
        "listen",
        "empathise",
        "apologise",
    ]
    assert agent_api.post(path + "/steps", {"step": "nap"}).status_code == 422
    assert agent_api.post(path + "/steps", {"step": "calm", "note": "x" * 501}).status_code == 422
    for step in ("calm", "listen", "empathise", "apologise", "solve"):
        answer = agent_api.post(path + "/steps", {"step": step, "note": "好"})
        assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["completed_at"] is not None
    assert [step["done"] for step in body["steps"]] == [True] * 5
    follow_ups = agent_api.get("/api/v1/service/follow-ups?mine=false").json()
    assert [row["conversation"] for row in follow_ups] == [chat.pk]


def test_follow_ups_over_the_api(agent_api: ApiClient, chat: Conversation) -> None:
    path = f"/api/v1/service/conversations/{chat.pk}/follow-ups"
    assert agent_api.post(path, {"due_at": "2026-03-11T10:00:00"}).status_code == 422  # no offset
    created = agent_api.post(path, {"due_at": "2099-03-11T10:00:00+08:00", "note": "回电"})
    assert created.status_code == 201, created.content
    task = created.json()
    assert agent_api.post(f"/api/v1/service/follow-ups/{task['id']}/complete", {"outcome": ""}).status_code == 422
    done = agent_api.post(f"/api/v1/service/follow-ups/{task['id']}/complete", {"outcome": "买家满意"})
    assert done.status_code == 200 and done.json()["outcome"] == "买家满意"
    assert agent_api.post(f"/api/v1/service/follow-ups/{task['id']}/complete", {"outcome": "again"}).status_code == 409
    assert FollowUpTask.objects.get().done_at is not None


def test_the_buyer_answers_the_survey_without_a_login(agent_api: ApiClient, agent: Any, chat: Conversation) -> None:
    conversations.resolve(conversation=chat, actor=agent, at=T0)
    token = re.search(r"/service/survey/([^/\s]+)/", OutgoingMessage.objects.get(kind="service_message").text)
    assert token is not None
    public = ApiClient(None)
    path = f"/api/v1/service/surveys/{token.group(1)}"
    assert public.post(path, {"score": 0}).status_code == 422
    assert public.post(path, {"score": "5"}).status_code == 422
    assert public.post(path, {"score": 5, "comment": "x" * 501}).status_code == 422
    assert public.post("/api/v1/service/surveys/nope", {"score": 5}).status_code == 404
    answered = public.post(path, {"score": 5, "comment": "很好"})
    assert answered.status_code == 200
    assert answered.json()["score"] == 5
    assert public.post(path, {"score": 1}).status_code == 409
    staff = agent_api.get(f"/api/v1/service/conversations/{chat.pk}/survey").json()
    assert (staff["score"], staff["comment"]) == (5, "很好")


# --- handovers and the archive ----------------------------------------------------------------


def test_handover_over_the_api(agent_api: ApiClient, agent: Any, api: ApiClient, chat: Conversation) -> None:
    Conversation.objects.filter(pk=chat.pk).update(assignee=agent)
    mei = make_user("mei", "agent", "小美")
    bad = agent_api.post(
        "/api/v1/service/handovers",
        {
            "to_agent": "nobody",
            "notes": "x",
            "items": [{"conversation": chat.pk, "due_at": "2026-03-10T20:00:00+08:00"}],
        },
    )
    assert bad.status_code == 422
    written = agent_api.post("/api/v1/service/handovers", {"to_agent": "mei", "notes": "退款等财务"})
    assert written.status_code == 201, written.content
    row = written.json()
    assert (row["from_agent"], row["to_agent"], [item["conversation"] for item in row["items"]]) == (
        "阿华",
        "小美",
        [chat.pk],
    )
    assert agent_api.get("/api/v1/service/handovers/unacknowledged").status_code == 403
    assert [item["id"] for item in api.get("/api/v1/service/handovers/unacknowledged").json()] == [row["id"]]
    assert agent_api.post(f"/api/v1/service/handovers/{row['id']}/acknowledge").status_code == 403
    mei_api = ApiClient(make_token(mei))
    acknowledged = mei_api.post(f"/api/v1/service/handovers/{row['id']}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_by"] == "小美"
    assert mei_api.post(f"/api/v1/service/handovers/{row['id']}/acknowledge").status_code == 409
    assert api.get("/api/v1/service/handovers/unacknowledged").json() == []
    assert Handover.objects.count() == 1


def test_archive_over_the_api(api: ApiClient, agent_api: ApiClient, agent: Any, chat: Conversation) -> None:
    conversations.receive_buyer_message(conversation=chat, body="在吗", at=T0)
    exported = agent_api.get(f"/api/v1/service/archive?customer={chat.customer_id}")
    assert exported.status_code == 200
    assert json.loads(exported.content)["conversations"][0]["messages"][0]["body"] == "在吗"
    text = agent_api.get("/api/v1/service/archive?format=text")
    assert text["Content-Type"].startswith("text/plain") and "在吗".encode() in text.content
    pdf = agent_api.get("/api/v1/service/archive?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    assert agent_api.get("/api/v1/service/archive?format=doc").status_code == 422
    assert agent_api.get("/api/v1/service/archive?start=2026-03-10T10:00:00").status_code == 422
    ranged = agent_api.get("/api/v1/service/archive?start=2026-03-11T00:00:00%2B08:00&end=2026-03-10T00:00:00%2B08:00")
    assert ranged.status_code == 422
    assert upload(agent_api, "/api/v1/service/archive/import", "a.json", exported.content).status_code == 403
    merged = upload(api, "/api/v1/service/archive/import", "a.json", exported.content)
    assert merged.status_code == 200
    assert merged.json() == {
        "conversations_created": 0,
        "conversations_merged": 1,
        "messages_created": 0,
        "messages_skipped": 1,
    }
    assert Client().get("/api/v1/service/archive").status_code == 401
    assert timedelta(0) == timedelta(0)


# --- anything at the write calls: never a 500, a refusal writes nothing ------------------------

FUZZ = settings(
    max_examples=160,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        ["", "{buyer_name}", "{nope", "shop", "team", "calm", "solve", "2099-01-01T00:00:00+08:00", "\u0000"]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=10,
)
FIELDS = ["title", "body", "scope", "shortcut", "language", "shop", "team", "reply_ids", "separator", "step", "note"]
FIELDS += ["due_at", "outcome", "score", "comment", "to_agent", "notes", "items", "unexpected"]


def _counts() -> tuple[int, ...]:
    from sellerdesk.service.models import ComplaintProcedure, ConversationEvent, HandoverItem, Survey

    return (
        QuickReply.objects.count(),
        FollowUpTask.objects.count(),
        Handover.objects.count(),
        HandoverItem.objects.count(),
        Survey.objects.filter(answered_at__isnull=False).count(),
        ConversationEvent.objects.count(),
        len(str(list(ComplaintProcedure.objects.values_list("steps", flat=True)))),
    )


@FUZZ
@given(which=st.integers(min_value=0, max_value=7), field=st.sampled_from(FIELDS), value=json_values, whole=json_values)
def test_any_json_at_the_care_and_reply_calls(
    api: ApiClient, agent: Any, chat: Conversation, which: int, field: str, value: Any, whole: Any
) -> None:
    from django.db import transaction

    with transaction.atomic():
        conversations.mark_complaint(conversation=chat, actor=agent)
        reply = QuickReply.objects.create(title="t", body="b", scope="personal", created_at=T0, updated_at=T0)
        task = FollowUpTask.objects.create(conversation=chat, due_at=T0, created_at=T0)
        paths = [
            ("post", "/api/v1/service/quick-replies"),
            ("put", f"/api/v1/service/quick-replies/{reply.pk}"),
            ("post", f"/api/v1/service/conversations/{chat.pk}/quick-replies/fill"),
            ("post", f"/api/v1/service/conversations/{chat.pk}/complaint/steps"),
            ("post", f"/api/v1/service/conversations/{chat.pk}/follow-ups"),
            ("post", f"/api/v1/service/follow-ups/{task.pk}/complete"),
            ("post", "/api/v1/service/surveys/some-token"),
            ("post", "/api/v1/service/handovers"),
        ]
        method, path = paths[which]
        body = whole if isinstance(whole, dict) and which % 2 else {field: value}
        before = _counts()
        data = json.dumps(body)
        response = getattr(api.client, method)(path, data=data, content_type="application/json")
        assert response.status_code != 500, response.content[:300]
        assert response.status_code in {200, 201, 403, 404, 409, 422}, (response.status_code, response.content[:300])
        if response.status_code >= 300:
            assert set(response.json()) == {"code", "message", "details"}
            assert _counts() == before
        transaction.set_rollback(True)
