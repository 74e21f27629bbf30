"""Reports from a replica: when REPORTS_DATABASE_URL is set (settings.py makes it
DATABASES["reports"]), the analytics app's reads — the daily fact rows the dashboards
sum, the refresh log — go there, so a dashboard opened every morning by every owner
costs the primary nothing. Writes (the facts' rebuild) and every other app stay on the
primary. Without the setting this router says nothing and Django uses "default".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPORTS = "reports"
ROUTED_APPS = frozenset({"analytics"})


def reports_configured() -> bool:
    return REPORTS in settings.DATABASES


class ReportsRouter:
    """Sends reads of ROUTED_APPS to the "reports" database when it is configured."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.app_label not in ROUTED_APPS or not reports_configured():
            return None
        # Inside a transaction on the primary (the rebuild reading the rows it has just
        # written, a test's transaction) the replica would not see those writes yet.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPORTS

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return None  # the primary, always

    def allow_relation(self, first: Model, second: Model, **hints: Any) -> bool | None:
        # A fact row read from the replica may point at a shop read from the primary:
        # the same data, one behind the other.
        if {first._state.db, second._state.db} <= {DEFAULT_DB_ALIAS, REPORTS}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica follows the primary's schema by replication, never by migrate.
        if db == REPORTS:
            return False
        return None
