"""Days, weeks and months as report periods: where one starts and the one N after it.

The reminders' report and the dashboards bucket days the same way (a week starts on
Monday, a month on its 1st)."""

from __future__ import annotations

from datetime import date, timedelta


def period_start(day: date, period: str) -> date:
    """The first day of the day / week (Monday) / month holding `day`."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def shift(start: date, period: str, count: int) -> date:
    """The start of the period `count` periods after (before, when negative) `start`."""
    if period == "week":
        return start + timedelta(weeks=count)
    if period == "month":
        months = start.year * 12 + start.month - 1 + count
        return date(months // 12, months % 12 + 1, 1)
    return start + timedelta(days=count)
