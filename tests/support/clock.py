"""The tests' clock: every test starts at `TEST_NOW`, never at the machine's time.

`TEST_NOW` is 10:00 in Shanghai on the day `SELLERDESK_TEST_CLOCK` names
(`2030-06-01`, or a full ISO time such as `2027-02-10T23:30+08:00`), or on today's date
when the variable is unset. An autouse fixture (tests/conftest.py) moves the process
clock there with time-machine, ticking, at the start of each test, so `timezone.now()`
in the product and the dates a test writes agree on any day the suite runs. A test
dates what it does relative to `TEST_NOW` (`TEST_NOW - timedelta(days=8)`); one that
needs another moment travels there itself (the `time_machine` fixture).

The fixed hour keeps the time of day out of the results (cut-off times, "this
morning"); the date still moves, so the suite meets month ends, year ends and other
weekdays as the calendar goes by, and CI runs it with the clock years ahead too. The
report header names the clock so a failing run can be repeated on its day.

Other processes a test starts (`sellerdesk worker`, gunicorn) see the machine's clock:
start them through `python -m tests.support.clocked` with `clocked_environment()` and
they run on the test's clock too.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
VARIABLE = "SELLERDESK_TEST_CLOCK"
OFFSET_VARIABLE = "SELLERDESK_TEST_CLOCK_OFFSET"
HOUR = time_of_day(10, 0)


def _test_now(value: str | None) -> datetime:
    if not value:
        return datetime.combine(datetime.now(SHANGHAI).date(), HOUR, tzinfo=SHANGHAI)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{VARIABLE}={value!r} is neither a date (2030-06-01) nor an ISO 8601 time") from None
    if len(value) <= len("2030-06-01"):
        moment = datetime.combine(date.fromisoformat(value), HOUR)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


TEST_NOW = _test_now(os.environ.get(VARIABLE))
# Processes the run starts later (pytest-xdist's workers) take the same day, even if this
# one started just before midnight.
os.environ[VARIABLE] = TEST_NOW.isoformat()


def travel_to_test_now() -> time_machine.travel:
    """A ticking travel to `TEST_NOW` (a timestamp, so that time-machine leaves TZ alone)."""
    return time_machine.travel(TEST_NOW.timestamp(), tick=True)


def clocked_environment(environment: dict[str, str] | None = None) -> dict[str, str]:
    """`environment` (default: this process's) plus how far this process's clock is from the
    machine's, for a child started as `python -m tests.support.clocked …`."""
    offset = time.time() - time_machine.escape_hatch.time.time()
    return {**(os.environ if environment is None else environment), OFFSET_VARIABLE: repr(offset)}
