"""A background task that takes its time, for tests that kill the worker running it
(tests/pg/test_task_lease_workers.py). Importable by a worker process started in the
repository (`tests` is a package)."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def sleep_for(seconds: float) -> str:
    """Sleep `seconds`, then say so: long enough to kill the worker in the middle."""
    time.sleep(seconds)
    return f"slept {seconds}"
