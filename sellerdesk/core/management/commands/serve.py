from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sellerdesk.core.demo_credentials import read_credentials


class Command(BaseCommand):
    help = "Serve UI + API (gunicorn) and the background worker, until Ctrl+C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        url = f"http://{options['host']}:{options['port']}"
        python = sys.executable
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "sellerdesk.wsgi:application",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ]
        )
        worker = subprocess.Popen([python, "-m", "sellerdesk.cli", "worker"])
        children = [web, worker]

        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"sellerdesk is serving at {url}/  (API docs: {url}/api/docs, admin: {url}/admin/)")
        for username, password in read_credentials():
            self.stdout.write(f"  log in as {username} / {password}")
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
