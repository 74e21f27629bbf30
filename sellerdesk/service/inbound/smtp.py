"""The SMTP side of email in: an aiosmtpd handler that accepts mail only for the inbound
mailboxes (service.models.Mailbox; any other recipient is refused at RCPT, 550) and
stores each mail through service.inbound.email. Used by `sellerdesk mailin` and by the
tests, which start it on a free loopback port.

Replies: 250 stored (or already stored: the same Message-ID), 550 for a mail that can
never be stored (no sender, nothing in it), 451 when the database could not take it now
(the sending server tries again later)."""

from __future__ import annotations

import logging
import socket
from typing import Any

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections

from sellerdesk.core.errors import DomainError
from sellerdesk.service.inbound import email as email_in

logger = logging.getLogger(__name__)


def _accepts(address: str) -> bool:
    close_old_connections()
    try:
        return email_in.is_inbound_address(address)
    finally:
        close_old_connections()


def _store(raw: bytes, recipients: list[str]) -> str:
    close_old_connections()
    try:
        received = email_in.receive_email(raw=raw, recipients=recipients)
    except DomainError as error:
        return f"550 5.6.0 {error.message}"[:500]
    except DatabaseError:
        logger.exception("inbound mail not stored")
        return "451 4.3.0 Please try again later"
    finally:
        close_old_connections()
    if received is None:
        return "550 5.1.1 No such mailbox here"
    return "250 2.0.0 Stored" if not received.duplicate else "250 2.0.0 Already stored"


class MailinHandler:
    """aiosmtpd handler: RCPT checks the mailbox, DATA stores the mail."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if not await sync_to_async(_accepts, thread_sensitive=False)(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="replace")
        return await sync_to_async(_store, thread_sensitive=False)(raw, list(envelope.rcpt_tos))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def controller(*, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """An SMTP server (not started) for the inbound mailboxes on `host`:`port` (0: a free port)."""
    return Controller(
        MailinHandler(),
        hostname=host,
        port=port or free_port(host),
        data_size_limit=email_in.MAX_MAIL_BYTES,
        ready_timeout=10,
    )
