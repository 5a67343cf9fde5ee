"""Review deadlines in working days.

A review step that should take ``n`` working days is due at the end (local midnight) of the
``n``-th working day after the day it began; a step of a chain that names no ``days`` gets
``DEFAULT_STEP_DAYS``, the 10 working days the credit banks promise for stored outcomes.
Working days are Monday to Friday in China's time zone: public holidays and the weekends
worked in their place (调休) are not known to the platform.

Stored-outcome reviews keep the deadline the achievement got when it was stored
(``achievement.review_due_at``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
DEFAULT_STEP_DAYS = 10


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in China, as a UTC datetime."""
    return datetime.combine(day, time(0), LOCAL_TIME).astimezone(timezone.utc)


def working_day_after(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself not counted)."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            n -= 1
    return current


def step_due_at(started: datetime, days: int) -> datetime:
    return local_midnight(working_day_after(local_date(started), days) + timedelta(days=1))


def overdue_before(now: datetime, days: int) -> datetime:
    """The instant such that a step of ``days`` working days that began before it is overdue at
    ``now`` and one that began at or after it is not (the deadline depends only on the day a
    step began, and never comes earlier for a later day)."""
    today = local_date(now)
    start = today - timedelta(days=1)
    while working_day_after(start, days) >= today:
        start -= timedelta(days=1)
    return local_midnight(start + timedelta(days=1))


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Calendar days (in China) from the last day the deadline allowed to ``now``'s day; at
    least 1 for anything past its deadline."""
    last_day = local_date(due_at - timedelta(microseconds=1))
    return max(1, (local_date(now) - last_day).days)
