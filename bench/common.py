"""What the PostgreSQL benchmark scripts share: progress on stderr, one JSON line per
figure on stdout, and cloning a template row N times in one set-based INSERT."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def bench_environment() -> dict[str, str]:
    """The benchmarks' start: a production one (issue 17 A1: SELLERDESK_ENV=production, so
    the product is measured as it runs, refusals checked) with secrets generated for the
    run, the simulated payment gateway and carrier on (the benchmarks pay and ship through
    them), and plain http on loopback (no HTTPS redirect, HSTS or secure-only cookies; the
    test client's host allowed)."""
    return {
        "SELLERDESK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SELLERDESK_SIMULATED_GATEWAY": "1",
        "SIMULATED_GATEWAY_SECRET": secrets.token_urlsafe(24),
        "SELLERDESK_SIMULATED_CARRIER": "1",
        "SIMULATED_CARRIER_SECRET": secrets.token_urlsafe(24),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def use_bench_environment() -> None:
    """Put bench_environment() into os.environ (what is set already stays), before Django
    reads its settings; the processes a benchmark starts inherit it, and so the same
    secrets."""
    for name, value in bench_environment().items():
        os.environ.setdefault(name, value)


def run_as_a_benchmark() -> bool:
    """Whether this process is a benchmark (its program is a script in bench/), not a
    test run that imports a benchmark's helpers (tests/pg/test_search_pg.py): a test
    run's environment must stay its own, or the processes its tests start would get
    another SECRET_KEY than the test's and refuse its sessions."""
    program = getattr(sys.modules.get("__main__"), "__file__", None)
    return program is not None and Path(program).resolve().parent == Path(__file__).resolve().parent


# Every benchmark imports this module before it sets Django up.
if run_as_a_benchmark():
    use_bench_environment()


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def columns(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def clone(cursor: Any, table: str, template_id: int, count: int, overrides: dict[str, str], extra: str = "") -> None:
    """INSERT `count` copies of row `template_id` of `table`; `g` (1..count) numbers the copy."""
    names = columns(cursor, table)
    unknown = set(overrides) - set(names)
    if unknown:
        raise RuntimeError(f"{table} has no columns {sorted(unknown)}")
    values = ", ".join(overrides.get(name, f"t.{name}") for name in names)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} "
        f"FROM {table} t CROSS JOIN generate_series(1, %s) g {extra} WHERE t.id = %s ORDER BY g",
        [count, template_id],
    )


@contextmanager
def django_on_throwaway_postgres(name: str) -> Iterator[None]:
    """A throwaway PostgreSQL with its default settings (fsync, synchronous_commit on, like
    the rest of the bench), and Django set up on it; the connections closed at the end."""
    from tests.support.pgserver import ThrowawayPostgres

    scratch = Path(tempfile.mkdtemp(prefix=f"sellerdesk-bench-{name}-"))
    with ThrowawayPostgres(durable=True, max_connections=None) as server:
        log(f"postgres: {server.url} ({server.bin_dir}, default settings)")
        os.environ.update(
            {
                "DATABASE_URL": server.url,
                "SELLERDESK_VAR_DIR": str(scratch),
                "DEBUG": "0",
                "DJANGO_SETTINGS_MODULE": "sellerdesk.settings",
            }
        )
        import django

        django.setup()
        from django.db import connections

        try:
            yield
        finally:
            connections.close_all()


def timed(
    name: str,
    call: Callable[[int], Any],
    *,
    requests: int,
    max_seconds: float,
    warm_up: int = 5,
    **facts: Any,
) -> tuple[dict[str, Any], Any]:
    """`call(i)` `warm_up` times, then up to `requests` times within `max_seconds`: the
    figure (p50/p95/max in ms) and the last call's answer."""
    answer = None
    for index in range(warm_up):
        answer = call(index)
    spent: list[float] = []
    deadline = time.monotonic() + max_seconds
    while len(spent) < requests and time.monotonic() < deadline:
        started = time.perf_counter()
        answer = call(len(spent))
        spent.append((time.perf_counter() - started) * 1000)
    ordered = sorted(spent)
    figure = {
        "bench": name,
        "requests": len(spent),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max_ms": round(ordered[-1], 2),
        "seconds": round(sum(spent) / 1000, 2),
        **facts,
    }
    return figure, answer
