"""Channels in: the marketplace's signed push (deduped by its message id), email through
a real SMTP server (`mailin`'s handler on a loopback port, smtplib delivering), and the
outbox's chat channel posting into the buyer's conversation."""

from __future__ import annotations

import io
import json
import smtplib
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.notifications import outbox
from sellerdesk.notifications.channels.registry import adapter_for
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.service import adapters, conversations, forbidden, intents
from sellerdesk.service.inbound import email as email_in
from sellerdesk.service.inbound import marketplace
from sellerdesk.service.inbound.smtp import controller
from sellerdesk.service.models import Attachment, Conversation, Mailbox, Message
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
SECRET = "s3cret-marketplace"


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "SERVICE": {"MARKETPLACE_SECRET": SECRET, "MARKETPLACE_LOG": str(tmp_path / "marketplace.log")},
    }


def push_body(**fields: Any) -> bytes:
    payload = {
        "shop": "main",
        "message_id": "WW-1",
        "thread_id": "T-100",
        "buyer_nick": "xiaoli",
        "text": "亲，什么时候发货？",
        **fields,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def test_a_signed_push_opens_the_thread_and_a_retry_is_stored_once(default_shop: Shop) -> None:  # noqa: F811
    body = push_body()
    first = marketplace.receive_push(body=body, signature=adapters.sign(body, SECRET), at=T0)
    again = marketplace.receive_push(body=body, signature=adapters.sign(body, SECRET), at=T0)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.message.pk == first.message.pk
    conversation = first.message.conversation
    assert (conversation.channel, conversation.external_thread, conversation.contact) == (
        "marketplace",
        "T-100",
        "xiaoli",
    )
    second = push_body(message_id="WW-2", text="在吗")
    marketplace.receive_push(body=second, signature=adapters.sign(second, SECRET), at=T0)
    assert Conversation.objects.count() == 1
    assert list(Message.objects.values_list("external_id", flat=True)) == ["WW-1", "WW-2"]


def test_an_unsigned_or_bad_push_stores_nothing(default_shop: Shop) -> None:  # noqa: F811
    body = push_body()
    with pytest.raises(marketplace.InvalidSignature):
        marketplace.receive_push(body=body, signature="00" * 32)
    bad = push_body(text=7, message_id="")
    with pytest.raises(Exception) as caught:
        marketplace.receive_push(body=bad, signature=adapters.sign(bad, SECRET))
    assert set(caught.value.fields) == {"text", "message_id"}  # type: ignore[attr-defined]
    assert Message.objects.count() == 0 and Conversation.objects.count() == 0


def test_a_reply_on_the_marketplace_goes_back_through_the_outbox_and_the_adapter(
    default_shop: Shop,  # noqa: F811
    tmp_path: Path,
) -> None:
    body = push_body()
    received = marketplace.receive_push(body=body, signature=adapters.sign(body, SECRET), at=T0)
    agent = make_user("hua", "agent")
    reply = conversations.send_reply(conversation=received.message.conversation, actor=agent, body="今天发出", at=T0)

    row = OutgoingMessage.objects.get(pk=reply.outgoing_message_id)
    assert (row.channel, row.kind, row.recipient, row.customer_id) == ("im", "service_message", "T-100", None)
    assert not (tmp_path / "marketplace.log").exists()  # nothing leaves inside the transaction
    assert outbox.send_due(now=T0, worker="test") == 1

    lines = [json.loads(line) for line in (tmp_path / "marketplace.log").read_text().splitlines()]
    assert [(line["thread"], line["to"], line["text"], line["id"]) for line in lines] == [
        ("T-100", "xiaoli", "今天发出", f"SIMREPLY{reply.pk}")
    ]
    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == ("sent", f"marketplace:SIMREPLY{reply.pk}")


def test_an_unreachable_marketplace_is_tried_again_and_the_attempts_are_recorded(
    default_shop: Shop,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    body = push_body()
    received = marketplace.receive_push(body=body, signature=adapters.sign(body, SECRET), at=T0)
    reply = conversations.send_reply(
        conversation=received.message.conversation, actor=make_user("hua", "agent"), body="稍等", at=T0
    )

    def unreachable(self: adapters.SimulatedMarketplace, outbound: adapters.OutboundReply) -> str:
        raise ConnectionRefusedError("marketplace down")

    with monkeypatch.context() as patch:
        patch.setattr(adapters.SimulatedMarketplace, "send_reply", unreachable)
        assert outbox.send_due(now=T0, worker="test") == 1
    row = OutgoingMessage.objects.get(pk=reply.outgoing_message_id)
    assert (row.status, row.delivery_attempts.count()) == ("retrying", 1)
    assert "marketplace down" in row.delivery_attempts.get().error

    assert outbox.send_due(now=row.next_attempt_at, worker="test") == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.delivery_attempts.count() == 2
    assert "稍等" in (tmp_path / "marketplace.log").read_text()


def test_an_email_reply_is_an_outbox_message_to_the_sender(default_shop: Shop) -> None:  # noqa: F811
    conversation = conversations.open_conversation(
        shop=default_shop, channel="email", contact="buyer@example.com", subject="尺码问题", at=T0
    )
    reply = conversations.send_reply(conversation=conversation, actor=make_user("hua", "agent"), body="建议 M 码")
    sent = OutgoingMessage.objects.get(pk=reply.outgoing_message_id)
    assert (sent.channel, sent.kind, sent.recipient, sent.subject, sent.text, sent.status) == (
        "email",
        "service_message",
        "buyer@example.com",
        "Re: 尺码问题",
        "建议 M 码",
        "queued",
    )


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def smtp_server(transactional_db: Any) -> Iterator[Any]:
    server = controller(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_mail_delivered_through_smtp_opens_and_continues_a_conversation(smtp_server: Any) -> None:
    shop, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Mailbox.objects.create(shop=shop, address="kefu@shop.example")
    mail = EmailMessage()
    mail["From"] = "王小丽 <xiaoli@example.com>"
    mail["To"] = "kefu@shop.example"
    mail["Subject"] = "收到的裙子破了"
    mail["Message-ID"] = "<first@example.com>"
    mail.set_content("裙子收到有个洞，照片见附件。")
    mail.add_attachment(_png(), maintype="image", subtype="png", filename="hole.png")
    mail.add_attachment(b"%PDF-1.4 not an image", maintype="application", subtype="pdf", filename="x.pdf")

    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.send_message(mail)
        client.send_message(mail)  # the same mail again: stored once
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(mail, to_addrs=["nobody@shop.example"])

    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.contact, conversation.contact_name, conversation.subject) == (
        "email",
        "xiaoli@example.com",
        "王小丽",
        "收到的裙子破了",
    )
    message = Message.objects.get()
    assert message.external_id == "<first@example.com>"
    assert message.body.startswith("裙子收到有个洞，照片见附件。")
    assert Attachment.objects.filter(message=message, content_type="image/png").count() == 1

    answer = EmailMessage()
    answer["From"] = "xiaoli@example.com"
    answer["To"] = "kefu@shop.example"
    answer["Subject"] = "Re: 收到的裙子破了"
    answer["Message-ID"] = "<second@example.com>"
    answer["In-Reply-To"] = "<first@example.com>"
    answer.set_content("<p>还有一件也破了</p>", subtype="html")
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.send_message(answer)
    assert Conversation.objects.count() == 1
    assert list(Message.objects.order_by("pk").values_list("body", flat=True))[1] == "还有一件也破了"


def test_a_chat_notification_is_posted_into_the_buyers_conversation(default_shop: Shop) -> None:  # noqa: F811
    make_sku("TEE", price="59.00")
    order = place(("TEE", 1))
    row = outbox.enqueue(
        kind="paid",
        channel="im",
        recipient=order.buyer_nickname or "buyer",
        key="t:paid",
        at=T0,
        text="已付款",
        order=order,
    )
    assert row is not None
    result = adapter_for("im").send(row)
    assert result.ok
    message = Message.objects.get(outgoing_message_id=row.pk)
    assert result.provider_message_id == f"service:{message.pk}"
    assert (message.kind, message.body, message.conversation.customer_id) == ("system", "已付款", order.customer_id)
    assert message.conversation.status == "resolved"  # a notice opens nothing in an inbox
    again = adapter_for("im").send(row)
    assert again.provider_message_id == result.provider_message_id
    assert email_in.mailbox_for([]) is None


MAIL_PARTS = st.sampled_from(
    [
        b"From: a@example.com\r\n",
        b"From: =?utf-8?b?5L2g5aW9?= <b@example.com>\r\n",
        b"From: <>\r\n",
        b"Message-ID: <x@y>\r\n",
        b"In-Reply-To: <<<>>>\r\n",
        b"Subject: =?gbk?b?////?=\r\n",
        b"Content-Type: multipart/mixed; boundary=zz\r\n",
        b"Content-Type: text/html; charset=unknown-8bit\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"\r\n",
        b"--zz\r\n",
        b"--zz--\r\n",
        b"hello \xff\xfe\x00 world\r\n",
        b"<p>hi</p>\r\n",
        b"Content-Disposition: attachment; filename=a.png\r\n",
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(MAIL_PARTS | st.binary(max_size=40), max_size=14))
def test_any_bytes_as_a_mail_are_stored_or_refused_cleanly(db: Any, parts: list[bytes]) -> None:
    shop, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    Mailbox.objects.get_or_create(shop=shop, address="kefu@shop.example")
    with transaction.atomic():
        try:
            received = email_in.receive_email(raw=b"".join(parts), recipients=["kefu@shop.example"])
        except ValidationFailed:
            received = None
        if received is not None:
            assert received.message.kind == "buyer"
        transaction.set_rollback(True)


def test_an_answer_to_our_email_reply_continues_its_conversation(default_shop: Shop) -> None:  # noqa: F811
    Mailbox.objects.create(shop=default_shop, address="kefu@shop.example")
    conversation = conversations.open_conversation(
        shop=default_shop, channel="email", contact="buyer@example.com", subject="发票", at=T0
    )
    agent = make_user("hua", "agent")
    reply = conversations.send_reply(conversation=conversation, actor=agent, body="发票已开好")
    OutgoingMessage.objects.filter(pk=reply.outgoing_message_id).update(provider_message_id="<ours@shop.example>")
    conversations.resolve(conversation=conversation, actor=agent)
    answer = (
        b"From: buyer@example.com\r\nTo: kefu@shop.example\r\nSubject: Re: \xe5\x8f\x91\xe7\xa5\xa8\r\n"
        b"Message-ID: <theirs@example.com>\r\nIn-Reply-To: <ours@shop.example>\r\n\r\nthanks\r\n"
    )
    received = email_in.receive_email(raw=answer, recipients=["kefu@shop.example"])
    assert received is not None and received.message.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert email_in.receive_email(raw=answer, recipients=["other@shop.example"]) is None


def test_the_buyer_answering_a_chat_notice_opens_its_conversation(default_shop: Shop) -> None:  # noqa: F811
    make_sku("TEE", price="59.00")
    order = place(("TEE", 1))
    conversation = conversations.conversation_for_notice(customer=order.customer, order=order, at=T0)
    conversations.post_system_message(conversation=conversation, body="您的订单已发货", at=T0)
    conversations.receive_buyer_message(conversation=conversation, body="好的，谢谢", at=T0)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.unread_agent, conversation.unread_buyer) == ("open", 1, 1)
    assert conversations.conversation_for_buyer(customer=order.customer).pk == conversation.pk
