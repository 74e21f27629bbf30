"""Business calendars: working periods, holidays and make-up workdays (调休).

A calendar has, per weekday, any number of working periods (09:00–12:00 and 13:30–24:00
keeps a lunch break), and dated exceptions: a public holiday has no working time at all;
a make-up workday (调休上班, a weekend day worked to make up for a holiday break) works
the periods of the weekday its `periods_of` names (Monday unless said otherwise).

Time is counted in the calendar's zone (Asia/Shanghai by default; China keeps no
daylight saving time, but the arithmetic works on local dates and converts each period
back to an aware moment, so another zone's DST days would still be right). A period that
ends at 23:59:59 or later runs to midnight: the database keeps `end > start` on one day,
and "24:00" is stored as 23:59:59 (see `parse_period_time`).

The holidays and make-up workdays of the years the `chinese_calendar` package knows
(2004–2026 in 1.11) are seeded by `seed_calendar`; later years are entered by the owner
(service.api_admin) as the State Council announces them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from sellerdesk.core import refcache
from sellerdesk.service.models import BusinessCalendar, CalendarDay, DayKind, WorkingPeriod

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_CALENDAR_NAME = "默认工作时间"
# What a Taobao shop's desk keeps (the seed's 在线客服 answers within 30–60 s while it is
# open): every day of the week, 09:00–12:00 and 13:30–24:00, the lunch break off;
# public holidays are closed (seeded; delete a holiday's row to work it).
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(23, 59, 59)))

DAY_SECONDS = 24 * 3600
# A working period ending here or later runs to midnight (24:00 cannot be a TimeField).
MIDNIGHT_END = time(23, 59, 59)
# How far the arithmetic looks for working time before it gives up (a calendar without
# any working period): two years of days.
SEARCH_DAYS = 800

try:  # The holiday library (pinned); the calendars still work without it, unseeded.
    import chinese_calendar as _chinese_calendar
except ImportError:  # pragma: no cover - the package is a dependency
    _chinese_calendar = None

# chinese_calendar names its holidays in English; the calendar rows keep the Chinese name.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class Schedule:
    """A calendar as plain data, read once: seconds of the day per weekday and the
    dated exceptions. `intervals(day)` answers a day's working time."""

    zone: ZoneInfo
    # weekday → sorted (start, end) seconds since midnight
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    # date → None (holiday) or the weekday whose periods a make-up workday works
    exceptions: dict[date, int | None] = field(default_factory=dict)

    def day_periods(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.exceptions:
            periods_of = self.exceptions[day]
            return () if periods_of is None else self.weekly[periods_of]
        return self.weekly[day.weekday()]

    def intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's working time as aware (start, end) moments, in order."""
        midnight = datetime.combine(day, time(0), tzinfo=self.zone)
        for start, end in self.day_periods(day):
            # Through UTC so that a DST day (not Shanghai's) keeps true lengths.
            yield _local(midnight, start, self.zone), _local(midnight, end, self.zone)

    @property
    def has_working_time(self) -> bool:
        return any(self.weekly) or any(value is not None for value in self.exceptions.values())


def _local(midnight: datetime, seconds: int, zone: ZoneInfo) -> datetime:
    if seconds >= DAY_SECONDS:
        next_day = midnight.date() + timedelta(days=1)
        return datetime.combine(next_day, time(0), tzinfo=zone)
    hours, rest = divmod(seconds, 3600)
    return midnight.replace(hour=hours, minute=rest // 60, second=rest % 60)


def _seconds_of(moment: time, *, is_end: bool) -> int:
    if is_end and moment >= MIDNIGHT_END:
        return DAY_SECONDS
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _merged(periods: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted periods with overlapping or touching ones joined (09–12 and 12–13 → 09–13)."""
    merged: list[list[int]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def load_schedule(calendar: BusinessCalendar) -> Schedule:
    """The calendar's periods and exceptions, read from the database now (two queries)."""
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for period in WorkingPeriod.objects.filter(calendar=calendar).only("weekday", "start", "end"):
        weekly[period.weekday].append((_seconds_of(period.start, is_end=False), _seconds_of(period.end, is_end=True)))
    exceptions: dict[date, int | None] = {
        day.date: (None if day.kind == DayKind.HOLIDAY else day.periods_of)
        for day in CalendarDay.objects.filter(calendar=calendar).only("date", "kind", "periods_of")
    }
    return Schedule(
        zone=ZoneInfo(calendar.timezone or "Asia/Shanghai"),
        weekly=tuple(_merged(periods) for periods in weekly),
        exceptions=exceptions,
    )


def schedule_of(calendar: BusinessCalendar) -> Schedule:
    """The calendar's schedule, remembered per process for REFERENCE_CACHE_SECONDS (the
    SLA sweep reads it for every clock); edits made here are seen at once
    (`refcache.forgets` on the editing actions)."""
    return refcache.remembered(("service.calendar", calendar.pk), lambda: load_schedule(calendar))


def _days_from(schedule: Schedule, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals from the local day of `moment` on, for SEARCH_DAYS days."""
    day = moment.astimezone(schedule.zone).date()
    for offset in range(SEARCH_DAYS):
        yield from schedule.intervals(day + timedelta(days=offset))


def add_business_seconds(calendar: BusinessCalendar | None, start: datetime, seconds: int) -> datetime:
    """The moment `seconds` of business time after `start` (no calendar: wall-clock time).

    Outside working time the count starts at the next working period; a result that
    lands exactly on the end of a period is that end (12:00), not the next start. Zero
    seconds answers `start` itself. A calendar without any working time raises
    ValueError (there is no such moment)."""
    if calendar is None:
        return start + timedelta(seconds=seconds)
    if seconds <= 0:
        return start
    schedule = schedule_of(calendar)
    return add_on_schedule(schedule, start, seconds)


def add_on_schedule(schedule: Schedule, start: datetime, seconds: int) -> datetime:
    """`add_business_seconds` on a schedule already read."""
    left = timedelta(seconds=seconds)
    for interval_start, interval_end in _days_from(schedule, start):
        if interval_end <= start:
            continue
        begin = max(start, interval_start)
        available = interval_end - begin
        if left <= available:
            return (begin + left).astimezone(start.tzinfo)
        left -= available
    raise ValueError(f"no working time within {SEARCH_DAYS} days after {start.isoformat()}")


def business_seconds_between(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> int:
    """Business seconds from `start` to `end` (0 when end <= start), whole seconds."""
    if end <= start:
        return 0
    if calendar is None:
        return int((end - start).total_seconds())
    return seconds_on_schedule(schedule_of(calendar), start, end)


def seconds_on_schedule(schedule: Schedule, start: datetime, end: datetime) -> int:
    """`business_seconds_between` on a schedule already read."""
    if end <= start:
        return 0
    total = timedelta(0)
    day = start.astimezone(schedule.zone).date()
    last_day = end.astimezone(schedule.zone).date()
    while day <= last_day:
        for interval_start, interval_end in schedule.intervals(day):
            overlap = min(end, interval_end) - max(start, interval_start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return int(total.total_seconds())


def is_working_moment(calendar: BusinessCalendar | None, moment: datetime) -> bool:
    """Whether `moment` falls inside a working period (no calendar: always)."""
    if calendar is None:
        return True
    schedule = schedule_of(calendar)
    day = moment.astimezone(schedule.zone).date()
    return any(start <= moment < end for start, end in schedule.intervals(day))


def working_periods_on(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The working periods of one local date (none on a holiday)."""
    return list(schedule_of(calendar).intervals(day))


# --- editing -------------------------------------------------------------------------


def parse_period_time(value: str) -> time:
    """ "09:00", "13:30", "24:00" (midnight at the end of the day → 23:59:59)."""
    text = value.strip()
    if text in ("24:00", "24:00:00"):
        return MIDNIGHT_END
    return time.fromisoformat(text)


def format_period_end(moment: time) -> str:
    return "24:00" if moment >= MIDNIGHT_END else moment.strftime("%H:%M")


def known_years() -> range:
    """The years whose holidays and make-up workdays the holiday library knows."""
    if _chinese_calendar is None:
        return range(0)
    days = _chinese_calendar.holidays
    return range(min(days).year, max(days).year + 1)


@dataclass(frozen=True)
class SeedResult:
    added: int
    years_seeded: list[int]
    # Years the library does not know: the owner enters them by hand.
    years_unknown: list[int]


@refcache.forgets
def seed_calendar(calendar: BusinessCalendar, *, years: Iterable[int]) -> SeedResult:
    """Add the public holidays and make-up workdays (调休上班) of `years` from the
    chinese_calendar package. Days already in the calendar are left as they are (the
    owner's edits win), so seeding twice adds nothing. A make-up workday works Monday's
    periods. Years the package does not know are reported, not guessed."""
    known = known_years()
    wanted = sorted(set(years))
    seeded = [year for year in wanted if year in known]
    rows: list[CalendarDay] = []
    if _chinese_calendar is not None:
        for day, name in _chinese_calendar.holidays.items():
            if day.year in seeded:
                rows.append(
                    CalendarDay(calendar=calendar, date=day, kind=DayKind.HOLIDAY, name=HOLIDAY_NAMES.get(name, name))
                )
        for day, name in _chinese_calendar.workdays.items():
            # The library lists every working day of those years; the make-up workdays
            # are the weekend days among them.
            if day.year in seeded and day.weekday() >= 5:
                label = HOLIDAY_NAMES.get(name, name)
                rows.append(
                    CalendarDay(calendar=calendar, date=day, kind=DayKind.WORKDAY, name=f"{label}调休", periods_of=0)
                )
    with transaction.atomic():
        existing = set(
            CalendarDay.objects.filter(calendar=calendar, date__in=[row.date for row in rows]).values_list(
                "date", flat=True
            )
        )
        new_rows = [row for row in rows if row.date not in existing]
        CalendarDay.objects.bulk_create(new_rows, ignore_conflicts=True)
    return SeedResult(
        added=len(new_rows), years_seeded=seeded, years_unknown=[year for year in wanted if year not in known]
    )


def default_calendar(*, at: datetime | None = None) -> BusinessCalendar:
    """The calendar SLA policies without one of their own use, created on first use:
    every day 09:00–12:00 and 13:30–24:00 (Asia/Shanghai), seeded with the holidays
    and make-up workdays of the years the library knows from last year on."""
    existing = BusinessCalendar.objects.filter(name=DEFAULT_CALENDAR_NAME).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(name=DEFAULT_CALENDAR_NAME, timezone="Asia/Shanghai")
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=calendar, weekday=weekday, start=start, end=end)
                for weekday in range(7)
                for start, end in DEFAULT_PERIODS
            )
    except IntegrityError:  # another process created it at the same moment
        return BusinessCalendar.objects.get(name=DEFAULT_CALENDAR_NAME)
    this_year = (at or datetime.now(ZoneInfo("Asia/Shanghai"))).year
    seed_calendar(calendar, years=range(this_year - 1, known_years().stop))
    return calendar
