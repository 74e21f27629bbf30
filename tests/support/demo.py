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
Modules loading the same DEMO_CONFIG through `demo_shop_loaded_once` go to one worker one
after the other and share one load (tests/support/demo_sharing.py): its transaction is
rolled back only after the last of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
from tests.support import demo_sharing
from tests.support.clock import travel_to_test_now

Loaded = TypeVar("Loaded")


@contextmanager
def loaded_once(django_db_blocker: Any, load: Callable[[], Loaded]) -> Iterator[Loaded]:
    """`load()` run in a transaction that is rolled back on leaving the block."""
    outer, loaded = _open(django_db_blocker, load)
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
    `timezone.now` ticking from `clock`, the logins written to `credentials`.

    The load is shared (tests/support/demo_sharing.py): when the next test is in a module
    whose DEMO_CONFIG is `config`, the transaction stays open for it, and that module,
    asking for the same config from a clock at the same start, gets this load as if it
    had loaded the demo itself: its clock moved to where the load left this one, the
    logins file written as the load wrote it. Every module's tests still run in rolled-back
    savepoints, so each finds the demo as loaded."""
    start = clock.current
    shared = _shared
    if shared is not None and (shared.config, shared.start) != (config, start):
        _close_shared(django_db_blocker)
        shared = None
    if shared is None:

        def load() -> DemoSummary:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(demo_credentials, "PATH", credentials)
                patch.setattr(timezone, "now", clock)
                with travel_to_test_now():
                    return load_demo_shop(config=config)

        outer, summary = _open(django_db_blocker, load)
        written = credentials.read_bytes() if credentials.exists() else None
        mode = credentials.stat().st_mode & 0o777 if credentials.exists() else 0o600
        shared = _Shared(config, start, clock.current, written, mode, summary, outer)
        _set_shared(shared, django_db_blocker)
    else:
        clock.current = shared.after
        if shared.credentials is not None:
            credentials.write_bytes(shared.credentials)
            credentials.chmod(shared.mode)
        refcache.forget_all()
    try:
        yield shared.summary
    finally:
        if demo_sharing.demo_config_of(demo_sharing.next_item) != config:
            _close_shared(django_db_blocker)


@dataclass(frozen=True)
class _Shared:
    """A demo load whose transaction is open, kept for the next module with its config."""

    config: DemoConfig
    start: datetime  # the loaders' clock, before and after the load
    after: datetime
    credentials: bytes | None  # the logins file as the load wrote it
    mode: int
    summary: DemoSummary
    outer: transaction.Atomic


_shared: _Shared | None = None


def _set_shared(shared: _Shared, django_db_blocker: Any) -> None:
    global _shared
    _shared = shared

    def close_unless_shared_with(item: pytest.Item | None) -> None:
        if _shared is not None and demo_sharing.demo_config_of(item) != _shared.config:
            _close_shared(django_db_blocker)

    demo_sharing.close_open_demo = close_unless_shared_with


def _close_shared(django_db_blocker: Any) -> None:
    global _shared
    shared, _shared = _shared, None
    demo_sharing.close_open_demo = None
    if shared is not None:
        with django_db_blocker.unblock():
            _roll_back(shared.outer)


def _open(django_db_blocker: Any, load: Callable[[], Loaded]) -> tuple[transaction.Atomic, Loaded]:
    """`load()` run in a transaction left open: the caller rolls it back (`_roll_back`)."""
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
            return outer, load()
        except BaseException:
            _roll_back(outer)
            raise


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
