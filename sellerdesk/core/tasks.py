from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from sellerdesk.core.periodic import jobs


@task()
def run_periodic_job(name: str) -> int:
    for job in jobs():
        if job.name == name:
            return job.run(timezone.now())
    raise LookupError(f"no periodic job {name}")
