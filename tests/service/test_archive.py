"""The chat archive: JSON, text and PDF transcripts per buyer and per date range; an
archive imported back merges without duplicates (twice: nothing more); retention purge."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.service import archive, conversations, forbidden, intents
from sellerdesk.service.models import Conversation, ConversationEvent, Message, PhoneCall
from sellerdesk.shops.models import default_shop
from tests.factories import make_sku, make_user, place
from tests.support.pdf_text import assert_labels, rendered_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


@pytest.fixture
def hua(db: Any) -> Any:
    return make_user("hua", "agent", "阿华")


@pytest.fixture
def boss(db: Any) -> Any:
    return make_user("boss", "supervisor", "主管")


@pytest.fixture
def chats(hua: Any) -> dict[str, Any]:
    """A buyer's web chat (a question, a reply, a note), a marketplace thread, a phone call."""
    order = place((make_sku("DRESS", name="吊带裙").code, 1))
    web = conversations.open_conversation(shop=default_shop(), channel="web", order=order, at=T0)
    conversations.receive_buyer_message(conversation=web, body="在吗？我的裙子什么时候发货", at=T0)
    conversations.send_reply(conversation=web, actor=hua, body="亲，今天下午就发出哦", at=T0 + timedelta(minutes=1))
    conversations.add_note(conversation=web, actor=hua, body="买家很着急", at=T0 + timedelta(minutes=2))
    market = conversations.open_conversation(
        shop=default_shop(), channel="marketplace", contact="tb_buyer", external_thread="S-1", at=T0 + timedelta(days=3)
    )
    conversations.receive_buyer_message(
        conversation=market, body="可以便宜点吗", external_id="tb-9001", at=T0 + timedelta(days=3)
    )
    call = conversations.log_call(
        shop=default_shop(),
        actor=hua,
        number="13800138000",
        duration_seconds=200,
        summary="买家来电问退货地址",
        at=T0 + timedelta(days=5),
    )
    return {"order": order, "web": web, "market": market, "phone": call.conversation}


def test_json_export_per_buyer_and_range(chats: dict[str, Any]) -> None:
    everything = json.loads(archive.export_json())
    assert everything["format"] == "sellerdesk.chat-archive"
    assert len(everything["conversations"]) == 3

    mine = json.loads(archive.export_json(customer=chats["order"].customer))
    assert [item["channel"] for item in mine["conversations"]] == ["web"]
    bodies = [message["body"] for message in mine["conversations"][0]["messages"]]
    assert bodies == ["在吗？我的裙子什么时候发货", "亲，今天下午就发出哦", "买家很着急"]
    assert mine["conversations"][0]["messages"][1]["author"] == "hua"

    middle = json.loads(archive.export_json(start=T0 + timedelta(days=1), end=T0 + timedelta(days=4)))
    assert [item["external_thread"] for item in middle["conversations"]] == ["S-1"]
    assert middle["conversations"][0]["messages"][0]["key"] == "tb-9001"


def test_text_transcript_reads_in_the_readers_language(chats: dict[str, Any]) -> None:
    with translation.override("en"):
        text = archive.export_text(customer=chats["order"].customer)
    assert text.startswith("Chat transcript\n")
    assert "[2026-03-10 10:00:00] Buyer" in text
    assert "[2026-03-10 10:01:00] Agent 阿华: 亲，今天下午就发出哦" in text
    assert "Private note by 阿华: 买家很着急" in text
    with translation.override("en"):
        phone = archive.export_text(conversation_ids=[chats["phone"].pk])
    assert "Phone call from 13800138000, 3 min 20 s, 阿华: 买家来电问退货地址" in phone


def test_pdf_transcript_opens_with_pdftotext(chats: dict[str, Any], tmp_path: Path) -> None:
    with translation.override("zh-hans"):
        data = archive.export_pdf(customer=chats["order"].customer)
    assert data.startswith(b"%PDF")
    path = tmp_path / "chat.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    words = text.decode("utf-8").replace(" ", "")
    assert "在吗？我的裙子什么时候发货" in words
    assert "亲，今天下午就发出哦" in words
    assert chats["order"].number in words


@pytest.mark.parametrize(
    ("language", "labels"),
    [("zh-hans", ["聊天记录", "买家", "客服", "第1页"]), ("en", ["Chat transcript", "Buyer", "Agent", "Page 1"])],
)
def test_the_pdf_transcript_reads_its_labels_in_both_languages(
    chats: dict[str, Any], tmp_path: Path, language: str, labels: list[str]
) -> None:
    """Issue 17 C: every PDF in both languages — the chat transcript's labels."""
    text = rendered_in(language, lambda: archive.export_pdf(customer=chats["order"].customer), tmp_path)
    assert_labels(text, labels)


def test_reimporting_an_export_adds_nothing_twice(chats: dict[str, Any], boss: Any) -> None:
    data = archive.export_json()
    before = Message.objects.count()

    for _attempt in range(2):
        result = archive.import_archive(data=data, actor=boss)
        assert result == archive.ImportResult(
            conversations_created=0, conversations_merged=3, messages_created=0, messages_skipped=before
        )
    assert Message.objects.count() == before
    assert Conversation.objects.count() == 3


def test_an_archive_from_another_desk_merges_its_missing_messages(chats: dict[str, Any], boss: Any) -> None:
    data = archive.export_json()
    # The colleague's desk has lost the web chat's reply and note, and the phone call.
    web = chats["web"]
    Message.objects.filter(conversation=web).exclude(kind="buyer").delete()
    chats["phone"].delete()

    result = archive.import_archive(data=data, actor=boss)

    assert result.conversations_created == 1  # the phone conversation, as history
    assert result.messages_created == 3
    assert list(Message.objects.filter(conversation=web).values_list("body", flat=True)) == [
        "在吗？我的裙子什么时候发货",
        "亲，今天下午就发出哦",
        "买家很着急",
    ]
    restored = Conversation.objects.get(channel="phone")
    assert restored.status == "resolved"
    assert PhoneCall.objects.get(message__conversation=restored).duration_seconds == 200
    again = archive.import_archive(data=archive.export_json(), actor=boss)
    assert (again.conversations_created, again.messages_created) == (0, 0)
    again = archive.import_archive(data=data, actor=boss)
    assert (again.conversations_created, again.messages_created) == (0, 0)


def test_a_bad_archive_is_refused_whole_by_path(chats: dict[str, Any], boss: Any) -> None:
    document = json.loads(archive.export_json())
    document["conversations"][0]["messages"][1]["created_at"] = "yesterday"
    document["conversations"][1]["shop"] = "nowhere"
    document["conversations"][2]["messages"][0]["kind"] = "shout"
    document["conversations"].append({"shop": "main", "channel": "fax", "created_at": "2026-03-10T10:00:00+08:00"})
    before = Message.objects.count()

    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        archive.import_archive(data=json.dumps(document).encode(), actor=boss)

    assert set(caught.value.fields) == {
        "conversations[0].messages[1].created_at",
        "conversations[1].shop",
        "conversations[2].messages[0].kind",
        "conversations[3].channel",
        "conversations[3].messages",
    }
    assert Message.objects.count() == before
    with pytest.raises(ValidationFailed) as not_json:
        archive.import_archive(data=b"{not json", actor=boss)
    assert set(not_json.value.fields) == {"file"}


def test_only_a_supervisor_imports(chats: dict[str, Any], hua: Any) -> None:
    with pytest.raises(PermissionDenied):
        archive.import_archive(data=archive.export_json(), actor=hua)


def test_retention_purges_old_resolved_conversations(chats: dict[str, Any], hua: Any, settings: Any) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "SERVICE": {**settings.SELLERDESK.get("SERVICE", {}), "RETENTION_DAYS": 30},
    }
    conversations.resolve(conversation=chats["web"], actor=hua, at=T0 + timedelta(hours=1))
    now = T0 + timedelta(days=31)

    assert archive.purge(now=now) == 1  # the web chat: resolved, its last message 31 days old
    assert not Conversation.objects.filter(pk=chats["web"].pk).exists()
    assert not ConversationEvent.objects.filter(conversation_id=chats["web"].pk).exists()
    assert Conversation.objects.filter(pk=chats["market"].pk).exists()  # still open
    assert archive.purge(now=now) == 0
