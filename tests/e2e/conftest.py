"""Browser tests: Playwright (Python, sync API) driving Debian's chromium against the
pytest-django live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from
# a thread with a running loop unless told it is safe (it is: the loop only drives the
# browser, and the test body is plain synchronous code).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def playwright_on_the_test_database() -> Iterator[Any]:
    """Playwright's sync API, with the test's database connections kept.

    The sync API keeps an event loop running in this thread (in a greenlet), so Django's
    per-thread connections follow the context instead, and the test's code gets a
    context with none yet: Django would open a second connection. An in-memory SQLite
    database shared with a live server then meets "database table is locked" instead of
    waiting, now and then. So the connections the test had are put back."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    kept = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in kept.items():
            connections[alias] = connection
        yield playwright


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    """A fresh chromium page, 1440×900, Chinese first like the agents' browsers."""
    with playwright_on_the_test_database() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
