"""Periodic jobs: the registry that `sellerdesk sweep` and the worker share.

A job is a function of `now` that does its due work and returns how many things it
changed. Jobs must be safe to run from several processes at once (each item is
claimed with a row lock and re-checked), so running one twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

Job = Callable[[datetime], int]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Job
    after: tuple[str, ...] = ()


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta, after: tuple[str, ...] = ()) -> Callable[[Job], Job]:
    """Register a job run every `every`. A sweep runs it after the jobs named in `after`
    (those that are installed): each job says what must have happened before it."""

    def register(function: Job) -> Job:
        _JOBS[name] = PeriodicJob(name, every, function, tuple(after))
        return function

    return register


# The module of an app that holds its periodic jobs (and its background tasks).
JOBS_MODULE = "tasks"


def discover() -> None:
    """Import the `tasks` module of every installed sellerdesk app: importing it
    registers its jobs. Core names no app; an app that is not installed has no jobs."""
    for app in apps.get_app_configs():
        if app.name.startswith("sellerdesk.") and module_has_submodule(app.module, JOBS_MODULE):
            import_module(f"{app.name}.{JOBS_MODULE}")


def in_order(found: dict[str, PeriodicJob]) -> list[PeriodicJob]:
    """Each job after the jobs its `after` names. Of the jobs free to run, the one freed by
    the job just run goes first (a chain of jobs runs together), then by name. A cycle is
    an error."""
    waiting = {name: {before for before in job.after if before in found} for name, job in found.items()}
    freed_at = {name: -1 for name, before in waiting.items() if not before}
    ordered: list[PeriodicJob] = []
    while waiting:
        ready = [name for name, before in waiting.items() if not before]
        if not ready:
            raise RuntimeError(f"periodic jobs wait for each other: {sorted(waiting)}")
        name = min(ready, key=lambda candidate: (-freed_at[candidate], candidate))
        ordered.append(found[name])
        del waiting[name]
        for other, before in waiting.items():
            if name in before:
                before.discard(name)
                if not before:
                    freed_at[other] = len(ordered)
    return ordered


def jobs() -> list[PeriodicJob]:
    """Every installed app's periodic jobs, in the order a sweep runs them."""
    discover()
    return in_order(_JOBS)


def run_all(now: datetime) -> dict[str, int]:
    return {job.name: job.run(now) for job in jobs()}
