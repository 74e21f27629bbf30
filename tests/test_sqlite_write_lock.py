"""On a SQLite file, transactions queue on an OS lock beside the database file."""

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

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
