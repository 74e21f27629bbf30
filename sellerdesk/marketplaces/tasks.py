"""The marketplaces' background work: checking and writing order file imports (enqueued
by importing on commit), and the periodic job that gives an import whose worker died
to another (every step is claimed by a lease and idempotent, see importing)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django_tasks import task

from sellerdesk.core.periodic import periodic

# tasks_connectors: the connectors' periodic jobs (shipment notices, pulls) register when
# core.periodic.discover imports this module.
from sellerdesk.marketplaces import importing, tasks_connectors  # noqa: F401
from sellerdesk.marketplaces.models import ImportStatus


@task()
def check_order_import(import_id: int) -> str:
    """Read and plan an uploaded export (importing.check_import); returns its status."""
    return str(importing.check_import(import_id).status)


@task()
def run_order_import(import_id: int) -> str:
    """Write a committed import's orders (importing.run_import); returns its status."""
    return str(importing.run_import(import_id).status)


@periodic("marketplaces.imports", every=timedelta(minutes=1))
def restart_imports(now: datetime) -> int:
    """Enqueue again the imports no worker holds while one should: never taken, or whose
    worker's lease ran out. Returns how many were sent."""
    again = importing.overdue_imports(now)
    for import_id, status in again:
        if status == ImportStatus.CHECKING:
            check_order_import.enqueue(import_id)
        else:
            run_order_import.enqueue(import_id)
    return len(again)
