"""How the console writes and reads numbers and dates the Vietnamese way: 1.234.567 đ, 22,5 ha,
65,5%, 05/03/2026; and the officials' input (1,5 ha, 05/03/2026) turned into what the APIs
take (1.5, 2026-03-05)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

Number = int | float | Decimal | str
NOTHING = "—"


def _decimal(value: Number | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def number(value: Number | None, decimals: int = 0, *, trim: bool = True) -> str:
    """`1234567` → `1.234.567`; `22.5` → `22,5` (dot between thousands, comma before decimals;
    at most `decimals` of them, trailing zeros dropped with `trim`)."""
    found = _decimal(value)
    if found is None:
        return NOTHING
    rounded = f"{found:,.{decimals}f}"
    whole, _, fraction = rounded.partition(".")
    if trim:
        fraction = fraction.rstrip("0")
    whole = whole.replace(",", ".")
    if whole in ("-0", "-"):
        whole = "0"
    return f"{whole},{fraction}" if fraction else whole


def vnd(value: Number | None) -> str:
    """Whole đồng: `1234567` → `1.234.567 đ`."""
    text = number(value)
    return text if text == NOTHING else f"{text} đ"


def hectares(value: Number | None) -> str:
    """Hectares to the square metre the APIs keep: `22.5000` → `22,5 ha`."""
    text = number(value, 4)
    return text if text == NOTHING else f"{text} ha"


def percent(rate: Number | None) -> str:
    """A rate of 0..1 as a percentage with one decimal: `0.655` → `65,5%`."""
    found = _decimal(rate)
    return NOTHING if found is None else f"{number(found * 100, 1)}%"


def day(value: date | str | None) -> str:
    """A date as dd/mm/yyyy (`2026-03-05` → `05/03/2026`); an ISO datetime's day."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


_DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def read_day(text: str) -> str:
    """An official's `05/03/2026` (or `5-3-2026`) as the ISO day the APIs take; anything else
    as typed, for the API to judge and name the field."""
    found = _DAY.match(text)
    if found is None:
        return text.strip()
    day_, month, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day_).isoformat()
    except ValueError:
        return text.strip()


def read_decimal(text: str) -> str:
    """An official's `1,5` or `1.234,5` as the `1.5` or `1234.5` the APIs take; a number written
    with a decimal point stays as it is; anything else as typed, for the API to judge."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return cleaned


def read_vnd(text: str) -> str:
    """An official's `250.000.000` or `250 000 000 đ` as the whole đồng the APIs take
    (`250000000`); anything else as typed, for the API to judge."""
    cleaned = text.strip().removesuffix("đ").replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    return cleaned


FILTERS = {
    "so": number,
    "vnd": vnd,
    "ha": hectares,
    "phan_tram": percent,
    "ngay": day,
}
"""The templates' filters: `{{ cluster.leased_area_ha | ha }}`, `{{ day | ngay }}`."""
