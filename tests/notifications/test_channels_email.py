"""Email through Django's SMTP backend to a real SMTP server on 127.0.0.1, read back:
subject, text, Message-ID and the attachment's bytes (a purchase order's PDF made when
the mail is sent)."""

from __future__ import annotations

import base64
import email
import email.policy
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.notifications.channels import adapter_for
from sellerdesk.notifications.channels.email import message_id_for, register_attachment_maker
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.purchasing import actions as purchasing
from sellerdesk.purchasing.documents import purchase_order_pdf
from sellerdesk.purchasing.models import PurchaseOrder
from tests.factories import make_sku
from tests.notifications.smtp_server import LocalSmtp, local_smtp_server
from tests.purchasing.conftest import make_po


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def smtp(settings: Any) -> Iterator[LocalSmtp]:
    with local_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "杭州小店 <shop@sellerdesk.test>"
        yield server


@pytest.fixture
def purchase_order(db: Any) -> PurchaseOrder:
    supplier = purchasing.create_supplier(
        data=purchasing.SupplierData(code="hz-fushi", name="杭州服饰有限公司", email="sales@hz-fushi.example.cn"),
        actor=None,
    )
    make_sku("TEE-RED-M", name="纯棉T恤 红色", stock=0)
    return make_po(supplier, default_warehouse(), ("TEE-RED-M", 10, "25.00"))


def mail(recipient: str = "sales@hz-fushi.example.cn", **extra: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "channel": "email",
        "kind": "purchase_order",
        "recipient": recipient,
        "subject": "采购单 PO1 / Purchase order PO1",
        "text": "王经理您好：\n附件是采购单，请确认交期。",
        "idempotency_key": "po-sent:PO1:email",
        "created_at": timezone.now(),
    }
    fields.update(extra)
    return OutgoingMessage(pk=5, **fields)


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_a_mail_goes_through_smtp_and_reads_back(smtp: LocalSmtp) -> None:
    result = adapter_for("email").send(mail())

    assert result.ok, result.error
    [received] = smtp.received
    assert received.mail_from == "shop@sellerdesk.test"
    assert received.rcpt_tos == ["sales@hz-fushi.example.cn"]
    read = parse(received.data)
    assert read["Subject"] == "采购单 PO1 / Purchase order PO1"
    assert read["To"] == "sales@hz-fushi.example.cn"
    assert read["Message-ID"] == result.provider_message_id == message_id_for("po-sent:PO1:email")
    assert result.provider_message_id.endswith("@sellerdesk.test>")
    assert read.get_content().replace("\r\n", "\n").rstrip("\n") == "王经理您好：\n附件是采购单，请确认交期。"


def test_the_purchase_orders_pdf_is_made_when_sent_and_attached(smtp: LocalSmtp, purchase_order: PurchaseOrder) -> None:
    attachment = {
        "kind": "purchase_order",
        "document": purchase_order.number,
        "name": f"{purchase_order.number}.pdf",
        "content_type": "application/pdf",
    }

    result = adapter_for("email").send(mail(attachments=[attachment]))

    assert result.ok, result.error
    read = parse(smtp.received[0].data)
    [part] = list(read.iter_attachments())
    assert part.get_filename() == f"{purchase_order.number}.pdf"
    assert part.get_content_type() == "application/pdf"
    pdf = part.get_payload(decode=True)
    assert pdf.startswith(b"%PDF-")
    # The document as purchasing makes it (reportlab stamps the time: compare the size).
    assert abs(len(pdf) - len(purchase_order_pdf(purchase_order))) < 64


def test_a_registered_maker_and_inline_bytes(smtp: LocalSmtp) -> None:
    register_attachment_maker("test_report", lambda description: f"report {description['document']}".encode())
    attachments = [
        {"kind": "test_report", "document": "R7", "name": "r7.txt", "content_type": "text/plain"},
        {"name": "note.bin", "content_base64": base64.b64encode(b"\x00\x01binary").decode()},
    ]

    result = adapter_for("email").send(mail(attachments=attachments))

    assert result.ok, result.error
    parts = list(parse(smtp.received[0].data).iter_attachments())
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parts] == [
        ("r7.txt", b"report R7"),
        ("note.bin", b"\x00\x01binary"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attachment", "error"),
    [
        (
            {"kind": "purchase_order", "document": "PO-GONE", "name": "x.pdf"},
            "The document PO-GONE of attachment x.pdf no longer exists.",
        ),
        ({"kind": "mystery", "name": "x"}, "No maker for attachments of kind mystery."),
        ({"name": "x", "content_base64": "%%%"}, "The attachment x is not valid base64."),
    ],
)
def test_an_attachment_that_cannot_be_made_fails_for_good_and_sends_nothing(
    smtp: LocalSmtp, attachment: dict[str, Any], error: str
) -> None:
    result = adapter_for("email").send(mail(attachments=[attachment]))

    assert not result.ok and not result.retryable
    assert result.error == error
    assert smtp.received == []


def test_not_an_address_fails_for_good(smtp: LocalSmtp) -> None:
    result = adapter_for("email").send(mail("13800138000"))

    assert not result.ok and not result.retryable
    assert result.error == "13800138000 is not an email address."
    assert smtp.received == []


def test_a_server_that_cannot_be_reached_is_retried(settings: Any) -> None:
    with local_smtp_server() as server:
        port = server.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2

    result = adapter_for("email").send(mail())

    assert not result.ok and result.retryable
    assert result.error.startswith("The mail server did not take the mail: ")


@pytest.mark.skipif("EMAIL_BACKEND" in os.environ, reason="the environment names an email backend")
def test_by_default_mail_is_written_to_files_not_sent() -> None:
    from sellerdesk import settings as project_settings

    assert project_settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
    assert project_settings.EMAIL_FILE_PATH == project_settings.VAR_DIR / "mail"
