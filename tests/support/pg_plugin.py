"""pytest plugin: run the suite against a throwaway PostgreSQL server.

Load it with `pytest -p tests.support.pg_plugin …` (as `make test` does for tests/pg
and tests/api). The server starts when this module is imported, which pytest does
while parsing the command line, before pytest-django reads the settings, so
`DATABASE_URL` already points at it when `sellerdesk.settings` is loaded. pytest-django
then creates and drops its test database on that server as usual. The server stops in
`pytest_unconfigure` (and at interpreter exit, should pytest never get there).
"""

from __future__ import annotations

import os

import pytest

from tests.support.pgserver import ThrowawayPostgres

SERVER = ThrowawayPostgres().start()
os.environ["DATABASE_URL"] = SERVER.url


def pytest_report_header(config: pytest.Config) -> str:
    return f"throwaway PostgreSQL: {SERVER.url} ({SERVER.bin_dir})"


def pytest_unconfigure(config: pytest.Config) -> None:
    SERVER.stop()
