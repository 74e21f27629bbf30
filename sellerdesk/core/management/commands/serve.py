from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sellerdesk.core.demo_credentials import read_credentials


def web_command(*, host: str, port: int, workers: int) -> list[str]:
    """The web server: gunicorn managing uvicorn workers, each serving the ASGI application
    (pages, API and the service desk's websockets; sellerdesk/asgi.py)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "sellerdesk.asgi:application",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # Open websockets are closed (the clients reconnect) rather than waited for.
        "--graceful-timeout",
        "5",
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
    ]


def default_web_workers() -> int:
    # The in-memory channel layer delivers within one process: without Redis, one web
    # process, so that a reply sent through any request reaches every open socket.
    return 2 if settings.REDIS_URL else 1


class Command(BaseCommand):
    help = "Serve UI + API + websockets (gunicorn with uvicorn workers) and the background worker, until Ctrl+C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--web-workers",
            type=int,
            default=None,
            help="web processes (default: 1 without REDIS_URL, 2 with it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = f"http://{options['host']}:{options['port']}"
        python = sys.executable
        workers = options["web_workers"] or default_web_workers()
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write(
                "warning: several web processes without REDIS_URL: a chat event reaches only the "
                "sockets of the process that sent it (the others see it when they reconnect)."
            )
        web = subprocess.Popen(web_command(host=options["host"], port=options["port"], workers=workers))
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
