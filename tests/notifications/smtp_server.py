"""A real SMTP server on 127.0.0.1 for tests, in a thread: aiosmtpd's (a dev dependency),
or, where aiosmtpd is not installed yet, Python 3.11's own smtpd module (removed in 3.12,
which sellerdesk does not run on). Either way the mail goes over TCP through Django's
SMTP backend and is read back as it arrived."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class LocalSmtp:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_smtp_server() -> Iterator[LocalSmtp]:
    server = LocalSmtp(host="127.0.0.1", port=_free_port())
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        with _stdlib_server(server):
            yield server
        return

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@contextmanager
def _stdlib_server(server: LocalSmtp) -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import asyncore
        import smtpd

    class Server(smtpd.SMTPServer):
        def process_message(self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: Any) -> None:
            server.received.append(Received(mailfrom, list(rcpttos), data))

    sockets: dict[int, Any] = {}
    smtp = Server((server.host, server.port), None, map=sockets, decode_data=False)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            asyncore.loop(timeout=0.05, count=1, map=sockets)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        smtp.close()
        for channel in list(sockets.values()):
            channel.close()
