"""Run a module as `python -m` would, on the test's clock:

    python -m tests.support.clocked sellerdesk.cli worker --interval 0.2
    python -m tests.support.clocked gunicorn sellerdesk.wsgi:application …

The clock is moved by `SELLERDESK_TEST_CLOCK_OFFSET` seconds (set by
`tests.support.clock.clocked_environment()`) and ticks from there, so the child and the
test that started it agree on the time. Forked children (gunicorn's workers) inherit
the moved clock.
"""

from __future__ import annotations

import os
import runpy
import sys
import time

import time_machine

from tests.support.clock import OFFSET_VARIABLE


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m tests.support.clocked MODULE [ARGUMENT …]")
    offset = float(os.environ.get(OFFSET_VARIABLE, "0"))
    time_machine.travel(time.time() + offset, tick=True).start()
    time.time()  # ticking starts at the first reading: take it now, before any fork
    module, sys.argv = sys.argv[1], sys.argv[1:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
