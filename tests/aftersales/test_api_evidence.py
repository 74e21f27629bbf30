"""The evidence, dispute and complaint API: every field validated, a non-image or a
50 MB file answered 422/413 with nothing written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from sellerdesk.aftersales.models import CaseType, Dispute, Evidence, FollowUp, Reason
from tests.aftersales.evidence_support import image_bytes, make_case, upload
from tests.conftest import ApiClient
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def supervisor_api(db) -> ApiClient:
    return ApiClient(make_token(make_user("boss", "supervisor", "主管")))


def files_in(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def post_file(api: ApiClient, number: str, name: str, content: bytes, **fields: str):
    client: Client = api.client
    return client.post(f"/api/v1/aftersales/cases/{number}/evidence", {"file": upload(name, content), **fields})


def test_uploading_a_photo(agent_api):
    case = make_case()

    response = post_file(agent_api, case.number, "IMG.JPG", image_bytes("PNG"), caption="外盒破损")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "photo" and body["content_type"] == "image/png"
    assert body["caption"] == "外盒破损" and body["has_thumbnail"] and len(body["sha256"]) == 64
    listed = agent_api.get(f"/api/v1/aftersales/cases/{case.number}/evidence").json()
    assert [item["id"] for item in listed] == [body["id"]]
    served = agent_api.get(f"/api/v1/aftersales/cases/{case.number}/evidence/{body['id']}/file")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    thumb = agent_api.get(f"/api/v1/aftersales/cases/{case.number}/evidence/{body['id']}/file", variant="thumbnail")
    assert thumb.status_code == 200


def test_a_text_file_named_like_a_photo_is_422_and_nothing_is_written(agent_api, media):
    case = make_case()

    response = post_file(agent_api, case.number, "photo.jpg", b"hello, I am text")

    assert response.status_code == 422
    assert "file" in response.json()["details"]["fields"]
    assert not Evidence.objects.exists() and files_in(media) == []


def test_a_50_mb_file_is_413_and_nothing_is_written(agent_api, media):
    case = make_case()

    response = post_file(agent_api, case.number, "big.jpg", image_bytes() + b"\0" * (50 * 1024 * 1024))

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert "file" in response.json()["details"]["fields"]
    assert not Evidence.objects.exists() and files_in(media) == []


def test_a_body_declared_too_large_is_refused_before_it_is_read(agent_api, media):
    case = make_case()

    response = agent_api.client.generic(
        "POST",
        f"/api/v1/aftersales/cases/{case.number}/evidence",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )

    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert not Evidence.objects.exists() and files_in(media) == []


def test_a_long_caption_is_422(agent_api, media):
    case = make_case()

    response = post_file(agent_api, case.number, "a.jpg", image_bytes(), caption="长" * 201)

    assert response.status_code == 422 and "caption" in response.json()["details"]["fields"]
    assert not Evidence.objects.exists() and files_in(media) == []


def test_a_missing_file_or_an_unknown_case(agent_api):
    case = make_case()
    missing = agent_api.client.post(f"/api/v1/aftersales/cases/{case.number}/evidence", {"caption": "x"})
    assert missing.status_code == 422 and "file" in missing.json()["details"]["fields"]
    assert post_file(agent_api, "AS-NONE", "a.jpg", image_bytes()).status_code == 404


def test_chat_excerpts_and_the_order_record(agent_api):
    case = make_case()

    chat = agent_api.post(f"/api/v1/aftersales/cases/{case.number}/evidence/text", {"text": "买家: 坏了"})
    record = agent_api.post(f"/api/v1/aftersales/cases/{case.number}/evidence/order-record")

    assert chat.status_code == 201 and chat.json()["kind"] == "chat"
    assert record.status_code == 201 and record.json()["kind"] == "order_record"
    bad = agent_api.post(f"/api/v1/aftersales/cases/{case.number}/evidence/text", {"text": "", "extra": 1})
    assert bad.status_code == 422 and {"text", "extra"} <= set(bad.json()["details"]["fields"])


def test_a_dispute_through_the_api(agent_api, supervisor_api):
    case = make_case()
    base = f"/api/v1/aftersales/cases/{case.number}"
    post_file(agent_api, case.number, "a.jpg", image_bytes())

    opened = agent_api.post(f"{base}/dispute", {"reason": "买家不认可"})
    assert opened.status_code == 201 and len(opened.json()["bundle_sha256"]) == 64
    detail = agent_api.get(f"{base}/dispute").json()
    assert detail["check"]["is_intact"] and len(detail["bundle"]["files"]) == 1

    mediation = agent_api.post(
        f"{base}/dispute/mediation", {"platform": "天猫小二", "reference": "TM-1", "outcome": "支持买家"}
    )
    assert mediation.status_code == 200 and mediation.json()["mediation_reference"] == "TM-1"

    bad = supervisor_api.post(f"{base}/dispute/ruling", {"outcome": "both", "ruling": ""})
    assert bad.status_code == 422 and {"outcome", "ruling"} <= set(bad.json()["details"]["fields"])
    assert agent_api.post(f"{base}/dispute/ruling", {"outcome": "buyer", "ruling": "同意"}).status_code == 403

    ruled = supervisor_api.post(f"{base}/dispute/ruling", {"outcome": "seller", "ruling": "不支持"})
    assert ruled.status_code == 200 and ruled.json()["case_status"] == "closed"
    pending = supervisor_api.get("/api/v1/aftersales/reviews/pending").json()
    assert [row["case"] for row in pending] == [case.number]

    assert supervisor_api.post(f"{base}/review", {"cause": "weather", "note": "x"}).status_code == 422
    reviewed = supervisor_api.post(f"{base}/review", {"cause": "packaging", "note": "加气泡膜"})
    assert reviewed.status_code == 200 and reviewed.json()["review_cause"] == "packaging"
    assert supervisor_api.get("/api/v1/aftersales/reviews/pending").json() == []
    assert Dispute.objects.get().ruling_outcome == "seller"


def test_a_complaint_through_the_api(agent_api):
    case = make_case(type=CaseType.COMPLAINT, reason=Reason.SERVICE)
    base = f"/api/v1/aftersales/cases/{case.number}"

    out_of_order = agent_api.post(f"{base}/complaint/steps", {"step": "solve"})
    assert out_of_order.status_code == 409 and out_of_order.json()["code"] == "checklist_order"
    assert agent_api.post(f"{base}/complaint/steps", {"step": "shout"}).status_code == 422
    for step in ("calm", "listen", "empathise", "apologise", "solve"):
        ticked = agent_api.post(f"{base}/complaint/steps", {"step": step})
        assert ticked.status_code == 200
    assert all(row["done_at"] for row in ticked.json()["steps"])

    resolved = agent_api.post(f"{base}/complaint/resolve", {"summary": "已致歉"})
    assert resolved.status_code == 201
    follow_up = resolved.json()
    assert agent_api.get("/api/v1/aftersales/follow-ups").json() == []
    # The answer's times are to the millisecond: ask for a moment after the due time.
    due_at = FollowUp.objects.get().due_at + timedelta(seconds=1)
    due = agent_api.get("/api/v1/aftersales/follow-ups", due_before=due_at.isoformat()).json()
    assert [row["id"] for row in due] == [follow_up["id"]]

    bad = agent_api.post(
        f"/api/v1/aftersales/follow-ups/{follow_up['id']}/complete", {"outcome": "ok", "satisfied": "y"}
    )
    assert bad.status_code == 422 and "satisfied" in bad.json()["details"]["fields"]
    done = agent_api.post(
        f"/api/v1/aftersales/follow-ups/{follow_up['id']}/complete", {"outcome": "满意", "satisfied": True}
    )
    assert done.status_code == 200 and done.json()["satisfied"] is True
    assert FollowUp.objects.get().done_at is not None
    assert (
        agent_api.post("/api/v1/aftersales/follow-ups/999999/complete", {"outcome": "x", "satisfied": True}).status_code
        == 404
    )


def test_the_form_pdf(agent_api):
    case = make_case()

    response = agent_api.get(f"/api/v1/aftersales/cases/{case.number}/form.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"


def test_the_openapi_document_lists_the_endpoints(api):
    paths = api.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/v1/aftersales/cases/{number}/evidence",
        "/api/v1/aftersales/cases/{number}/dispute/ruling",
        "/api/v1/aftersales/follow-ups/{follow_up_id}/complete",
        "/api/v1/aftersales/cases/{number}/form.pdf",
    ):
        assert path in paths
