"""The care screens: quick replies (list, edit with errors per field, import with every
bad row listed, export), handovers (write, acknowledge, the supervisor's list),
follow-ups, the complaint checklist and the archive downloads."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from sellerdesk.service import conversations, followups, forbidden, intents, quickreplies
from sellerdesk.service.models import ComplaintProcedure, Conversation, FollowUpTask, Handover, QuickReply
from sellerdesk.shops.models import default_shop
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def hua(db: Any) -> Any:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def boss(db: Any) -> Any:
    return make_user("boss", "supervisor", "主管")


def test_quick_replies_list_edit_and_errors(hua: Any) -> None:
    client = signed_in(hua)
    assert client.get("/service/care/replies/").status_code == 200
    bad = client.post("/service/care/replies/new/", {"title": "坏", "body": "{coupon}", "scope": "personal"})
    assert bad.status_code == 422
    assert b"{coupon}" in bad.content and b'aria-invalid="true"' in bad.content
    good = client.post("/service/care/replies/new/", {"title": "好", "body": "您好{buyer_name}", "shortcut": "hi"})
    assert good.status_code == 302
    reply = QuickReply.objects.get()
    assert (reply.owner, reply.shortcut) == (hua, "hi")
    listed = client.get("/service/care/replies/?q=您好")
    assert "您好{buyer_name}" in listed.content.decode()
    assert client.post(f"/service/care/replies/{reply.pk}/", {"title": "改", "body": "改了"}).status_code == 302
    assert QuickReply.objects.get().body == "改了"
    assert client.post(f"/service/care/replies/{reply.pk}/delete/").status_code == 302
    assert not QuickReply.objects.exists()


def test_import_shows_every_bad_row_and_export_opens(boss: Any) -> None:
    client = signed_in(boss)
    quickreplies.seed_quick_replies()
    exported = client.get("/service/care/replies/export/")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    assert book.active.max_row == QuickReply.objects.count() + 1

    content = "title,text\n,无标题\n好,{bad}\n".encode()
    page = client.post("/service/care/replies/import/", {"file": SimpleUploadedFile("r.csv", content)}, follow=True)
    text = page.content.decode()
    assert 'data-testid="import-errors"' in text
    assert "rows[2].title" in text and "rows[3].text" in text
    again = client.post(
        "/service/care/replies/import/", {"file": SimpleUploadedFile("r.xlsx", exported.content)}, follow=True
    )
    assert "0 new, 0 changed" in again.content.decode()


def test_handover_written_acknowledged_and_the_supervisors_list(hua: Any, boss: Any) -> None:
    mei = make_user("mei", "agent", "小美")
    chat = conversations.open_conversation(shop=default_shop(), channel="web", contact_name="王小丽", at=T0)
    Conversation.objects.filter(pk=chat.pk).update(assignee=hua)
    client = signed_in(hua)
    page = client.get("/service/care/handovers/")
    assert "王小丽" in page.content.decode()
    written = client.post(
        "/service/care/handovers/",
        {
            "to_agent": str(mei.pk),
            "notes": "退款等财务",
            f"include_{chat.pk}": "on",
            f"promise_{chat.pk}": "20:00 前回复",
            f"due_{chat.pk}": "2026-03-10T20:00",
        },
    )
    assert written.status_code == 302
    row = Handover.objects.get()
    item = row.items.get()
    assert (item.conversation_id, item.promise, item.due_at) == (
        chat.pk,
        "20:00 前回复",
        datetime(2026, 3, 10, 20, 0, tzinfo=SHANGHAI),
    )
    assert signed_in(hua).get("/service/care/handovers/unacknowledged/").status_code == 403
    listed = signed_in(boss).get("/service/care/handovers/unacknowledged/")
    assert "退款等财务" in listed.content.decode()
    assert signed_in(mei).post(f"/service/care/handovers/{row.pk}/acknowledge/").status_code == 302
    row.refresh_from_db()
    assert row.acknowledged_by == mei
    assert "退款等财务" not in signed_in(boss).get("/service/care/handovers/unacknowledged/").content.decode()


def test_follow_ups_and_the_complaint_checklist(hua: Any) -> None:
    chat = conversations.open_conversation(shop=default_shop(), channel="web", contact_name="王小丽", at=T0)
    client = signed_in(hua)
    assert client.get(f"/service/care/complaint/{chat.pk}/").status_code == 404
    conversations.mark_complaint(conversation=chat, actor=hua)
    for step in ("calm", "listen", "empathise", "apologise", "solve"):
        assert client.post(f"/service/care/complaint/{chat.pk}/", {"step": step, "note": "好"}).status_code == 302
    page = client.get(f"/service/care/complaint/{chat.pk}/")
    assert "Follow-up due" in page.content.decode()
    assert ComplaintProcedure.objects.get().completed_at is not None

    task = FollowUpTask.objects.get()
    listing = client.get("/service/care/follow-ups/")
    assert 'data-testid="follow-up"' in listing.content.decode()
    assert client.post(f"/service/care/follow-ups/{task.pk}/done/", {"outcome": "满意"}).status_code == 302
    assert list(followups.follow_ups(actor=hua)) == []


def test_a_ticked_complaint_step_shows_its_time_as_a_local_date_and_time(hua: Any) -> None:
    """Issue 17 D (walkthrough): a ticked step read "2026-03-1002:14" — the stored UTC ISO
    time cut at 16 characters with its "T" dropped; it shows as a local date and time."""
    from sellerdesk.service import complaints

    chat = conversations.open_conversation(shop=default_shop(), channel="web", contact_name="王小丽", at=T0)
    conversations.mark_complaint(conversation=chat, actor=hua)
    complaints.tick_step(
        conversation=chat,
        step="calm",
        actor=hua,
        note="先安抚",
        at=datetime(2026, 3, 10, 2, 14, tzinfo=ZoneInfo("UTC")),
    )

    page = signed_in(hua).get(f"/service/care/complaint/{chat.pk}/").content.decode()
    assert "2026-03-10 10:14 · 先安抚" in page
    assert "2026-03-1002:14" not in page


def test_archive_downloads(hua: Any, boss: Any) -> None:
    chat = conversations.open_conversation(shop=default_shop(), channel="web", contact_name="王小丽", at=T0)
    conversations.receive_buyer_message(conversation=chat, body="在吗", at=T0)
    client = signed_in(hua)
    assert client.get("/service/care/archive/").status_code == 200
    text = client.get("/service/care/archive/?format=text&start=2026-03-10&end=2026-03-10")
    assert "在吗" in text.content.decode()
    assert client.get("/service/care/archive/?format=text&start=2026-03-11&end=2026-03-10").status_code == 422
    pdf = client.get("/service/care/archive/?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    exported = client.get("/service/care/archive/?format=json")
    merged = signed_in(boss).post(
        "/service/care/archive/", {"file": SimpleUploadedFile("a.json", exported.content)}, follow=True
    )
    assert "1 already there" in merged.content.decode()
