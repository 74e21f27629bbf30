from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellerdesk.service.inbound.smtp import controller


class Command(BaseCommand):
    help = (
        "Receive email for the shops' inbound addresses (service desk mailboxes): an SMTP server, "
        "on the loopback interface unless told otherwise; put it behind the machine's mail server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=2525, help="port to listen on (0: a free one)")

    def handle(self, *args: Any, **options: Any) -> None:
        port = int(options["port"])
        if not 0 <= port <= 65535:
            raise CommandError("--port must be between 0 and 65535")
        server = controller(host=options["host"], port=port)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        server.start()
        self.stdout.write(f"mailin listening on {server.hostname}:{server.port} (Ctrl+C to stop)", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()
