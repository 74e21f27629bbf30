"""The segments, buyer groups and Excel endpoints: errors naming the field, live counts,
exports that open with openpyxl, an import refused whole with its lines."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from sellerdesk.crm.models import Segment
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerGroup
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.support.clock import TEST_NOW


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def customer(name: str, **fields: Any) -> Customer:
    return Customer.objects.create(
        shop=Shop.objects.get(code="main"), identity=name, nickname=name, name=name, **fields
    )


def rows_of(answer: Any) -> list[list[Any]]:
    content = b"".join(answer.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_segment_crud_counts_members_and_export(api: Any, agent_api: Any) -> None:
    customer("big", total_spent=Decimal("900.00"), last_order_at=TEST_NOW.replace(year=TEST_NOW.year - 1))
    customer("small", total_spent=Decimal("10.00"))
    body = {"name": "lapsed", "rules": {"spent": {"min": "500"}, "recency": {"not_within_days": 90}}}
    answer = api.post("/api/v1/segments", body)
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert (created["count"], created["rules"]) == (1, {"spent": {"min": "500.00"}, "recency": {"not_within_days": 90}})
    bad = api.post("/api/v1/segments", {"name": "bad", "rules": {"recency": {"not_within_days": "soon"}}})
    assert bad.status_code == 422
    assert bad.json()["details"]["fields"] == {"rules.recency.not_within_days": "must be a whole number"}
    assert Segment.objects.count() == 1
    assert agent_api.post("/api/v1/segments", {"name": "x"}).status_code == 403
    assert api.post("/api/v1/segments/count", {"rules": {"spent": {"max": "100"}}}).json() == {"count": 1}
    listed = api.get("/api/v1/segments").json()
    assert [(item["name"], item["count"]) for item in listed["segments"]] == [("lapsed", 1)]
    assert [group["code"] for group in listed["purchase_groups"]] == ["bought", "not_bought", "only_asked"]
    segment_id = created["id"]
    members = api.get(f"/api/v1/segments/{segment_id}/members").json()
    assert [item["nickname"] for item in members["items"]] == ["big"]
    answer = api.get(f"/api/v1/segments/{segment_id}/export")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(answer)
    assert len(rows) == 2 and rows[1][2] == "big"
    assert agent_api.get(f"/api/v1/segments/{segment_id}/export").status_code == 403
    patched = api.patch(f"/api/v1/segments/{segment_id}", {"rules": {"tags": {"any": ["nope"]}}})
    assert patched.status_code == 422 and list(patched.json()["details"]["fields"]) == ["rules.tags.any[0]"]
    assert api.patch(f"/api/v1/segments/{segment_id}", {"rules": {}}).json()["count"] == 2
    assert api.client.delete(f"/api/v1/segments/{segment_id}").status_code == 204
    assert api.get(f"/api/v1/segments/{segment_id}").status_code == 404


def test_buyer_groups_over_the_api(api: Any) -> None:
    a, b = customer("a"), customer("b")
    answer = api.post("/api/v1/buyer-groups", {"name": "老客群"})
    assert answer.status_code == 201, answer.content
    group_id = answer.json()["id"]
    assert api.post(f"/api/v1/buyer-groups/{group_id}/members", {"customers": [a.pk, b.pk]}).json() == {
        "changed": 2,
        "members": 2,
    }
    assert api.post(f"/api/v1/buyer-groups/{group_id}/members/remove", {"customers": [b.pk]}).json() == {
        "changed": 1,
        "members": 1,
    }
    assert api.post("/api/v1/buyer-groups", {"name": "老客群"}).status_code == 409
    assert [item["nickname"] for item in api.get(f"/api/v1/buyer-groups/{group_id}/members").json()["items"]] == ["a"]
    assert [row[2] for row in rows_of(api.get(f"/api/v1/buyer-groups/{group_id}/export"))] == ["Nickname", "a"]
    assert api.patch(f"/api/v1/buyer-groups/{group_id}", {"name": "VIP"}).json()["name"] == "VIP"
    assert api.client.delete(f"/api/v1/buyer-groups/{group_id}").status_code == 204
    assert CustomerGroup.objects.count() == 0
    assert CustomerEvent.objects.filter(type="group_left").count() == 2


def test_import_and_export_customers(api: Any) -> None:
    customer("old", phone="13800138000")
    bad = SimpleUploadedFile("c.csv", "昵称,姓名,手机\nnew,新,\n,无名,\nx,y,123\n".encode("gbk"))
    answer = api.client.post("/api/v1/customers/import", {"file": bad})
    assert answer.status_code == 422
    assert answer.json()["details"]["fields"] == {
        "rows[3].nickname": "give a nickname or a phone number",
        "rows[4].phone": "not a valid mainland China mobile or landline number",
    }
    assert Customer.objects.count() == 1
    good = "\ufeff昵称,姓名,标签\nnew,新,VIP\n".encode()
    dry = api.client.post("/api/v1/customers/import", {"file": SimpleUploadedFile("c.csv", good), "dry_run": "true"})
    assert dry.status_code == 200 and (dry.json()["created"], dry.json()["committed"]) == (1, False)
    assert Customer.objects.count() == 1
    done = api.client.post("/api/v1/customers/import", {"file": SimpleUploadedFile("c.csv", good)})
    assert done.status_code == 200, done.content
    assert [(row["line"], row["result"]) for row in done.json()["rows"]] == [(2, "created")]
    rows = rows_of(api.get("/api/v1/customers/export", q="new"))
    assert [row[2] for row in rows] == ["Nickname", "new"] and rows[1][6] == "VIP"
    assert len(rows_of(api.get("/api/v1/customers/export"))) == 3


def test_rules_broken_by_hand_answer_422_naming_the_field(api: Any, owner: Any) -> None:
    broken = Segment.objects.create(
        name="broken", rules={"spent": {"min": "x"}}, created_at=TEST_NOW, created_by=owner, updated_at=TEST_NOW
    )
    assert api.get("/api/v1/segments").json()["segments"][0]["count"] is None
    assert api.get(f"/api/v1/segments/{broken.pk}").json()["count"] is None
    answer = api.get(f"/api/v1/segments/{broken.pk}/members")
    assert answer.status_code == 422 and list(answer.json()["details"]["fields"]) == ["rules.spent.min"]
