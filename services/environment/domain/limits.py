"""Wastewater limit tables (QCVN and provinces' own) as versioned data: which one applies to a
sample, and the reasons a sample cannot be judged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.errors import Conflict, InvalidInput

# -- errors ----------------------------------------------------------------------------------


class MeasurementRejected(
    InvalidInput, problem="measurement-rejected", title="The measurement cannot be judged"
):
    """A sample that cannot be judged as given; `field` names the input to correct."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)
        self.field = field


class NoTableInForce(MeasurementRejected):
    """No limit table was in force on the sampling date."""


class ColumnNotInTable(MeasurementRejected):
    """The table in force has no such column."""


class ParameterNotInTable(MeasurementRejected):
    """The table in force sets no limit for the parameter in that column."""


class ConditionNotInTable(MeasurementRejected):
    """The table sets the parameter's limit per condition, and the sample names none of them."""


class UnitMismatch(MeasurementRejected):
    """The sample is not expressed in the unit of the table's limit."""


class FactorMissing(MeasurementRejected):
    """Kq or Kf is needed to compute Cmax and was not given."""


class FactorNotApplicable(MeasurementRejected):
    """Kq or Kf was given for a regulation that has no such factor."""


class FactorOutOfRange(MeasurementRejected):
    """Kq or Kf lies outside the values the regulation allows."""


class OverlappingTables(
    Conflict, problem="overlapping-limit-tables", title="Limit tables overlap in time"
):
    """Two tables of one kind would be in force on the same day."""

    def __init__(self, message: str, *, regulation: str, table_id: str) -> None:
        super().__init__(message, regulation=regulation, table_id=table_id)
        self.regulation = regulation
        self.table_id = table_id


# -- the tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """One parameter's limit in one column of a table.

    `max` is the regulation's C (before Kq × Kf); `min` is set only for ranges such as pH.
    `condition` tells apart limits of one parameter and column that the regulation sets per
    condition (for instance a band of discharge flow); None when it sets a single value.
    """

    parameter: str
    column: str
    unit: str
    max: Decimal | None
    min: Decimal | None = None
    factors_apply: bool = True
    condition: str | None = None

    def __post_init__(self) -> None:
        if self.max is None and self.min is None:
            raise ValueError(f"{self.parameter}/{self.column}: a limit needs a max or a min")
        # Ratios divide by the bounds, so a bound must be positive.
        for bound in (self.max, self.min):
            if bound is not None and bound <= 0:
                raise ValueError(f"{self.parameter}/{self.column}: bounds must be positive")
        if self.max is not None and self.min is not None and self.min >= self.max:
            raise ValueError(f"{self.parameter}/{self.column}: min must be below max")


@dataclass(frozen=True)
class LimitColumn:
    """A column of a table as the regulation names it, and what it applies to."""

    code: str
    description: str


@dataclass
class LimitTable:
    """One regulation's table of limits, in force from `effective_from` to `effective_to`
    (inclusive; None while no successor is known).

    `uses_factors` says whether the regulation computes Cmax = C × Kq × Kf at all;
    `kq_range`/`kf_range` are the inclusive bounds it allows for those factors.
    `kind` groups the tables that succeed one another (only one of a kind is in force a day).
    `province_code` is set for a province's own regulation (quy chuẩn kỹ thuật địa phương),
    which the law requires to be stricter than the national one and which applies in its
    province instead; None for a national regulation (QCVN).
    `existing_until` is its successor's transitional provision: facilities already operating
    before this table's end keep being judged by it until that day.
    """

    id: str
    regulation: str
    title: str
    effective_from: date
    effective_to: date | None
    description: str
    columns: list[LimitColumn]
    limits: list[Limit]
    uses_factors: bool
    kind: str = "industrial_wastewater"
    kq_range: tuple[Decimal, Decimal] | None = None
    kf_range: tuple[Decimal, Decimal] | None = None
    province_code: str | None = None
    existing_until: date | None = None

    def __post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"{self.regulation}: effective_to precedes effective_from")
        codes = {c.code for c in self.columns}
        keys: set[tuple[str, str, str | None]] = set()
        for limit in self.limits:
            if limit.column not in codes:
                raise ValueError(f"{self.regulation}: {limit.parameter} in unknown column")
            key = (limit.parameter, limit.column, limit.condition)
            if key in keys:
                raise ValueError(f"{self.regulation}: {key} is set twice")
            keys.add(key)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def applies_to(self, day: date, operating_since: date | None) -> bool:
        """In force on `day`, or still applying then to a facility operating before its end."""
        if self.in_force_on(day):
            return True
        ended, until = self.effective_to, self.existing_until
        return (
            ended is not None
            and until is not None
            and operating_since is not None
            and operating_since <= ended < day <= until
        )

    def has_column(self, column: str) -> bool:
        return any(c.code == column for c in self.columns)

    def limits_for(self, parameter: str, column: str) -> list[Limit]:
        return [lim for lim in self.limits if lim.parameter == parameter and lim.column == column]

    def limit(self, parameter: str, column: str, condition: str | None = None) -> Limit | None:
        wanted = _normalised(condition)
        for lim in self.limits_for(parameter, column):
            if _normalised(lim.condition) == wanted:
                return lim
        return None

    def overlaps(self, other: LimitTable) -> bool:
        """Whether both tables are of one kind and in force on at least one common day."""
        if self.kind != other.kind or self.province_code != other.province_code:
            return False
        own_end = self.effective_to or date.max
        other_end = other.effective_to or date.max
        return self.effective_from <= other_end and other.effective_from <= own_end


def _normalised(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split()).casefold()


def table_in_force(
    tables: Iterable[LimitTable],
    day: date,
    *,
    province_code: str | None = None,
    operating_since: date | None = None,
) -> LimitTable:
    """The table that judges a sample taken on `day` at a facility of `province_code`
    operating since `operating_since`: the province's own table where one applies, else the
    national one; a table kept by a transitional provision before its successor."""
    applying = [t for t in tables if t.applies_to(day, operating_since)]
    local = [t for t in applying if t.province_code is not None]
    if province_code is not None and any(t.province_code == province_code for t in local):
        applying = [t for t in local if t.province_code == province_code]
    else:
        applying = [t for t in applying if t.province_code is None]
    kept = [t for t in applying if not t.in_force_on(day)]
    in_force = kept or applying
    if not in_force:
        raise NoTableInForce(f"no limit table is in force on {day.isoformat()}", field="sampled_on")
    if len(in_force) > 1:
        first, second = in_force[0], in_force[1]
        raise OverlappingTables(
            f"{first.regulation} and {second.regulation} are both in force on {day.isoformat()}",
            regulation=second.regulation,
            table_id=second.id,
        )
    return in_force[0]


def check_no_overlap(new: LimitTable, existing: Iterable[LimitTable]) -> None:
    """Refuse a table that would be in force on a day another table of its kind is.

    A table with the same id is the one being revised, so it is not compared with itself.
    """
    for other in existing:
        if other.id != new.id and new.overlaps(other):
            raise OverlappingTables(
                f"{new.regulation} overlaps {other.regulation} (in force {_period(other)})",
                regulation=other.regulation,
                table_id=other.id,
            )


def _period(table: LimitTable) -> str:
    end = table.effective_to.isoformat() if table.effective_to else "until replaced"
    return f"{table.effective_from.isoformat()} – {end}"
