"""Dates and times typed or sent by people and programs: one reader and one range.

A shop's dates lie in this century: a year such as 568 or 9999 is a typing slip or a
probe, and stored as given it would be shown with the time zone's offset of that year
(Asia/Shanghai's local mean time in 568, +08:05:43). `check_date` / `check_datetime`
refuse anything outside EARLIEST..LATEST; `parse_date` / `parse_datetime` read ISO text
and apply the same range; `check_not_future` refuses a moment later than now beyond a
tolerance (a carrier's scan cannot come from next year). The API's BusinessDate and
BusinessDatetime types (core.schemas) and the importers use these.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeVar

from django.utils import timezone
from django.utils.dateparse import parse_date as django_parse_date
from django.utils.dateparse import parse_datetime as django_parse_datetime
from django.utils.translation import gettext as _

# The dates a shop works with: orders, price lists, promises, scans.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
# How far a reported moment may lie ahead of our clock (clocks and time zones differ).
FUTURE_TOLERANCE = timedelta(hours=24)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_Day = TypeVar("_Day", bound=date)  # a date or a datetime, given back as it came


class NotADate(ValueError):
    """The value is not an acceptable date or time; str() says why, in the active language."""


def _out_of_range() -> NotADate:
    return NotADate(
        _("must be between %(earliest)s and %(latest)s")
        % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
    )


def check_date(value: _Day) -> _Day:
    """`value` itself when it lies within EARLIEST..LATEST; NotADate otherwise."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise _out_of_range()
    return value


def check_datetime(value: datetime) -> datetime:
    """`value` itself when its date, in UTC and as written, lies within EARLIEST..LATEST;
    NotADate otherwise."""
    check_date(value)
    if value.tzinfo is not None:
        try:
            check_date(value.astimezone(UTC))
        except OverflowError:
            raise _out_of_range() from None
    return value


def parse_date(text: str) -> date:
    """An ISO date (YYYY-MM-DD) within the range; NotADate otherwise."""
    value = None
    if _ISO_DATE.fullmatch(text.strip()):
        try:
            value = django_parse_date(text.strip())
        except ValueError:  # 2026-02-30
            value = None
    if value is None:
        raise NotADate(_("not a date: write it as YYYY-MM-DD"))
    return check_date(value)


def parse_datetime(text: str, *, default_timezone: tzinfo | None = None) -> datetime:
    """An ISO 8601 date and time within the range, aware: with its own offset, else in
    `default_timezone` when one is given; NotADate otherwise (no offset and no default)."""
    try:
        value = django_parse_datetime(text.strip()) if len(text) <= 64 else None
    except ValueError:  # 2026-02-30T10:00
        value = None
    if value is None:
        raise NotADate(_("not a date and time: write it as ISO 8601, e.g. 2026-05-01T09:30:00+08:00"))
    if value.tzinfo is None:
        if default_timezone is None:
            raise NotADate(_("must be an ISO 8601 time with an offset"))
        check_date(value)
        value = timezone.make_aware(value, default_timezone)
    return check_datetime(value)


def check_not_future(value: datetime, *, now: datetime, tolerance: timedelta = FUTURE_TOLERANCE) -> datetime:
    """`value` itself unless it is later than `now` by more than `tolerance`, or out of
    the range; NotADate otherwise."""
    check_datetime(value)
    if value > now + tolerance:
        raise NotADate(
            _("lies in the future (after %(now)s)") % {"now": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}
        )
    return value
