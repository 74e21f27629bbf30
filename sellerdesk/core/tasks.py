from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from sellerdesk.core.leases import recover_expired_tasks
from sellerdesk.core.periodic import jobs, periodic


@task()
def run_periodic_job(name: str) -> int:
    for job in jobs():
        if job.name == name:
            return job.run(timezone.now())
    raise LookupError(f"no periodic job {name}")


logger = logging.getLogger(__name__)
# When each periodic job was last woken from this process (time.monotonic()).
_woken: dict[str, float] = {}


def wake_job(name: str) -> None:
    """Ask a worker to run periodic job `name` now rather than at its next round: a task
    on the queue, at most once a second per job from this process (the job's own period
    catches whatever a skipped wake-up would have done)."""
    moment = time.monotonic()
    if name in _woken and moment - _woken[name] < 1.0:
        return
    _woken[name] = moment
    try:
        run_periodic_job.enqueue(name)
    except Exception:  # the periodic job runs anyway; a wake-up is only a shortcut
        logger.exception("could not wake the periodic job %s", name)


def forget_wake_ups() -> None:
    """Let the next wake_job of every job enqueue (tests that watch for the task)."""
    _woken.clear()


@periodic("task_leases", every=timedelta(minutes=1))
def recover_tasks_of_vanished_workers(now: datetime) -> int:
    """Tasks whose worker died mid-run: queued again, or failed visibly (core.leases)."""
    return recover_expired_tasks(now=now)
