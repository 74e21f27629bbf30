"""Business calendars: working periods, holidays and make-up workdays (owner H4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerdesk.service.models import BusinessCalendar


def add_business_seconds(calendar: BusinessCalendar | None, start: datetime, seconds: int) -> datetime:
    """The moment `seconds` of business time after `start` (no calendar: wall-clock time)."""
    return start + timedelta(seconds=seconds)


def business_seconds_between(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> int:
    """Business seconds from `start` to `end` (0 when end <= start)."""
    return max(0, int((end - start).total_seconds()))
