"""Working days and legal periods in Vietnam: weekends, Tết and the other holidays, swapped
Saturdays, and periods that end on a day off."""

from __future__ import annotations

from datetime import date

from shared.calendar import (
    Days,
    day_off_name,
    is_working_day,
    nth_working_day,
    working_days_between,
)


def test_seven_working_days_skip_the_weekends_and_tet_around_them() -> None:
    # Tết Bính Ngọ: Mon 16 – Fri 20 Feb 2026, with the weekends either side.
    assert nth_working_day(date(2026, 2, 11), 7) == date(2026, 2, 27)
    assert Days(7, working=True).end(date(2026, 2, 11)) == date(2026, 2, 27)
    assert "Lunar New Year" in (day_off_name(date(2026, 2, 17)) or "")


def test_a_period_of_days_ending_on_a_day_off_ends_on_the_next_working_day() -> None:
    assert Days(25).end(date(2026, 1, 26)) == date(2026, 2, 23)  # 20 Feb is Tết
    assert Days(15).end(date(2026, 3, 7)) == date(2026, 3, 23)  # 22 Mar is a Sunday
    assert Days(15).end(date(2026, 3, 5)) == date(2026, 3, 20)  # a Friday: as counted


def test_a_saturday_made_a_working_day_counts_and_its_swapped_weekday_does_not() -> None:
    # 2025: Saturday 26 April worked so that Friday 2 May could be a day off.
    assert is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2025, 5, 2))
    assert not is_working_day(date(2025, 4, 27))  # an ordinary Sunday


def test_working_days_between_count_after_the_first_day_up_to_the_last() -> None:
    assert working_days_between(date(2026, 2, 11), date(2026, 2, 27)) == 7
    assert working_days_between(date(2026, 2, 27), date(2026, 3, 3)) == 2
    assert working_days_between(date(2026, 2, 27), date(2026, 2, 27)) == 0
    assert working_days_between(date(2026, 2, 27), date(2026, 2, 1)) == 0
