"""A throwaway PostgreSQL server for the tests and the benchmark.

`ThrowawayPostgres` runs initdb in a fresh temporary directory, starts the server on a
free loopback port (Unix socket in the same directory), and on `stop()` shuts it down
with `pg_ctl stop -m fast` and removes the directory. As root, initdb and pg_ctl run as
the `postgres` OS user (PostgreSQL refuses to run as root), as ../shared/ceiling/run.sh
does.

    with ThrowawayPostgres() as server:          # fast: fsync off, for tests
        os.environ["DATABASE_URL"] = server.url

    ThrowawayPostgres(durable=True)              # PostgreSQL's default settings, for benchmarks
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

# Durability off: tests need correctness, not crash safety, and run much faster.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
START_ATTEMPTS = 3
READY_TIMEOUT_SECONDS = 60.0


def postgres_bin_dir() -> Path:
    """The `bin` directory of the highest PostgreSQL version installed from Debian packages."""
    candidates = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()]
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    return max(candidates, key=lambda path: tuple(int(part) for part in path.parent.name.split(".") if part.isdigit()))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayPostgres:
    """One PostgreSQL server in a temporary directory, gone after `stop()`."""

    def __init__(
        self, *, durable: bool = False, max_connections: int | None = 300, settings: dict[str, str] | None = None
    ) -> None:
        self.bin_dir = postgres_bin_dir()
        self.settings: dict[str, str] = {} if durable else dict(FAST_SETTINGS)
        if max_connections is not None:
            self.settings["max_connections"] = str(max_connections)
        self.settings.update(settings or {})
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.directory: Path | None = None
        self.port = 0
        self.host = "127.0.0.1"

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> ThrowawayPostgres:
        if self.directory is not None:
            raise RuntimeError("this server is already running")
        self.directory = Path(tempfile.mkdtemp(prefix="sellerdesk-pg-"))
        atexit.register(self.stop)
        try:
            if self.run_as:
                shutil.chown(self.directory, user=self.run_as)
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            )
            self._start_on_a_free_port()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server and remove its directory. Safe to call more than once."""
        directory, self.directory = self.directory, None
        if directory is None:
            return
        try:
            if (directory / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(directory / "data"), check=False)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # --- what clients need ---------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self.directory is None:
            raise RuntimeError("the server is not running")
        return self.directory / "data"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{database}"

    @property
    def pid(self) -> int:
        """The postmaster's process id (its backends are its children)."""
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    @property
    def log(self) -> str:
        path = self.directory / "server.log" if self.directory else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    # --- internals -----------------------------------------------------------------

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result

    def _start_on_a_free_port(self) -> None:
        assert self.directory is not None
        # Another process may take the probed port before the server binds it: try again.
        for attempt in range(START_ATTEMPTS):
            self.port = free_port()
            options = [f"-p {self.port}", f"-k {self.directory}", "-c listen_addresses=127.0.0.1"]
            options += [f"-c {name}={value}" for name, value in self.settings.items()]
            result = self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                str(int(READY_TIMEOUT_SECONDS)),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.directory / "server.log"),
                "-o",
                " ".join(options),
                check=False,
            )
            if result.returncode == 0:
                return
            if attempt == START_ATTEMPTS - 1:
                raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}\n{self.log[-2000:]}")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=5) as connection:
                    connection.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections:\n{self.log[-2000:]}") from None
                time.sleep(0.05)
