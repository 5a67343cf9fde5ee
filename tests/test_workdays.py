"""The one working-day calendar: public holidays, the weekend days worked in their place (调休),
and weekends only (with a warning) for a year whose arrangement is not yet known."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from core import workdays
from core.workdays import due_at, is_working_day, local_midnight, working_day_after, working_days_between


def test_national_day_is_not_counted():
    # 2026: 1–7 October are holidays; Wednesday 30 September + 1 working day is 8 October.
    assert working_day_after(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert not is_working_day(date(2026, 10, 5))  # a Monday inside the holiday


def test_make_up_weekend_days_are_counted():
    # Saturday 10 October and Saturday 14 February 2026 are worked in place of holidays.
    assert date(2026, 10, 10).weekday() == 5 and is_working_day(date(2026, 10, 10))
    assert is_working_day(date(2026, 2, 14))
    assert working_day_after(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_a_deadline_ends_at_midnight_in_china_after_the_holiday():
    started = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    assert due_at(started, 1) == local_midnight(date(2026, 10, 9))
    # Ten working days from 30 September: 8, 9, 10 (Saturday, worked), 12–16, 19, 20 October.
    assert due_at(started, 10) == local_midnight(date(2026, 10, 21))


def test_working_days_between_two_moments():
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    assert working_days_between(start, start) == 0
    assert working_days_between(start, datetime(2026, 10, 8, 1, 0, tzinfo=UTC)) == 1
    assert working_days_between(start, datetime(2026, 10, 10, 1, 0, tzinfo=UTC)) == 3


def test_an_unknown_year_counts_weekends_only_and_says_so(caplog):
    _, last = workdays.known_years()
    year = last + 1
    monday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 0)
    workdays.is_working_day.cache_clear()  # another test may have asked of that year already
    workdays._warn_unknown_year.cache_clear()
    with caplog.at_level(logging.WARNING, logger="creditbank.workdays"):
        assert working_day_after(monday, 5) == date(year, 1, monday.day + 7)
    assert any(str(year) in r.getMessage() and "周末" in r.getMessage() for r in caplog.records)
