"""pytest plugin: run the suite against a throwaway PostgreSQL server.

Load it with `pytest -p tests.support.pg_plugin …` (as `make test` does for tests/pg
and tests/api). The server starts when this module is imported, which pytest does
while parsing the command line, before pytest-django reads the settings, so
`DATABASE_URL` already points at it when `sellerdesk.settings` is loaded. pytest-django
then creates and drops its test database on that server as usual. The server stops in
`pytest_unconfigure` (and at interpreter exit, should pytest never get there).

Under pytest-xdist the process that starts the workers starts the one server and the
workers share it (they inherit `SELLERDESK_TEST_PG_URL`): pytest-django gives each
worker its own test database on it (`test_postgres_gw0`, `test_postgres_gw1`, …).
"""

from __future__ import annotations

import os

import pytest

from tests.support.pgserver import ThrowawayPostgres

SHARED_URL = "SELLERDESK_TEST_PG_URL"

if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(SHARED_URL):
    SERVER = None
    URL = os.environ[SHARED_URL]
else:
    SERVER = ThrowawayPostgres().start()
    URL = os.environ[SHARED_URL] = SERVER.url
os.environ["DATABASE_URL"] = URL


def pytest_report_header(config: pytest.Config) -> str:
    return f"throwaway PostgreSQL: {URL}" + (f" ({SERVER.bin_dir})" if SERVER else " (shared)")


def pytest_unconfigure(config: pytest.Config) -> None:
    if SERVER is not None:
        SERVER.stop()
