"""Enqueue each periodic job when it is due, once across any number of workers."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError

from sellerdesk.core.models import ScheduleSlot
from sellerdesk.core.periodic import jobs


def enqueue_due_jobs(now: datetime) -> list[str]:
    from sellerdesk.core.tasks import run_periodic_job

    enqueued = []
    for job in jobs():
        try:
            ScheduleSlot.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        except IntegrityError:
            pass  # another worker created it this instant
        claimed = ScheduleSlot.objects.filter(name=job.name, next_run_at__lte=now).update(next_run_at=now + job.every)
        if claimed:
            run_periodic_job.enqueue(job.name)
            enqueued.append(job.name)
    return enqueued
