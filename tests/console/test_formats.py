"""Numbers and dates the Vietnamese way, both as the console writes them and as officials type
them; the reporting period a day falls in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.console import formats
from services.console.pages import current_period, period_choices
from services.console.views import templates


def test_numbers_group_thousands_with_dots_and_decimals_with_a_comma() -> None:
    assert formats.number(1_234_567) == "1.234.567"
    assert formats.number("16150000000000") == "16.150.000.000.000"
    assert formats.number(Decimal("22.5"), 2) == "22,5"
    assert formats.number(Decimal("22.5"), 2, trim=False) == "22,50"
    assert formats.number(0) == "0"
    assert formats.number(-1500) == "-1.500"
    assert formats.number(None) == formats.number("") == formats.number("n/a") == "—"


def test_money_areas_rates_and_days_read_as_officials_write_them() -> None:
    assert formats.vnd(1_234_567) == "1.234.567 đ"
    assert formats.vnd(5_700_000_000) == "5.700.000.000 đ"
    assert formats.hectares("22.5000") == "22,5 ha"
    assert formats.hectares("3204.3100") == "3.204,31 ha"
    assert formats.hectares("10.0000") == "10 ha"
    assert formats.hectares("0.0001") == "0,0001 ha"
    assert formats.percent("0.6550") == "65,5%"
    assert formats.percent("1.0000") == "100%"
    assert formats.percent(Decimal("0.35")) == "35%"
    assert formats.day(date(2026, 3, 5)) == "05/03/2026"
    assert formats.day("2026-03-05") == "05/03/2026"
    assert formats.day("2026-03-05T10:00:00+07:00") == "05/03/2026"
    assert formats.day(None) == "—"


def test_what_officials_type_becomes_what_the_apis_take() -> None:
    assert formats.read_decimal("1,5") == "1.5"
    assert formats.read_decimal(" 1.234,75 ") == "1234.75"
    assert formats.read_decimal("1.5") == "1.5"
    assert formats.read_decimal("abc") == "abc"  # the API names the field
    assert formats.read_day("05/03/2026") == "2026-03-05"
    assert formats.read_day("5-3-2026") == "2026-03-05"
    assert formats.read_day("2026-03-05") == "2026-03-05"
    assert formats.read_day("31/02/2026") == "31/02/2026"  # no such day: the API says so
    assert formats.read_day("") == ""
    assert formats.read_vnd("250.000.000") == "250000000"
    assert formats.read_vnd(" 250 000 000 đ ") == "250000000"
    assert formats.read_vnd("1500000") == "1500000"
    assert formats.read_vnd("1,5") == "1,5"  # not whole đồng: the API says so


def test_the_templates_have_the_filters() -> None:
    rendered = templates.env.from_string(
        "{{ a | vnd }} · {{ b | ha }} · {{ c | phan_tram }} · {{ d | ngay }} · {{ e | so }}"
    ).render(a=1_234_567, b="22.5", c="0.5", d="2025-12-15", e=60480)
    assert rendered == "1.234.567 đ · 22,5 ha · 50% · 15/12/2025 · 60.480"


def test_the_default_period_is_the_circular_14_year_holding_the_day() -> None:
    assert current_period(date(2026, 12, 14)) == "2026"
    assert current_period(date(2026, 12, 15)) == "2027"  # the 2027 cut starts on 15 Dec 2026
    assert current_period(date(2026, 1, 1)) == "2026"
    choices = period_choices(date(2026, 11, 25))
    assert choices[:4] == ["2026-H1", "2026", "2025-H1", "2025"] and choices[-1] == "2022-2026"
