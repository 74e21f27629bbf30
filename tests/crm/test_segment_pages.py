"""The segment, buyer group and import pages in the staff UI (English, by Accept-Language)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from sellerdesk.crm.models import Segment
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerGroup, CustomerTag
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_user
from tests.support.clock import TEST_NOW

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def customer(name: str, **fields: Any) -> Customer:
    return Customer.objects.create(
        shop=Shop.objects.get(code="main"), identity=name, nickname=name, name=name, **fields
    )


@pytest.fixture
def browser() -> Client:
    client = Client()
    client.force_login(make_user("boss", "owner"))
    return client


def sheet_rows(answer: Any) -> list[list[Any]]:
    content = b"".join(answer.streaming_content)
    return [
        list(row)
        for row in load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True)
    ]


def test_make_a_segment_see_its_live_count_and_export_it(browser: Client) -> None:
    customer("big", total_spent=Decimal("900.00"), last_order_at=TEST_NOW.replace(year=TEST_NOW.year - 1))
    customer("small", total_spent=Decimal("90.00"), last_order_at=TEST_NOW)
    page = browser.get("/customers/segments/", **EN)
    assert page.status_code == 200
    assert "Ordered, never paid" in page.content.decode()
    bad = browser.post("/customers/segments/", {"name": "x", "spent_min": "lots", "not_within_days": "90"}, **EN)
    assert bad.status_code == 422
    assert (
        "not an amount of money, e.g. &quot;59.00&quot;" in bad.content.decode()
        or "not an amount" in bad.content.decode()
    )
    assert Segment.objects.count() == 0
    live = browser.post("/customers/segments/count/", {"spent_min": "500", "not_within_days": "90"}, **EN)
    assert "1 customer now" in live.content.decode()
    answer = browser.post(
        "/customers/segments/", {"name": "Lapsed big spenders", "spent_min": "500", "not_within_days": "90"}, **EN
    )
    segment = Segment.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/customers/segments/{segment.pk}/"
    assert segment.rules == {"recency": {"not_within_days": 90}, "spent": {"min": "500.00"}}
    page = browser.get(f"/customers/segments/{segment.pk}/", **EN).content.decode()
    assert "1 customer now" in page and "spent at least ¥500.00" in page and "no order in the last 90 days" in page
    rows = sheet_rows(browser.get(f"/customers/segments/{segment.pk}/export/", **EN))
    assert [row[2] for row in rows] == ["Nickname", "big"]
    # Changed so that nobody matches: the page says so; a bad change keeps the old rules.
    assert (
        browser.post(
            f"/customers/segments/{segment.pk}/", {"name": "L", "orders_min": "5", "orders_max": "2"}, **EN
        ).status_code
        == 422
    )
    segment.refresh_from_db()
    assert segment.name == "Lapsed big spenders"
    browser.post(f"/customers/segments/{segment.pk}/", {"action": "delete"}, **EN)
    assert Segment.objects.count() == 0


def test_the_seed_groups_pages(browser: Client) -> None:
    page = browser.get("/customers/segments/purchase/only_asked/", **EN)
    assert page.status_code == 200 and "0 customers now" in page.content.decode()
    assert browser.get("/customers/segments/purchase/rich/", **EN).status_code == 404
    assert sheet_rows(browser.get("/customers/segments/purchase/bought/?export=1", **EN))[0][0] == "Customer number"


def test_buyer_group_pages(browser: Client) -> None:
    a = customer("a", number="K-1")
    customer("b", phone="13800138000")
    answer = browser.post("/customers/groups/", {"name": "老客群"}, **EN)
    group = CustomerGroup.objects.get()
    assert answer.status_code == 302
    refused = browser.post(
        f"/customers/groups/{group.pk}/", {"action": "add", "customers": "K-1\n13800138000, nobody"}, **EN
    )
    assert refused.status_code == 422 and "nobody: no such customer" in refused.content.decode()
    assert group.members.count() == 0
    browser.post(f"/customers/groups/{group.pk}/", {"action": "add", "customers": "K-1\n13800138000"}, **EN)
    assert group.members.count() == 2
    browser.post(f"/customers/groups/{group.pk}/", {"action": "remove", "customer": [a.pk]}, **EN)
    assert list(group.members.values_list("nickname", flat=True)) == ["b"]
    page = browser.get(f"/customers/groups/{group.pk}/", **EN).content.decode()
    assert "1 member" in page
    assert [row[2] for row in sheet_rows(browser.get(f"/customers/groups/{group.pk}/?export=1", **EN))] == [
        "Nickname",
        "b",
    ]
    assert "老客群" in browser.get("/customers/groups/", **EN).content.decode()
    browser.post(f"/customers/groups/{group.pk}/", {"action": "delete"}, **EN)
    assert CustomerGroup.objects.count() == 0
    assert CustomerEvent.objects.filter(type="group_left").count() == 2


def test_import_page_reports_lines_then_imports(browser: Client) -> None:
    bad = SimpleUploadedFile("c.csv", "昵称,姓名,手机\nnew,新,\n,无名,\n".encode("gbk"))
    page = browser.post("/customers/import/", {"file": bad}, **EN)
    assert page.status_code == 422
    text = page.content.decode()
    assert "Nothing was imported" in text and "give a nickname or a phone number" in text
    assert Customer.objects.count() == 0
    good = "昵称,姓名,标签\nnew,新,VIP\n".encode()
    checked = browser.post("/customers/import/", {"file": SimpleUploadedFile("c.csv", good), "dry_run": "on"}, **EN)
    assert "1 new, 0 updated, 0 unchanged." in checked.content.decode() and Customer.objects.count() == 0
    done = browser.post("/customers/import/", {"file": SimpleUploadedFile("c.csv", good)}, **EN)
    assert done.status_code == 200 and "1 new, 0 updated, 0 unchanged." in done.content.decode()
    assert CustomerTag.objects.get().name == "VIP"
    rows = sheet_rows(browser.get("/customers/export/?q=new", **EN))
    assert [row[2] for row in rows] == ["Nickname", "new"]


def test_an_agent_may_look_but_not_change_or_export() -> None:
    client = Client()
    client.force_login(make_user("agent", "agent"))
    assert client.get("/customers/segments/", **EN).status_code == 200
    assert client.post("/customers/segments/", {"name": "x"}, **EN).status_code == 403
    assert client.get("/customers/export/", **EN).status_code == 403
    assert client.get("/customers/import/", **EN).status_code == 403


def test_the_customer_list_links_its_export_with_its_filters(browser: Client) -> None:
    page = browser.get("/customers/?q=new&page=2", **EN).content.decode()
    assert 'href="/customers/export/?q=new"' in page
    assert 'href="/customers/segments/"' in page and 'href="/customers/import/"' in page


def test_rules_broken_by_hand_are_shown_not_a_crash(browser: Client) -> None:
    customer("a")
    owner = make_user("owner2", "owner")
    broken = Segment.objects.create(
        name="broken", rules={"recency": {"days": 3}}, created_at=TEST_NOW, created_by=owner, updated_at=TEST_NOW
    )
    listed = browser.get("/customers/segments/", **EN)
    assert listed.status_code == 200 and "rules.recency.days" in listed.content.decode()
    page = browser.get(f"/customers/segments/{broken.pk}/", **EN)
    assert page.status_code == 200 and "0 customers now" in page.content.decode()
    assert "rules.recency.days: not a rule; use one of within_days, not_within_days" in page.content.decode()
