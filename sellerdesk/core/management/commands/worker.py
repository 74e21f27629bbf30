from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from sellerdesk.core import leases, startup
from sellerdesk.core.periodic import jobs
from sellerdesk.core.scheduler import enqueue_due_jobs

logger = logging.getLogger(__name__)


class LeasedWorker(Worker):
    """django-tasks-db's worker, holding a lease on each task while it runs it, so a task
    whose worker is killed mid-run is noticed and run again (core.leases)."""

    holding_lease = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.holding_lease = True
        try:
            with leases.held(task_id=db_task_result.pk, worker_id=self.worker_id):
                super().run_task(db_task_result)
        finally:
            self.holding_lease = False

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        # The base worker exits at once on a stop signal when no task is running — and it
        # counts a task as ended before the lease is given back. A first signal while the
        # lease is held stops the worker after it is given back (a second one still exits
        # at once), so a worker stopped as a task ends does not leave its lease behind.
        if self.running and self.holding_lease:
            logger.info("Received %s - stopping once the current task's lease is given back.", signal.strsignal(signum))
            self.running = False
            return
        super().shutdown(signum, frame)


class Command(BaseCommand):
    help = "Run background work: enqueue periodic jobs when due and run queued tasks. Start as many as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between queue polls")

    def handle(self, *args: Any, **options: Any) -> None:
        # The worker signs and checks what the web processes do (gateways, carriers): a
        # production worker refuses the same secrets they do (issue 17 A1).
        try:
            startup.check_production_start()
        except startup.UnsafeProductionStart as refusal:
            raise CommandError(str(refusal)) from None
        stop = threading.Event()
        # Look as often as the most frequent job is due (sending messages: every few seconds).
        period = min([settings.SELLERDESK["SWEEP_INTERVAL_SECONDS"], *(job.every.total_seconds() for job in jobs())])

        def schedule() -> None:
            while not stop.is_set():
                try:
                    enqueue_due_jobs(timezone.now())
                except Exception:  # keep scheduling; the error is logged
                    logger.exception("scheduler failed")
                finally:
                    close_old_connections()
                    connection.close()
                stop.wait(min(period, 30))

        threading.Thread(target=schedule, name="scheduler", daemon=True).start()
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        self.stdout.write(f"worker {worker_id} running (Ctrl+C to stop)")
        try:
            LeasedWorker(
                queue_names=["default"],
                interval=options["interval"],
                batch=False,
                backend_name="default",
                startup_delay=True,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
        finally:
            stop.set()
