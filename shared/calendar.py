"""Vietnam's working days and how the law counts a period of days, for procedure deadlines.

A working day is Monday to Friday, except a public holiday (lunar Tết included) or a day the
government gave off in exchange; a Saturday it made a working day in exchange counts. The
holidays come from the maintained `holidays` library, which follows each year's decisions.

Civil Code 2015, Art. 147–148: a period counted in days starts the day after the event, and
one that would end on a day off ends on the next working day instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _vietnam() -> holidays.HolidayBase:
    return holidays.country_holidays("VN")


@dataclass(frozen=True)
class Days:
    """A legal time limit: so many days, or so many working days, after an event."""

    days: int
    working: bool = False

    def __str__(self) -> str:
        return f"{self.days} {'working ' if self.working else ''}days"

    def end(self, after: date) -> date:
        """The last day of the period that starts the day after `after`."""
        if self.working:
            return nth_working_day(after, self.days)
        return next_working_day(after + timedelta(days=self.days))


def is_working_day(day: date) -> bool:
    return bool(_vietnam().is_working_day(day))


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def nth_working_day(after: date, n: int) -> date:
    """The `n`th working day after `after` (`after` itself never counts)."""
    day = after
    for _ in range(n):
        day = next_working_day(day + timedelta(days=1))
    return day


def working_days_between(after: date, until: date) -> int:
    """How many working days fall after `after`, up to and including `until` (0 if none)."""
    if until <= after:
        return 0
    return int(_vietnam().get_working_days_count(after + timedelta(days=1), until))


def day_off_name(day: date) -> str | None:
    """The holiday `day` is, if it is one (in the library's words)."""
    return _vietnam().get(day)
