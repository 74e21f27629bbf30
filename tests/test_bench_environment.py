"""The benchmarks run as a production start with secrets of their own (bench/common.py),
but a test run that imports a benchmark's helpers (tests/pg/test_search_pg.py imports
bench.million) keeps its environment: the bench's SECRET_KEY, leaked into a test worker,
reached the web processes a later test started, which then refused that test's sessions
as "corrupted" (the Redis two-process tests failed only in the full PostgreSQL run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, os
before = dict(os.environ)
import bench.common
after = dict(os.environ)
changed = sorted(name for name in after if after[name] != before.get(name))
print(json.dumps({"changed": changed, "bench": bench.common.run_as_a_benchmark()}))
"""


def test_importing_the_bench_helpers_leaves_the_environment_alone() -> None:
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "SELLERDESK_ENV": "test"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"changed": [], "bench": False}


def test_a_benchmark_script_gets_the_production_start_with_its_own_secrets() -> None:
    """What the import used to do, now only for a program in bench/."""
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    program = (
        "import json, os, runpy; runpy.run_path('bench/common.py', run_name='__main__'); "
        "print(json.dumps({name: os.environ.get(name, '') for name in ('SELLERDESK_ENV', 'SECRET_KEY')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["SELLERDESK_ENV"] == "production"
    assert len(seen["SECRET_KEY"]) >= 50
