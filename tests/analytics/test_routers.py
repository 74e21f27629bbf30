"""The reports router: with a "reports" database (REPORTS_DATABASE_URL) the analytics
app's reads go there and run there; writes, reads inside a transaction and every other
app stay on the primary; nothing is migrated on the replica."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from sellerdesk.analytics.dashboard import build_dashboard, parse_query
from sellerdesk.analytics.models import DailyFact, FactRefresh
from sellerdesk.analytics.routers import REPORTS
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.analytics.dashboard_data import fill_facts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reports_alias(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A "reports" database that is the test database itself (as a replica mirrors the
    primary), on a connection of its own whose queries a test can count."""
    primary = connections["default"].settings_dict
    replica = {**primary, "TEST": {**primary.get("TEST", {}), "MIRROR": "default"}}
    # As if settings.DATABASES had "reports" (REPORTS_DATABASE_URL), but with the
    # connection made here and not listed in DATABASES: Django's test case lets such a
    # dynamically created connection through (a listed one would need the test case's
    # `databases` to name it before this fixture runs).
    monkeypatch.setattr("sellerdesk.analytics.routers.reports_configured", lambda: True)
    connections[REPORTS] = load_backend(replica["ENGINE"]).DatabaseWrapper(replica, REPORTS)
    try:
        yield
    finally:
        connections[REPORTS].close()
        del connections[REPORTS]


def test_without_the_setting_everything_reads_the_primary() -> None:
    assert REPORTS not in settings.DATABASES
    assert DailyFact.objects.all().db == "default"
    assert router.db_for_write(DailyFact) == "default"


def test_with_reports_the_analytics_reads_go_there(reports_alias: None) -> None:
    assert DailyFact.objects.all().db == REPORTS
    assert FactRefresh.objects.all().db == REPORTS
    # other apps and every write: the primary
    assert Order.objects.all().db == "default"
    assert Shop.objects.all().db == "default"
    assert router.db_for_write(DailyFact) == "default"
    assert router.allow_migrate(REPORTS, "analytics") is False
    assert router.allow_migrate("default", "analytics") is True


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_runs_its_fact_queries_on_the_replica(reports_alias: None) -> None:
    world = fill_facts()
    query = parse_query(period="day", start="2026-03-02", end="2026-03-04")

    with (
        CaptureQueriesContext(connections[REPORTS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        dashboard = build_dashboard(actor=world["owner"], query=query)

    assert next(s for s in dashboard.series if s.metric.code == "orders_placed").total == 20
    replica_tables = " ".join(query["sql"] for query in on_replica.captured_queries)
    primary_tables = " ".join(query["sql"] for query in on_primary.captured_queries)
    assert replica_tables.count('"analytics_dailyfact"') >= 3
    assert '"analytics_dailyreasonfact"' in replica_tables
    assert '"analytics_factrefresh"' in replica_tables
    assert "analytics_" not in primary_tables
    # inside a transaction on the primary (the rebuild) the reads stay there
    with transaction.atomic():
        assert DailyFact.objects.all().db == "default"


@pytest.mark.parametrize("url", ["", "postgres://reader@replica.example:5432/sellerdesk"])
def test_settings_add_the_reports_database_only_when_asked(url: str) -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "sellerdesk.settings", "REPORTS_DATABASE_URL": url}
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'aliases': sorted(settings.DATABASES), "
        "'reports': settings.DATABASES.get('reports', {}).get('HOST'), "
        "'mirror': settings.DATABASES.get('reports', {}).get('TEST', {}).get('MIRROR'), "
        "'routers': settings.DATABASE_ROUTERS}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    answer = json.loads(found.stdout)
    assert answer["routers"] == ["sellerdesk.analytics.routers.ReportsRouter"]
    if url:
        assert answer == {
            **answer,
            "aliases": ["default", "reports"],
            "reports": "replica.example",
            "mirror": "default",
        }
    else:
        assert answer["aliases"] == ["default"]
