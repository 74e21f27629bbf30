"""`sellerdesk worker` started by a test as its own process, on the test's clock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def start_worker(environment: dict[str, str]) -> subprocess.Popen[str]:
    """A worker polling every 0.1 s; its stderr is kept for the test to show on failure.
    The test stops it by the process it was given."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.clocked", "sellerdesk.cli", "worker", "--interval", "0.1"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
