"""Load a demo shop once for a whole test module instead of once per test.

The demo takes seconds to load; a module of read-only checks on it loads it in a
module-scoped fixture through `loaded_once`. The data goes into a transaction that stays
open while the module's tests run (each test's own transaction, from the `db` fixture,
is a savepoint inside it, rolled back after the test as usual) and is rolled back when
the module is done, so the next module finds the database empty. As with the `db`
fixture, nothing commits: on-commit callbacks do not run, the same as when each test
loaded the demo itself.

`make test` runs pytest-xdist with `--dist loadscope`, which hands each module whole to
one worker, so the demo loads once. (`--dist loadgroup` would group by mark, but with
pytest 9 xdist 3.8 cannot rename the tests it groups, and the marks are ignored.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from sellerdesk.core import demo_credentials, refcache
from sellerdesk.demo.generate import DemoConfig, DemoSummary, load_demo_shop
from tests.support.clock import travel_to_test_now

Loaded = TypeVar("Loaded")


@contextmanager
def loaded_once(django_db_blocker: Any, load: Callable[[], Loaded]) -> Iterator[Loaded]:
    """`load()` run in a transaction that is rolled back on leaving the block."""
    outer = transaction.atomic()
    # As in every test (tests/conftest.py), no reference row is remembered across the
    # load: a row remembered here would outlive the rollback and mislead the next module.
    fresh = override_settings(
        SELLERDESK={**settings.SELLERDESK, "TOKEN_CACHE_SECONDS": 0, "REFERENCE_CACHE_SECONDS": 0}
    )
    with django_db_blocker.unblock(), fresh:
        refcache.forget_all()
        outer.__enter__()
        try:
            loaded = load()
        except BaseException:
            _roll_back(outer)
            raise
    try:
        yield loaded
    finally:
        with django_db_blocker.unblock():
            _roll_back(outer)


@contextmanager
def demo_shop_loaded_once(
    django_db_blocker: Any, *, config: DemoConfig, clock: Clock, credentials: Path
) -> Iterator[DemoSummary]:
    """The demo shop loaded with `config` as `loaded_once` does: at the test clock, with
    `timezone.now` ticking from `clock`, the logins written to `credentials`."""

    def load() -> DemoSummary:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo_credentials, "PATH", credentials)
            patch.setattr(timezone, "now", clock)
            with travel_to_test_now():
                return load_demo_shop(config=config)

    with loaded_once(django_db_blocker, load) as summary:
        yield summary


def _roll_back(outer: transaction.Atomic) -> None:
    transaction.set_rollback(True)
    outer.__exit__(None, None, None)
    refcache.forget_all()


class Clock:
    """timezone.now() for the demo's loaders: `start`, then a millisecond later at each
    call, so the capabilities' demos (which act "now", like their actions) run at a fixed
    time, the same on every run."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(milliseconds=1)
        return self.current
