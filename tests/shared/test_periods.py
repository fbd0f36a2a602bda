"""Circular 14/2024's periods at their boundaries: a half-year is 15 Dec – 14 Jun, a year
15 Dec – 14 Dec, a span of years from its first cut to its last; reports due before the 20th."""

from __future__ import annotations

from datetime import date

import pytest

from shared.errors import InvalidInput
from shared.periods import Period, Span


def test_a_half_year_and_a_year_are_cut_on_the_15th_of_december_before() -> None:
    half, year = Span.parse("2025-H1"), Span.parse("2025")
    assert (half.starts_on, half.ends_on) == (date(2024, 12, 15), date(2025, 6, 14))
    assert (year.starts_on, year.ends_on) == (date(2024, 12, 15), date(2025, 12, 14))
    assert not half.covers(date(2024, 12, 14)) and half.covers(date(2024, 12, 15))
    assert half.covers(date(2025, 6, 14)) and not half.covers(date(2025, 6, 15))
    assert year.covers(date(2025, 12, 14)) and not year.covers(date(2025, 12, 15))


def test_a_span_of_years_sums_each_years_report() -> None:
    span = Span.parse("2021-2025")
    assert (span.starts_on, span.ends_on) == (date(2020, 12, 15), date(2025, 12, 14))
    assert [str(p) for p in span.periods] == ["2021", "2022", "2023", "2024", "2025"]
    assert [str(p) for p in Span.parse("2025-H1").periods] == ["2025-H1"]
    assert str(span) == "2021-2025" and str(Span.parse("2025")) == "2025"


def test_a_report_is_late_from_the_20th() -> None:
    half = Period.parse("2025-H1")
    assert not half.late(date(2025, 6, 19)) and half.late(date(2025, 6, 20))
    assert Period.parse("2025").due_on == date(2025, 12, 19)


@pytest.mark.parametrize("text", ["2025-H2", "2025-2021", "1999", "25", "2025-", "2021-2025-H1"])
def test_anything_else_is_not_a_period(text: str) -> None:
    with pytest.raises(InvalidInput):
        Span.parse(text)
