"""core.periodic: jobs are discovered in the installed apps and ordered by what they
declare, not by a list in core."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sellerdesk.core.periodic import PeriodicJob, in_order, jobs


def _job(name: str, *after: str) -> PeriodicJob:
    def run(now: datetime) -> int:
        return 0

    return PeriodicJob(name, timedelta(minutes=1), run, after)


def test_every_apps_jobs_are_found_and_run_in_the_order_they_declare() -> None:
    names = [job.name for job in jobs()]
    # (other jobs may run between these; these are found in every app and keep their order)
    assert [name for name in names if name in ORDERED] == ORDERED


ORDERED = [
    "close_unpaid_orders",
    "review_paid_orders",
    "allocate_approved_orders",
    "poll_tracking",
    "detect_logistics_exceptions",
    "auto_confirm_receipts",
    "default_ratings",
]


def test_a_job_runs_after_what_it_names_and_otherwise_by_name() -> None:
    found = {job.name: job for job in (_job("b", "c"), _job("a"), _job("c"), _job("d", "not-installed"))}

    assert [job.name for job in in_order(found)] == ["a", "c", "b", "d"]


def test_jobs_that_wait_for_each_other_are_an_error() -> None:
    found = {job.name: job for job in (_job("a", "b"), _job("b", "a"))}

    with pytest.raises(RuntimeError, match="wait for each other"):
        in_order(found)
