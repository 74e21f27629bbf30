"""Leases of running background tasks: a task killed mid-run does not stay RUNNING.

django-tasks' database backend marks a task RUNNING when a worker claims it; if that
worker dies (killed, out of memory, a deploy, a lost machine) nothing ever finishes the
row. So the worker running a task holds a lease on it (`held`): taken when the task
starts, renewed every third of TASK lease seconds while it runs, given back when it
ends. `recover_expired_tasks` (the periodic job "task_leases", core.tasks) finds the
tasks whose lease expired — or that were claimed and never leased — and puts each back
on the queue, up to MAX_ATTEMPTS runs in all, or marks it FAILED with a traceback that
says why, where failed tasks are shown (the admin's task results), and logs it.

A task may therefore run again after its worker vanished: tasks are written to be safe
to run twice (periodic jobs claim each item with a row lock and re-check it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sellerdesk.core.models import TaskLease

logger = logging.getLogger(__name__)


class LeaseExpired(Exception):
    """Recorded as the exception of a task failed because its worker stopped renewing it."""


def lease_seconds() -> float:
    return float(settings.SELLERDESK["TASKS"]["LEASE_SECONDS"])


def max_attempts() -> int:
    return int(settings.SELLERDESK["TASKS"]["MAX_ATTEMPTS"])


def take_lease(*, task_id: UUID, worker_id: str, now: datetime) -> TaskLease:
    """Lease the task to `worker_id` for the lease time from `now`; a task leased before
    (run again after its worker vanished) counts one attempt more."""
    expires_at = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        lease = TaskLease.objects.select_for_update().filter(task_id=task_id).first()
        if lease is None:
            return TaskLease.objects.create(task_id=task_id, worker_id=worker_id, expires_at=expires_at, attempts=1)
        lease.worker_id, lease.expires_at, lease.attempts = worker_id, expires_at, lease.attempts + 1
        lease.save(update_fields=["worker_id", "expires_at", "attempts"])
        return lease


def renew_lease(*, task_id: UUID, worker_id: str, now: datetime) -> bool:
    """Extend the lease of `worker_id` on the task; False when it is no longer theirs."""
    expires_at = now + timedelta(seconds=lease_seconds())
    return bool(TaskLease.objects.filter(task_id=task_id, worker_id=worker_id).update(expires_at=expires_at))


def release_lease(*, task_id: UUID, worker_id: str) -> None:
    """The task ended (done or failed): its lease goes, unless another worker holds it."""
    TaskLease.objects.filter(task_id=task_id, worker_id=worker_id).delete()


@contextmanager
def held(*, task_id: UUID, worker_id: str) -> Iterator[TaskLease]:
    """Hold the task's lease while the block runs: a thread renews it every third of the
    lease time, so only a worker that stops altogether lets it expire."""
    lease = take_lease(task_id=task_id, worker_id=worker_id, now=timezone.now())
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease_seconds() / 3):
                try:
                    if not renew_lease(task_id=task_id, worker_id=worker_id, now=timezone.now()):
                        logger.warning("task %s: the lease of worker %s was taken over", task_id, worker_id)
                        return
                except Exception:  # a database hiccup: try again at the next renewal
                    logger.exception("task %s: could not renew the lease", task_id)
        finally:
            connection.close()  # this thread's own connection

    renewer = threading.Thread(target=renew, name=f"lease-{task_id}", daemon=True)
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        release_lease(task_id=task_id, worker_id=worker_id)


def recover_expired_tasks(*, now: datetime, batch: int = 200) -> int:
    """Put back on the queue, or fail, each RUNNING task whose worker is gone: its lease
    expired, or it was claimed more than a lease time ago and never leased (its worker
    died between the two). A task that has begun MAX_ATTEMPTS runs is failed with
    LeaseExpired. Returns how many tasks were recovered either way."""
    unleased_before = now - timedelta(seconds=lease_seconds())
    expired = Q(lease__expires_at__lt=now) | Q(lease__isnull=True, started_at__lt=unleased_before)
    candidates = list(
        DBTaskResult.objects.filter(expired, status=TaskResultStatus.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(_recover(task_id, now=now, unleased_before=unleased_before) for task_id in candidates)


def _recover(task_id: UUID, *, now: datetime, unleased_before: datetime) -> bool:
    with transaction.atomic():
        # Locked and re-checked: a worker finishing it, or another sweep, may have been first.
        task = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(pk=task_id, status=TaskResultStatus.RUNNING)
            .first()
        )
        if task is None:
            return False
        lease = TaskLease.objects.select_for_update().filter(task_id=task_id).first()
        if lease is not None and lease.expires_at >= now:
            return False  # renewed meanwhile: its worker is alive
        if lease is None and (task.started_at is None or task.started_at >= unleased_before):
            return False
        attempts = lease.attempts if lease is not None else 1
        worker = lease.worker_id if lease is not None else (task.worker_ids or ["?"])[-1]
        if attempts < max_attempts():
            task.status = TaskResultStatus.READY
            task.save(update_fields=["status"])
            logger.warning(
                "task %s (%s): worker %s stopped during run %d of %d; queued again",
                task.pk,
                task.task_path,
                worker,
                attempts,
                max_attempts(),
            )
            return True
        expired_at = lease.expires_at.isoformat() if lease is not None else "-"
        reason = (
            f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}: the worker running this task "
            f"({worker}) stopped before the task ended, on run {attempts} of {max_attempts()} "
            f"(lease expired at {expired_at}); not run again."
        )
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
            traceback=reason,
        )
        TaskLease.objects.filter(task_id=task_id).delete()
        logger.error("task %s (%s) failed: %s", task.pk, task.task_path, reason)
        return True
