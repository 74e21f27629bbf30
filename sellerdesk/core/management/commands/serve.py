from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellerdesk.core import startup


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
        # Refused before anything starts, with one message and a non-zero exit (issue 17 A1).
        try:
            startup.check_production_start()
        except startup.UnsafeProductionStart as refusal:
            raise CommandError(str(refusal)) from None
        problems = startup.database_problems()
        if problems:
            raise CommandError("sellerdesk: cannot serve: " + "; ".join(problems))
        if not startup.is_production():
            self.stdout.write(startup.development_notice())
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

        stopping = False

        def stop_on_signal(*_: Any) -> None:
            nonlocal stopping
            stopping = True
            stop()

        signal.signal(signal.SIGTERM, stop_on_signal)
        # The demo's logins are printed by `sellerdesk demo` when it loads them, not here.
        self.stdout.write(f"sellerdesk is serving at {url}/  (API docs: {url}/api/docs, admin: {url}/admin/)")
        named = {"web server": web, "worker": worker}
        ended: list[str] = []
        try:
            while not ended:
                time.sleep(0.5)
                ended = [name for name, child in named.items() if child.poll() is not None]
        except KeyboardInterrupt:
            stopping = True
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        # A process that ended on its own (the web server could not boot, the worker
        # crashed) means this serve failed: say which, and exit non-zero.
        if not stopping:
            codes = ", ".join(f"the {name} with status {named[name].returncode}" for name in ended)
            raise CommandError(f"sellerdesk: stopped because {codes} ended.")
