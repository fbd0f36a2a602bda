"""Reporting periods as Circular 14/2024/TT-BCT cuts them: a half-year's data run from
15 December of the year before to 14 June, a year's to 14 December; reports of a half-year or
a year are due before 20 June or 20 December. A span of years (2021-2025) runs from the cut of
its first year to the cut of its last."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})(-H1)?$")


@dataclass(frozen=True)
class Period:
    """`2025-H1` (the first half-year) or `2025` (the whole year), as Circular 14 cuts them."""

    year: int
    half: bool

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Period:
        match = _PERIOD.match(text)
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise InvalidInput(
                f"{text!r} is not a reporting period: write 2025-H1 for a half-year, 2025 for a "
                "year (2000 to 2100)",
                field=field,
            )
        return cls(int(match.group(1)), match.group(2) is not None)

    def __str__(self) -> str:
        return f"{self.year}-H1" if self.half else str(self.year)

    @property
    def starts_on(self) -> date:
        return date(self.year - 1, 12, 15)

    @property
    def ends_on(self) -> date:
        return date(self.year, 6, 14) if self.half else date(self.year, 12, 14)

    @property
    def due_on(self) -> date:
        """The last day a report is on time: the day before 20 Jun or 20 Dec."""
        return date(self.year, 6, 19) if self.half else date(self.year, 12, 19)

    def late(self, filed_on: date) -> bool:
        return filed_on > self.due_on

    def check_filable(self, filed_on: date, *, field: str) -> None:
        """A report covers a period whose data cut has ended."""
        if filed_on <= self.ends_on:
            raise InvalidInput(
                f"the {self} report covers {self.starts_on} to {self.ends_on}: it is filed "
                f"after the cut ends, not on {filed_on}",
                field=field,
            )


_SPAN = re.compile(r"^(\d{4})(?:-(H1|\d{4}))?$")


@dataclass(frozen=True)
class Span:
    """What a report covers: `2025-H1`, `2025`, or the years `2021-2025`."""

    first_year: int
    last_year: int
    half: bool = False

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Span:
        match = _SPAN.match(text)
        first = int(match.group(1)) if match else 0
        tail = match.group(2) if match else None
        last = int(tail) if tail and tail != "H1" else first
        if match is None or not 2000 <= first <= last <= 2100:
            raise InvalidInput(
                f"{text!r} is not a period: write 2025-H1, 2025, or 2021-2025", field=field
            )
        return cls(first, last, tail == "H1")

    def __str__(self) -> str:
        if self.half:
            return f"{self.first_year}-H1"
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"

    @property
    def starts_on(self) -> date:
        return date(self.first_year - 1, 12, 15)

    @property
    def ends_on(self) -> date:
        return date(self.last_year, 6, 14) if self.half else date(self.last_year, 12, 14)

    @property
    def periods(self) -> list[Period]:
        """The filed reports it sums: the half-year's, or each year's annual one."""
        if self.half:
            return [Period(self.first_year, True)]
        return [Period(year, False) for year in range(self.first_year, self.last_year + 1)]

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on
