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
    # Jobs of other apps that name no job to run after come after this chain.
    assert names[: len(ORDERED)] == ORDERED


ORDERED = [
    "close_unpaid_orders",
    # Reminders run after the unpaid orders past their deadline are closed (never reminded).
    "remind_unpaid_orders",
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


def test_a_chain_of_jobs_runs_together_before_jobs_that_wait_for_nothing() -> None:
    found = {job.name: job for job in (_job("a"), _job("b"), _job("z", "a"), _job("y", "z"))}

    assert [job.name for job in in_order(found)] == ["a", "z", "y", "b"]


def test_jobs_that_wait_for_each_other_are_an_error() -> None:
    found = {job.name: job for job in (_job("a", "b"), _job("b", "a"))}

    with pytest.raises(RuntimeError, match="wait for each other"):
        in_order(found)
