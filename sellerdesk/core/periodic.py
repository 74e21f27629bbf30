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


def jobs() -> list[PeriodicJob]:
    from sellerdesk.orders import tasks  # noqa: F401  (registers the order jobs)

    return list(_JOBS.values())


def run_all(now: datetime) -> dict[str, int]:
    return {job.name: job.run(now) for job in jobs()}
