"""SQLite, with write transactions queued on an operating-system lock.

SQLite lets one writer at a time in; the others wait in its busy handler, which sleeps
and retries, so under load an unlucky request keeps losing the lock to newer ones and
waits a second or more. Here every transaction (they begin IMMEDIATE, see settings)
first takes an exclusive `flock` on a file beside the database, which the kernel hands
on to the next waiter the moment it is released: writers queue instead of polling, in
every process and thread that shares the file. An in-memory database has no such file
and no lock.

A writer waits at most SELLERDESK["SQLITE_WRITE_LOCK_TIMEOUT_SECONDS"]; then the
transaction does not begin and `DatabaseBusy` (503, code database_busy) is raised, so a
request stuck behind a long write answers clearly instead of hanging.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base

from sellerdesk.core.errors import DatabaseBusy


class _LockWaiter:
    """A blocking `flock` in a thread of its own, so that the wait can end at a deadline:
    flock itself has no timeout. The waiter opens the lock file anew (its own open file
    description, hence its own lock), queues in the kernel like any writer, and either
    hands its descriptor to the connection or, if the connection stopped waiting, lets the
    lock go the moment it gets it."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._mutex = threading.Lock()
        self._acquired = threading.Event()
        self._abandoned = False
        threading.Thread(target=self._wait, name="sqlite-write-lock", daemon=True).start()

    def _wait(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError:
            os.close(self.fd)
            return
        with self._mutex:
            if not self._abandoned:
                self._acquired.set()
                return
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)

    def take(self, timeout: float) -> bool:
        """Whether the lock is held (by `self.fd`) within `timeout` seconds."""
        if self._acquired.wait(timeout):
            return True
        with self._mutex:
            if self._acquired.is_set():
                return True
            self._abandoned = True
            return False


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None
        self._holds_write_lock = False

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            return None
        return name + ".write-lock"

    def _take_write_lock(self) -> None:
        path = self._lock_path()
        if path is None or self._holds_write_lock:
            return
        if self._write_lock_fd is None:
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait_for_write_lock(path)
        self._holds_write_lock = True

    def _wait_for_write_lock(self, path: str) -> None:
        timeout = float(settings.SELLERDESK.get("SQLITE_WRITE_LOCK_TIMEOUT_SECONDS", 20))
        started = time.monotonic()
        waiter = _LockWaiter(path)
        if not waiter.take(timeout):
            raise DatabaseBusy(waited_seconds=time.monotonic() - started)
        # The waiter's descriptor holds the lock now; the old one held none.
        if self._write_lock_fd is not None:
            os.close(self._write_lock_fd)
        self._write_lock_fd = waiter.fd

    def _drop_write_lock(self) -> None:
        if self._holds_write_lock and self._write_lock_fd is not None:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
        self._holds_write_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._drop_write_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._drop_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._drop_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._drop_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
