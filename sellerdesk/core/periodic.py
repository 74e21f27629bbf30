"""Periodic jobs: the registry that `sellerdesk sweep` and the worker share.

A job is a function of `now` that does its due work and returns how many things it
changed. Jobs must be safe to run from several processes at once (each item is
claimed with a row lock and re-checked), so running one twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

Job = Callable[[datetime], int]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Job


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Job], Job]:
    def register(function: Job) -> Job:
        _JOBS[name] = PeriodicJob(name, every, function)
        return function

    return register


# The order a sweep runs the jobs in: orders close or pass review before allocation, and
# tracking is read before parcels' problems are looked for. Jobs not named run after these.
RUN_ORDER = (
    "close_unpaid_orders",
    "review_paid_orders",
    "allocate_approved_orders",
    "poll_tracking",
    "detect_logistics_exceptions",
    "auto_confirm_receipts",
    "default_ratings",
)


def jobs() -> list[PeriodicJob]:
    # Importing the modules registers their jobs.
    from sellerdesk.allocation import tasks as allocation_tasks  # noqa: F401
    from sellerdesk.logistics import exceptions, tracking  # noqa: F401
    from sellerdesk.orders import tasks  # noqa: F401
    from sellerdesk.ratings import tasks as ratings_tasks  # noqa: F401

    def position(job: PeriodicJob) -> tuple[int, str]:
        return (RUN_ORDER.index(job.name) if job.name in RUN_ORDER else len(RUN_ORDER), job.name)

    return sorted(_JOBS.values(), key=position)


def run_all(now: datetime) -> dict[str, int]:
    return {job.name: job.run(now) for job in jobs()}
