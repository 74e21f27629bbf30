"""Business-time arithmetic on calendars: several periods a day (a lunch break), public
holidays, make-up workdays (调休), midnight, Asia/Shanghai. Fixed dates, never today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.service import calendars
from sellerdesk.service.models import BusinessCalendar, CalendarDay, DayKind, WorkingPeriod

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def office(name: str = "office", *, weekdays: range = range(5), periods: Any = None) -> BusinessCalendar:
    """Mon–Fri 09:00–12:00 and 13:30–18:00 unless said otherwise."""
    calendar = BusinessCalendar.objects.create(name=name)
    for weekday in weekdays:
        for start, end in periods or ((time(9), time(12)), (time(13, 30), time(18))):
            WorkingPeriod.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)
    return calendar


pytestmark = pytest.mark.django_db


def test_no_calendar_is_wall_clock() -> None:
    start = at("2026-10-01 10:00")
    assert calendars.add_business_seconds(None, start, 90) == start + timedelta(seconds=90)
    assert calendars.business_seconds_between(None, start, start + timedelta(hours=2)) == 7200
    assert calendars.business_seconds_between(None, start, start - timedelta(hours=2)) == 0


def test_inside_a_period() -> None:
    calendar = office()
    # Tuesday 2026-06-02
    assert calendars.add_business_seconds(calendar, at("2026-06-02 10:00"), 60) == at("2026-06-02 10:01")
    assert calendars.business_seconds_between(calendar, at("2026-06-02 10:00"), at("2026-06-02 10:00:45")) == 45


def test_lunch_break_is_skipped() -> None:
    calendar = office()
    # 11:59:30 + 60 s: 30 s before lunch, 30 s after it
    assert calendars.add_business_seconds(calendar, at("2026-06-02 11:59:30"), 60) == at("2026-06-02 13:30:30")
    assert calendars.business_seconds_between(calendar, at("2026-06-02 11:59:30"), at("2026-06-02 13:30:30")) == 60
    # Ending exactly at the end of the morning: 12:00, not 13:30
    assert calendars.add_business_seconds(calendar, at("2026-06-02 11:59"), 60) == at("2026-06-02 12:00")
    # Starting during lunch counts from 13:30
    assert calendars.add_business_seconds(calendar, at("2026-06-02 12:40"), 120) == at("2026-06-02 13:32")
    assert calendars.business_seconds_between(calendar, at("2026-06-02 12:10"), at("2026-06-02 13:20")) == 0
    # A whole working day is 3 h + 4 h 30 min
    assert calendars.business_seconds_between(calendar, at("2026-06-02 00:00"), at("2026-06-03 00:00")) == 27000


def test_after_hours_and_weekend_roll_to_the_next_working_morning() -> None:
    calendar = office()
    # Friday 2026-06-05 17:59 + 5 min → Monday 2026-06-08 09:04
    assert calendars.add_business_seconds(calendar, at("2026-06-05 17:59"), 300) == at("2026-06-08 09:04")
    assert calendars.business_seconds_between(calendar, at("2026-06-05 17:59"), at("2026-06-08 09:04")) == 300
    # Saturday night → Monday morning
    assert calendars.add_business_seconds(calendar, at("2026-06-06 22:00"), 30) == at("2026-06-08 09:00:30")


def test_national_day_2026_and_its_make_up_workdays() -> None:
    calendar = office()
    result = calendars.seed_calendar(calendar, years=[2026])
    assert result.years_seeded == [2026] and result.years_unknown == []
    assert CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 1)).name == "国庆节"
    make_up = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 20))
    assert (make_up.kind, make_up.periods_of) == (DayKind.WORKDAY, 0)
    assert CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 10)).kind == DayKind.WORKDAY

    # Wednesday 2026-09-30 17:58 + 10 min: 2 min that evening, then the break
    # (10-01 … 10-07 holidays, 10-03/04 a weekend anyway), back on Thursday 10-08 09:08.
    assert calendars.add_business_seconds(calendar, at("2026-09-30 17:58"), 600) == at("2026-10-08 09:08")
    assert calendars.business_seconds_between(calendar, at("2026-10-01 09:00"), at("2026-10-07 18:00")) == 0
    # Friday 10-09 18:00 → the make-up Saturday 10-10 works Monday's periods
    assert calendars.add_business_seconds(calendar, at("2026-10-09 17:59"), 120) == at("2026-10-10 09:01")
    assert calendars.business_seconds_between(calendar, at("2026-10-10 00:00"), at("2026-10-11 00:00")) == 27000
    # Sunday 2026-09-20 is a workday too, whereas Sunday 09-13 is not
    assert calendars.business_seconds_between(calendar, at("2026-09-20 11:00"), at("2026-09-20 14:30")) == 7200
    assert calendars.business_seconds_between(calendar, at("2026-09-13 00:00"), at("2026-09-14 00:00")) == 0
    # Mid-Autumn (Fri 09-25) is off: Thursday 17:59 + 2 min → Monday 09-28 09:01
    assert calendars.add_business_seconds(calendar, at("2026-09-24 17:59"), 120) == at("2026-09-28 09:01")


def test_seeding_twice_adds_nothing_and_keeps_the_owners_edits() -> None:
    calendar = office()
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 10, 2), kind=DayKind.WORKDAY, name="值班")
    first = calendars.seed_calendar(calendar, years=[2026, 2031])
    assert first.years_unknown == [2031]
    assert first.added == CalendarDay.objects.filter(calendar=calendar).count() - 1
    second = calendars.seed_calendar(calendar, years=[2026])
    assert second.added == 0
    kept = CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 2))
    assert (kept.kind, kept.name) == (DayKind.WORKDAY, "值班")
    # The worked holiday counts
    assert calendars.business_seconds_between(calendar, at("2026-10-02 00:00"), at("2026-10-03 00:00")) == 27000


def test_a_later_year_is_entered_by_hand() -> None:
    calendar = office()
    CalendarDay.objects.create(calendar=calendar, date=date(2031, 10, 1), kind=DayKind.HOLIDAY, name="国庆节")
    # Wednesday 2031-10-01 off: Tuesday 17:59 + 2 min → Thursday 09:01
    assert calendars.add_business_seconds(calendar, at("2031-09-30 17:59"), 120) == at("2031-10-02 09:01")


def test_across_midnight_with_a_period_ending_at_24_00() -> None:
    calendar = office("late", weekdays=range(7), periods=((time(9), time(12)), (time(13, 30), time(23, 59, 59))))
    # 23:59:30 + 60 s: 30 s before midnight (the period runs to 24:00), 30 s after 09:00
    assert calendars.add_business_seconds(calendar, at("2026-06-02 23:59:30"), 60) == at("2026-06-03 09:00:30")
    assert calendars.business_seconds_between(calendar, at("2026-06-02 00:00"), at("2026-06-03 00:00")) == (
        3 * 3600 + 10 * 3600 + 30 * 60
    )
    # Round the clock: two periods meeting at midnight count as one stretch
    allday = office("allday", weekdays=range(7), periods=((time(0), time(23, 59, 59)),))
    assert calendars.add_business_seconds(allday, at("2026-06-02 23:59:50"), 20) == at("2026-06-03 00:00:10")
    assert calendars.business_seconds_between(allday, at("2026-06-02 23:00"), at("2026-06-03 01:00")) == 7200


def test_answers_keep_the_callers_zone_and_count_in_shanghai() -> None:
    calendar = office()
    # 01:59 UTC is 09:59 in Shanghai
    start = datetime(2026, 6, 2, 1, 59, tzinfo=UTC)
    due = calendars.add_business_seconds(calendar, start, 120)
    assert due == at("2026-06-02 10:01") and due.tzinfo == UTC
    # 23:00 UTC Monday is 07:00 Tuesday in Shanghai: before the morning opens
    assert calendars.add_business_seconds(calendar, datetime(2026, 6, 1, 23, 0, tzinfo=UTC), 60) == at(
        "2026-06-02 09:01"
    )


def test_pause_arithmetic_is_the_sum_of_the_working_pieces() -> None:
    calendar = office()
    start, due = at("2026-06-02 11:59:00"), calendars.add_business_seconds(calendar, at("2026-06-02 11:59:00"), 90)
    # paused at 12:00 (60 s used) and resumed at 15:00: 30 s left → 15:00:30
    used = calendars.business_seconds_between(calendar, start, at("2026-06-02 12:00"))
    assert used == 60
    assert calendars.add_business_seconds(calendar, at("2026-06-02 15:00"), 90 - used) == at("2026-06-02 15:00:30")
    assert due == at("2026-06-02 13:30:30")


def test_overlapping_periods_are_joined_and_a_calendar_without_hours_says_so() -> None:
    calendar = office("overlap", periods=((time(9), time(12)), (time(11), time(13))))
    assert calendars.business_seconds_between(calendar, at("2026-06-02 00:00"), at("2026-06-03 00:00")) == 4 * 3600
    empty = BusinessCalendar.objects.create(name="empty")
    with pytest.raises(ValueError):
        calendars.add_business_seconds(empty, at("2026-06-02 10:00"), 60)
    assert calendars.business_seconds_between(empty, at("2026-06-02 10:00"), at("2026-06-09 10:00")) == 0


def test_default_calendar_keeps_taobao_hours_every_day() -> None:
    calendar = calendars.default_calendar(at=at("2026-06-02 10:00"))
    assert calendars.default_calendar() == calendar
    # Saturday 2026-06-06 is worked: 3 h + 10 h 30 min
    assert calendars.business_seconds_between(calendar, at("2026-06-06 00:00"), at("2026-06-07 00:00")) == 48600
    # National Day is closed (seeded)
    assert calendars.business_seconds_between(calendar, at("2026-10-01 00:00"), at("2026-10-02 00:00")) == 0
    assert calendars.parse_period_time("24:00") == time(23, 59, 59)
    assert calendars.format_period_end(time(23, 59, 59)) == "24:00"
