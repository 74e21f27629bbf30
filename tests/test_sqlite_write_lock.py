"""On a SQLite file, transactions queue on an OS lock beside the database file, and give
up with DatabaseBusy after SQLITE_WRITE_LOCK_TIMEOUT_SECONDS."""

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import translation

from sellerdesk.core.errors import DatabaseBusy
from sellerdesk.core.sqlite.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Any:
    # These tests open their own SQLite files, not the test database.
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path) -> DatabaseWrapper:
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path), "TEST": {}}
    settings_dict["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    return DatabaseWrapper(settings_dict, alias="lock-test")


def _lock_is_free(path: Path) -> bool:
    fd = os.open(str(path) + ".write-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _create_table_t(path: Path) -> None:
    setup = _wrapper(path)
    setup.cursor().execute("CREATE TABLE t (x INTEGER)")
    setup.close()


def _a_thread_holding_the_write_lock(
    path: Path, *, at_most_seconds: float, release: threading.Event | None = None, inserting: int | None = None
) -> threading.Thread:
    """Starts a thread that begins a transaction on the database at `path` (inserting the
    row `inserting` into its table t, if given) and holds its write lock until `release`
    is set or `at_most_seconds` have passed, then commits; returns once the lock is held."""
    holding = threading.Event()
    released = release or threading.Event()

    def hold() -> None:
        database = _wrapper(path)
        database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        if inserting is not None:
            database.cursor().execute("INSERT INTO t VALUES (%s)", [inserting])
        holding.set()
        released.wait(at_most_seconds)
        database.commit()
        database.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    return holder


def test_a_transaction_holds_the_lock_until_commit(tmp_path: Path) -> None:
    database = _wrapper(tmp_path / "shop.sqlite3")
    database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    database.cursor().execute("CREATE TABLE t (x INTEGER)")

    assert not _lock_is_free(tmp_path / "shop.sqlite3")
    database.commit()
    assert _lock_is_free(tmp_path / "shop.sqlite3")
    database.close()


def test_rollback_and_close_release_the_lock(tmp_path: Path) -> None:
    database = _wrapper(tmp_path / "shop.sqlite3")
    database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    database.rollback()
    assert _lock_is_free(tmp_path / "shop.sqlite3")

    database.set_autocommit(True)
    database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    database.close()
    assert _lock_is_free(tmp_path / "shop.sqlite3")


def test_concurrent_writers_queue_and_none_fails(tmp_path: Path) -> None:
    setup = _wrapper(tmp_path / "shop.sqlite3")
    setup.cursor().execute("CREATE TABLE counter (n INTEGER)")
    setup.cursor().execute("INSERT INTO counter VALUES (0)")
    setup.close()
    errors: list[Any] = []
    start = threading.Barrier(8)

    def increment() -> None:
        database = _wrapper(tmp_path / "shop.sqlite3")
        try:
            start.wait()
            for _ in range(25):
                database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
                cursor = database.cursor()
                cursor.execute("SELECT n FROM counter")
                value = cursor.fetchone()[0]
                cursor.execute("UPDATE counter SET n = %s", [value + 1])
                database.commit()
                database.set_autocommit(True)
        except Exception as error:
            errors.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=increment) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    check = _wrapper(tmp_path / "shop.sqlite3")
    assert errors == []
    assert check.cursor().execute("SELECT n FROM counter").fetchone()[0] == 200
    check.close()


def test_a_writer_waiting_longer_than_the_timeout_gets_database_busy_and_writes_nothing(
    tmp_path: Path, settings: Any
) -> None:
    # given a table, a 0.3 s wait limit and one thread that holds the write lock for 1.5 s
    settings.SELLERDESK = {**settings.SELLERDESK, "SQLITE_WRITE_LOCK_TIMEOUT_SECONDS": 0.3}
    _create_table_t(tmp_path / "shop.sqlite3")
    release = threading.Event()
    holder = _a_thread_holding_the_write_lock(
        tmp_path / "shop.sqlite3", at_most_seconds=1.5, release=release, inserting=1
    )
    waiting = _wrapper(tmp_path / "shop.sqlite3")

    # when another writer begins a transaction
    started = time.monotonic()
    with translation.override("en"), pytest.raises(DatabaseBusy) as busy:
        waiting.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    waited = time.monotonic() - started

    # then it gives up after the limit with a clear error, and no transaction is open
    assert (busy.value.code, busy.value.status) == ("database_busy", 503)
    assert busy.value.message == (
        "The database is busy with other work; nothing was saved. Please try again in a moment."
    )
    assert 0.3 <= waited < 1.2
    assert waiting.get_autocommit() is True
    release.set()
    holder.join()
    # and once the holder is done the lock is free again (the abandoned wait let it go)
    deadline = time.monotonic() + 5
    while not _lock_is_free(tmp_path / "shop.sqlite3"):
        assert time.monotonic() < deadline, "the abandoned wait kept the lock"
        time.sleep(0.01)
    # and the same connection writes normally afterwards
    waiting.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    waiting.cursor().execute("INSERT INTO t VALUES (2)")
    waiting.commit()
    assert waiting.cursor().execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    waiting.close()


def test_a_writer_that_gets_the_lock_within_the_timeout_waits_for_it(tmp_path: Path, settings: Any) -> None:
    # given a 5 s limit and a thread that holds the write lock for 0.2 s
    settings.SELLERDESK = {**settings.SELLERDESK, "SQLITE_WRITE_LOCK_TIMEOUT_SECONDS": 5}
    _create_table_t(tmp_path / "shop.sqlite3")
    holder = _a_thread_holding_the_write_lock(tmp_path / "shop.sqlite3", at_most_seconds=0.2)
    waiting = _wrapper(tmp_path / "shop.sqlite3")

    # when another writer begins meanwhile
    waiting.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    waiting.cursor().execute("INSERT INTO t VALUES (1)")
    waiting.commit()

    # then it waited its turn and wrote, and released the lock on commit
    holder.join()
    assert waiting.cursor().execute("SELECT x FROM t").fetchall() == [(1,)]
    assert _lock_is_free(tmp_path / "shop.sqlite3")
    waiting.close()
