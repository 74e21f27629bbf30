"""The service desk's language API: the two fixed-shape endpoints (classify, check-draft),
the forbidden-phrase list, hits per agent, intent corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sellerdesk.service import forbidden
from sellerdesk.service.models import (
    INTENTS,
    UNCLASSIFIED,
    Conversation,
    ForbiddenHit,
    ForbiddenPhrase,
    IntentCorrection,
    Message,
)
from tests.conftest import ApiClient
from tests.factories import make_token, make_user
from tests.service.h4_builders import conversation

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 6, 2, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def seeded(db: Any) -> None:
    forbidden.seed_phrases(at=AT)


@pytest.fixture
def supervisor_api(db: Any) -> ApiClient:
    return ApiClient(make_token(make_user("boss", "supervisor", "主管")))


def test_classify_answers_exactly_intent_and_confidence(agent_api: ApiClient) -> None:
    response = agent_api.post("/api/v1/service/classify", {"text": "我的快递到哪了？三天没更新"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"intent", "confidence"}
    assert body["intent"] == "where_is_my_order"
    assert isinstance(body["confidence"], float) and 0.0 <= body["confidence"] <= 1.0


@pytest.mark.parametrize("text", ["", "在吗", "😀", "a" * 5000])
def test_classify_any_text(agent_api: ApiClient, text: str) -> None:
    body = agent_api.post("/api/v1/service/classify", {"text": text}).json()
    assert set(body) == {"intent", "confidence"}
    assert body["intent"] in (*INTENTS, UNCLASSIFIED)


def test_check_draft_answers_exactly_the_forbidden_list(agent_api: ApiClient) -> None:
    text = "亲，这事我们不管哦。公司規定就是這樣！"
    response = agent_api.post("/api/v1/service/check-draft", {"text": text})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"forbidden"}
    assert [set(item) for item in body["forbidden"]] == [{"phrase", "alternative", "start", "end"}] * 2
    first, second = body["forbidden"]
    assert (first["phrase"], text[first["start"] : first["end"]]) == ("这不是我们管的", "这事我们不管")
    assert (second["phrase"], text[second["start"] : second["end"]]) == ("公司规定是这样", "公司規定就是這樣")
    assert second["alternative"].startswith("非常感谢您的建议")


def test_check_draft_clean_is_an_empty_list(agent_api: ApiClient) -> None:
    response = agent_api.post("/api/v1/service/check-draft", {"text": "公司规定的退货地址是杭州市，您寄到这里就好"})
    assert response.json() == {"forbidden": []}


@pytest.mark.parametrize("path", ["/api/v1/service/classify", "/api/v1/service/check-draft"])
def test_bad_input_and_no_token(agent_api: ApiClient, anonymous_api: ApiClient, path: str) -> None:
    assert anonymous_api.post(path, {"text": "在吗"}).status_code == 401
    assert agent_api.post(path, {}).status_code == 422
    assert agent_api.post(path, {"text": 5}).status_code == 422
    assert agent_api.post(path, "not json").status_code in (400, 422)
    assert agent_api.post(path, {"text": "x" * 20001}).status_code == 422


def test_a_warehouse_user_may_not(warehouse_user: Any) -> None:
    api = ApiClient(make_token(warehouse_user))
    assert api.post("/api/v1/service/check-draft", {"text": "在吗"}).status_code == 403


def test_phrase_list_crud(supervisor_api: ApiClient, agent_api: ApiClient) -> None:
    listed = agent_api.get("/api/v1/service/forbidden-phrases").json()
    assert len(listed) == len(forbidden.seed_rows())
    new = {"phrase": "自己看详情页", "alternative": "我来为您介绍一下", "variants": ["自己(去)?看$"], "category": "x"}
    assert agent_api.post("/api/v1/service/forbidden-phrases", new).status_code == 403
    created = supervisor_api.post("/api/v1/service/forbidden-phrases", new)
    assert created.status_code == 201
    row = created.json()
    assert (row["phrase"], row["variants"], row["active"]) == ("自己看详情页", ["自己(去)?看$"], True)
    found = agent_api.post("/api/v1/service/check-draft", {"text": "您自己去看！"}).json()["forbidden"]
    assert [item["phrase"] for item in found] == ["自己看详情页"]

    duplicate = supervisor_api.post("/api/v1/service/forbidden-phrases", new)
    assert duplicate.status_code == 422
    assert ForbiddenPhrase.objects.filter(phrase="自己看详情页").count() == 1
    bad = supervisor_api.post("/api/v1/service/forbidden-phrases", {**new, "phrase": "另一个", "variants": ["(坏"]})
    assert bad.status_code == 422
    assert "variants[0]" in bad.json()["details"]["fields"]
    assert not ForbiddenPhrase.objects.filter(phrase="另一个").exists()

    path = f"/api/v1/service/forbidden-phrases/{row['id']}"
    changed = supervisor_api.patch(path, {"active": False, "alternative": "我来介绍"})
    assert changed.status_code == 200
    assert (changed.json()["active"], changed.json()["alternative"]) == (False, "我来介绍")
    assert agent_api.post("/api/v1/service/check-draft", {"text": "您自己去看！"}).json() == {"forbidden": []}
    assert supervisor_api.get(path).json()["active"] is False
    assert supervisor_api.client.delete(path).status_code == 204
    assert supervisor_api.get(path).status_code == 404
    assert supervisor_api.patch(path, {"active": True}).status_code == 404


def test_hits_by_agent_for_supervisors(supervisor_api: ApiClient, agent_api: ApiClient, agent: Any) -> None:
    ForbiddenHit.objects.create(agent=agent, phrase_text="我不知道", draft="我不知道", at=AT)
    query = "?start=2026-06-02T00:00:00%2B08:00&end=2026-06-03T00:00:00%2B08:00"
    assert agent_api.get("/api/v1/service/forbidden-hits/by-agent" + query).status_code == 403
    rows = supervisor_api.get("/api/v1/service/forbidden-hits/by-agent" + query).json()
    assert [(r["username"], r["hits"], r["sent_anyway"], r["rewritten"]) for r in rows] == [("agent", 1, 0, 1)]
    backwards = "?start=2026-06-03T00:00:00%2B08:00&end=2026-06-02T00:00:00%2B08:00"
    with translation.override("en"):
        assert supervisor_api.get("/api/v1/service/forbidden-hits/by-agent" + backwards).status_code == 422


def buyer_message(conv: Conversation, body: str, intent: str) -> Message:
    return Message.objects.create(
        conversation=conv, kind="buyer", body=body, channel=conv.channel, intent=intent, created_at=AT
    )


def test_correcting_an_intent_keeps_it_for_retraining(agent_api: ApiClient, agent: Any) -> None:
    conv = conversation(when=AT, intent="product_question", intent_confidence=0.5)
    message = buyer_message(conv, "这个能退吗", "product_question")
    response = agent_api.post(f"/api/v1/service/messages/{message.pk}/intent", {"intent": "return_exchange"})
    assert response.status_code == 200
    assert response.json() == {"id": message.pk, "intent": "return_exchange", "confidence": 1.0}
    correction = IntentCorrection.objects.get()
    assert (correction.text, correction.predicted, correction.corrected, correction.by) == (
        "这个能退吗",
        "product_question",
        "return_exchange",
        agent,
    )
    conv.refresh_from_db()
    assert conv.intent == "return_exchange"
    from sellerdesk.service.intents import correction_rows

    assert correction_rows() == [("这个能退吗", "return_exchange")]


def test_a_bad_correction_changes_nothing(agent_api: ApiClient, warehouse_user: Any) -> None:
    conv = conversation(when=AT)
    message = buyer_message(conv, "在吗", "unclassified")
    assert agent_api.post(f"/api/v1/service/messages/{message.pk}/intent", {"intent": "nonsense"}).status_code == 422
    assert agent_api.post("/api/v1/service/messages/999999/intent", {"intent": "complaint"}).status_code == 404
    note = Message.objects.create(conversation=conv, kind="note", body="备注", channel="web", created_at=AT)
    assert agent_api.post(f"/api/v1/service/messages/{note.pk}/intent", {"intent": "complaint"}).status_code == 422
    warehouse = ApiClient(make_token(warehouse_user))
    assert warehouse.post(f"/api/v1/service/messages/{message.pk}/intent", {"intent": "complaint"}).status_code == 403
    assert IntentCorrection.objects.count() == 0
    message.refresh_from_db()
    assert message.intent == "unclassified"


def test_ids_beyond_the_database_are_not_found(supervisor_api: ApiClient, agent_api: ApiClient) -> None:
    huge = 2**70
    assert supervisor_api.get(f"/api/v1/service/forbidden-phrases/{huge}").status_code == 404
    assert supervisor_api.patch(f"/api/v1/service/forbidden-phrases/{huge}", {"active": False}).status_code == 404
    assert agent_api.post(f"/api/v1/service/messages/{huge}/intent", {"intent": "complaint"}).status_code == 404
    query = f"?start=2026-06-02T00:00:00%2B08:00&end=2026-06-03T00:00:00%2B08:00&shop_id={huge}"
    assert supervisor_api.get("/api/v1/service/forbidden-hits/by-agent" + query).status_code == 422
