"""Enqueue each periodic job when it is due, once across any number of workers."""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.db import IntegrityError

from sellerdesk.core.models import ScheduleSlot
from sellerdesk.core.periodic import jobs


def enqueue_due_jobs(now: datetime) -> list[str]:
    from sellerdesk.core.tasks import run_periodic_job

    enqueued = []
    for job in jobs():
        with contextlib.suppress(IntegrityError):  # another worker created it this instant
            ScheduleSlot.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        claimed = ScheduleSlot.objects.filter(name=job.name, next_run_at__lte=now).update(next_run_at=now + job.every)
        if claimed:
            run_periodic_job.enqueue(job.name)
            enqueued.append(job.name)
    return enqueued
