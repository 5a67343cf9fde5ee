"""Working days, the one calendar every deadline uses.

China's working days are Monday to Friday, minus the public holidays, plus the weekend days
worked in their place (调休). The State Council publishes each year's arrangement in the
preceding December; the `chinese-calendar` package carries them year by year. For a year it
does not know yet, the platform counts weekends only and logs a warning once for that year,
so a deadline is never refused for lack of data, only possibly a holiday early.

Every deadline is the end of a working day in China's time zone: a step of ``n`` working
days that begins on day D is due at the local midnight that ends the ``n``-th working day
after D (D itself not counted).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("creditbank.workdays")


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in China, as a UTC datetime."""
    return datetime.combine(day, time(0), LOCAL_TIME).astimezone(UTC)


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # chinese-calendar's way of saying "a year I have no data for"
        _warn_unknown_year(day.year)
        return day.weekday() < 5


@cache
def _warn_unknown_year(year: int) -> None:
    log.warning("%s 年的法定节假日安排尚未收录（chinese-calendar），该年只按周末计算工作日", year)


def known_years() -> tuple[int, int]:
    """The first and last year whose holidays the calendar knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def working_day_after(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself not counted)."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def due_at(started: datetime, days: int) -> datetime:
    """When something that began at ``started`` and may take ``days`` working days is due."""
    return local_midnight(working_day_after(local_date(started), days) + timedelta(days=1))


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days from the day after ``start`` up to and including ``end``'s day (local):
    0 when decided the day it began, 1 when decided the next working day."""
    first, last = local_date(start), local_date(end)
    count, current = 0, first
    while current < last:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def days_overdue(due: datetime, now: datetime) -> int:
    """Calendar days (in China) from the last day the deadline allowed to ``now``'s day; at
    least 1 for anything past its deadline."""
    last_day = local_date(due - timedelta(microseconds=1))
    return max(1, (local_date(now) - last_day).days)
