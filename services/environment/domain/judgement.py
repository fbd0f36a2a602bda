"""Judging a measured sample against the limit table that applies on its date: the limit
used, how many times over it the sample is, and the band of Decree 45/2022/NĐ-CP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from services.environment.domain.limits import (
    ColumnNotInTable,
    ConditionNotInTable,
    FactorMissing,
    FactorNotApplicable,
    FactorOutOfRange,
    Limit,
    LimitTable,
    ParameterNotInTable,
    UnitMismatch,
    table_in_force,
)

RATIO_QUANTUM = Decimal("0.01")
ONE = Decimal(1)
TWO = Decimal(2)


# -- exceedance bands ------------------------------------------------------------------------


class ExceedanceBand(StrEnum):
    """How many times a sample exceeds its limit, in the bands Decree 45/2022/NĐ-CP fines by.

    Each band runs from its lower multiple (included) to the next one (excluded), as the
    decree words them: "từ 1,1 lần đến dưới 1,5 lần". Verified: "under 1.1 times" (a
    warning) and "from 1.1 to under 1.5 times", as legal commentary quotes Article 18 of
    Decree 45/2022/NĐ-CP (luatvietnam.vn); "from 3 to under 5 times", as the press quotes
    Article 13 of its predecessor, Decree 155/2016/NĐ-CP. The edges 1.5, 2, 5 and 10 could
    not be read in any available copy of Decree 45/2022/NĐ-CP itself.
    """

    UNDER_1_1 = "under-1.1"
    FROM_1_1_UNDER_1_5 = "1.1-1.5"
    FROM_1_5_UNDER_2 = "1.5-2"
    FROM_2_UNDER_3 = "2-3"
    FROM_3_UNDER_5 = "3-5"
    FROM_5_UNDER_10 = "5-10"
    FROM_10 = "10-or-more"


_BAND_FLOORS: tuple[tuple[Decimal, ExceedanceBand], ...] = (
    (Decimal(10), ExceedanceBand.FROM_10),
    (Decimal(5), ExceedanceBand.FROM_5_UNDER_10),
    (Decimal(3), ExceedanceBand.FROM_3_UNDER_5),
    (Decimal(2), ExceedanceBand.FROM_2_UNDER_3),
    (Decimal("1.5"), ExceedanceBand.FROM_1_5_UNDER_2),
    (Decimal("1.1"), ExceedanceBand.FROM_1_1_UNDER_1_5),
)


def exceedance_band(ratio: Decimal) -> ExceedanceBand | None:
    """The band of a sample `ratio` times its limit; None when it does not exceed it (≤ 1)."""
    if ratio <= ONE:
        return None
    for floor, band in _BAND_FLOORS:
        if ratio >= floor:
            return band
    return ExceedanceBand.UNDER_1_1


# -- judging a sample ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A measured sample: one parameter at one discharge point on one day, with the column and
    (under QCVN 40:2011) the Kq and Kf its permit assigns to that discharge point."""

    parameter: str
    value: Decimal
    unit: str
    sampled_on: date
    discharge_point: str
    column: str
    kq: Decimal | None = None
    kf: Decimal | None = None
    condition: str | None = None


@dataclass(frozen=True, kw_only=True)
class Judgement(Sample):
    """A sample judged against the table in force on its date.

    `limit_max` is the Cmax actually used: C × Kq × Kf where the regulation's factors apply
    to the parameter, otherwise C. `exceedance_ratio` (rounded to 0.01) is value ÷ Cmax for a
    maximum; for a range (pH) it measures how far outside the range the value lies relative
    to the bound it breaches: value ÷ max above the range, 2 − value ÷ min below it (pH 5
    against a minimum of 6 gives 1.17), and the larger of the two inside it — so for every
    limit a ratio above 1 means exceeded. `exceeded` and `band` come from the unrounded
    ratio. `band` is None when not exceeded, and for range limits: the multiples of Decree
    45/2022/NĐ-CP are multiples of a maximum, not distances outside a pH range.
    """

    regulation: str
    table_id: str
    limit_max: Decimal | None
    limit_min: Decimal | None
    factors_applied: bool
    exceeded: bool
    exceedance_ratio: Decimal
    band: ExceedanceBand | None = None


def judge(
    sample: Sample,
    tables: Sequence[LimitTable],
    *,
    province_code: str | None = None,
    operating_since: date | None = None,
) -> Judgement:
    """Judge `sample` by the table that applies on its sampling date to a facility of
    `province_code` operating since `operating_since`, or say why it cannot be."""
    table = table_in_force(
        tables, sample.sampled_on, province_code=province_code, operating_since=operating_since
    )
    limit = _limit_for(table, sample)
    _check_unit(table, limit, sample)
    factors = _factor_product(table, limit, sample)
    limit_max = None if limit.max is None else limit.max * factors
    ratio = _ratio(sample.value, limit_max, limit.min)
    exceeded = ratio > ONE
    return Judgement(
        **vars(sample),
        regulation=table.regulation,
        table_id=table.id,
        limit_max=limit_max,
        limit_min=limit.min,
        factors_applied=_factors_apply(table, limit),
        exceeded=exceeded,
        exceedance_ratio=ratio.quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP),
        band=exceedance_band(ratio) if exceeded and limit.min is None else None,
    )


def _limit_for(table: LimitTable, sample: Sample) -> Limit:
    if not table.has_column(sample.column):
        codes = ", ".join(c.code for c in table.columns)
        raise ColumnNotInTable(
            f"{table.regulation} has no column {sample.column!r}; its columns are {codes}",
            field="column",
        )
    candidates = table.limits_for(sample.parameter, sample.column)
    if not candidates:
        raise ParameterNotInTable(
            f"{table.regulation} sets no limit for {sample.parameter!r} in column {sample.column}",
            field="parameter",
        )
    limit = table.limit(sample.parameter, sample.column, sample.condition)
    if limit is None:
        named = "; ".join(repr(c.condition) for c in candidates)
        raise ConditionNotInTable(
            f"{table.regulation} sets {sample.parameter!r} in column {sample.column} "
            f"per condition ({named}); the sample names {sample.condition!r}",
            field="condition",
        )
    return limit


_SAME_UNITS = {"mpn/100ml": "vikhuẩn/100ml", "cfu/100ml": "vikhuẩn/100ml", "pt-co": "pt/co"}
"""Laboratory spellings of a table's unit: coliform counted as MPN (most probable number) or
CFU per 100 mL is the regulation's "vi khuẩn/100mL"; colour in Pt-Co is Pt/Co."""


def _unit_key(unit: str) -> str:
    key = "".join(unit.split()).casefold()
    return _SAME_UNITS.get(key, key)


def _check_unit(table: LimitTable, limit: Limit, sample: Sample) -> None:
    # Laboratories write "mg/l" and "mg/L" alike; any other unit is refused, never converted.
    if _unit_key(sample.unit) != _unit_key(limit.unit):
        raise UnitMismatch(
            f"{table.regulation} states {sample.parameter!r} in {limit.unit!r}, "
            f"not {sample.unit!r}",
            field="unit",
        )


def _factors_apply(table: LimitTable, limit: Limit) -> bool:
    return table.uses_factors and limit.factors_apply


def _factor_product(table: LimitTable, limit: Limit, sample: Sample) -> Decimal:
    """Kq × Kf when they apply to this parameter, else 1, refusing factors the table denies.

    QCVN 40:2011 computes Cmax from both factors, so either missing is refused rather than
    assumed. Factors given for a parameter they do not apply to (pH, temperature, ...) are
    checked against the allowed range but not used: one inspection assigns one Kq and Kf to
    a discharge point, and its samples carry them whatever the parameter.
    """
    given = {"kq": sample.kq, "kf": sample.kf}
    if not table.uses_factors:
        for name, value in given.items():
            if value is not None:
                raise FactorNotApplicable(
                    f"{table.regulation} has no {name.capitalize()}; leave it out",
                    field=name,
                )
        return ONE
    bounds = {"kq": table.kq_range, "kf": table.kf_range}
    for name, value in given.items():
        if value is None:
            if limit.factors_apply:
                raise FactorMissing(
                    f"{table.regulation} needs {name.capitalize()} to compute Cmax "
                    f"for {sample.parameter!r}",
                    field=name,
                )
            continue
        _check_range(table, name, value, bounds[name])
    if not limit.factors_apply or sample.kq is None or sample.kf is None:
        return ONE
    return sample.kq * sample.kf


def _check_range(
    table: LimitTable, name: str, value: Decimal, bounds: tuple[Decimal, Decimal] | None
) -> None:
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise FactorOutOfRange(
            f"{table.regulation} allows {name.capitalize()} from {bounds[0]} to {bounds[1]}, "
            f"not {value}",
            field=name,
        )


def _ratio(value: Decimal, limit_max: Decimal | None, limit_min: Decimal | None) -> Decimal:
    """How many times its limit the value is; above 1 means exceeded (see `Judgement`)."""
    ratios = []
    if limit_max is not None:
        ratios.append(value / limit_max)
    if limit_min is not None:
        ratios.append(TWO - value / limit_min)
    return max(ratios)
