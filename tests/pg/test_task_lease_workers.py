"""Issue 17 B: a background task whose worker is killed mid-run (SIGKILL, by the pid this
test started) does not stay RUNNING: its lease is no longer renewed, the sweep puts it
back on the queue, and another `sellerdesk worker` runs it to the end."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sellerdesk.core import leases
from sellerdesk.core.models import TaskLease
from tests.pg.test_concurrency import url_of_the_test_database
from tests.support.clock import clocked_environment
from tests.support.slow_task import sleep_for
from tests.support.workers import start_worker

LEASE_SECONDS = 2
WAIT_SECONDS = 60.0


def _wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_was_killed_is_run_again_by_another_worker(shop: Any, settings: Any) -> None:
    """Issue 17 B: killed mid-run → lease expires → queued again → done by another worker."""
    settings.SELLERDESK = {**settings.SELLERDESK, "TASKS": {"LEASE_SECONDS": LEASE_SECONDS, "MAX_ATTEMPTS": 3}}
    environment = clocked_environment(
        {
            **os.environ,
            "DATABASE_URL": url_of_the_test_database(),
            "TASK_LEASE_SECONDS": str(LEASE_SECONDS),
            # The scheduler's own periodic jobs stay out of the way of this one task.
            "SWEEP_INTERVAL_SECONDS": "3600",
        }
    )
    result = sleep_for.enqueue(30)
    first = start_worker(environment)
    second = None
    try:
        _wait_for(lambda: TaskLease.objects.filter(task_id=result.id).exists(), "the first worker to lease the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=WAIT_SECONDS)
        assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"  # what stayed forever before

        _wait_for(
            lambda: TaskLease.objects.filter(task_id=result.id, expires_at__lt=timezone.now()).exists(),
            "the lease to expire",
        )
        assert leases.recover_expired_tasks(now=timezone.now()) == 1
        assert DBTaskResult.objects.get(pk=result.id).status == "READY"

        # A short run this time: the second worker finishes what the first began.
        DBTaskResult.objects.filter(pk=result.id).update(args_kwargs={"args": [0.5], "kwargs": {}})
        second = start_worker(environment)
        _wait_for(lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL", "the second run to end")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.communicate()

    done = DBTaskResult.objects.get(pk=result.id)
    assert done.return_value == "slept 0.5"
    assert len(done.worker_ids) == 2 and done.worker_ids[0] != done.worker_ids[1]
    assert not TaskLease.objects.filter(task_id=result.id).exists()
