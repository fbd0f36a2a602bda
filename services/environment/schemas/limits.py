"""The limit tables' and the provinces' rules' HTTP contract: what judges a sample and
classifies a facility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from services.environment.domain import (
    EnvironmentRules,
    LimitTable,
)
from services.environment.schemas.types import Amount, Code, ColumnCode, Factor, Unit
from shared import geo
from shared.pagination import PageQuery
from shared.schemas import Body, LongText, ProvinceQuery, Text, Versioned

# -- limit tables ------------------------------------------------------------------------


class LimitColumnBody(Body):
    code: ColumnCode
    description: LongText


class LimitBody(Body):
    parameter: Code
    column: ColumnCode
    unit: Unit
    max: Amount | None = Field(None, gt=0)
    min: Amount | None = Field(None, gt=0, description="the range's lower bound (pH)")
    factors_apply: bool = Field(True, description="Cmax = C × Kq × Kf for this parameter")
    condition: Text | None = Field(None, description="e.g. a band of discharge flow")

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.max is None and self.min is None:
            raise ValueError("max: a limit needs a max, a min or both")
        if self.max is not None and self.min is not None and self.min >= self.max:
            raise ValueError("min: must be below max")
        return self


class FactorRange(Body):
    min: Factor
    max: Factor


class NewLimitTable(Body):
    regulation: Text
    title: Text
    effective_from: date
    effective_to: date | None = None
    existing_until: date | None = Field(
        None, description="facilities operating before effective_to keep this table until"
    )
    description: LongText
    province_code: str | None = Field(
        None, description="a province's own regulation; none for a national one"
    )
    kind: Code = "industrial_wastewater"
    uses_factors: bool = False
    kq_range: FactorRange | None = None
    kf_range: FactorRange | None = None
    columns: list[LimitColumnBody] = Field(min_length=1, max_length=20)
    limits: list[LimitBody] = Field(min_length=1, max_length=500)

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str | None) -> str | None:
        return None if code is None else geo.check_province_code(code)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to: a table cannot end before it starts")
        if self.existing_until is not None and (
            self.effective_to is None or self.existing_until < self.effective_to
        ):
            raise ValueError("existing_until: it extends the table past its effective_to")
        return self


class LimitView(BaseModel):
    parameter: str
    column: str
    unit: str
    max: Decimal | None
    min: Decimal | None
    factors_apply: bool
    condition: str | None


class LimitTableView(BaseModel):
    id: str
    regulation: str
    title: str
    kind: str
    province_code: str | None
    effective_from: date
    effective_to: date | None
    existing_until: date | None
    description: str
    uses_factors: bool
    kq_range: tuple[Decimal, Decimal] | None
    kf_range: tuple[Decimal, Decimal] | None
    columns: list[dict[str, str]]
    limits: list[LimitView]

    @classmethod
    def of(cls, table: LimitTable) -> LimitTableView:
        facts: dict[str, Any] = dict(vars(table))
        facts["columns"] = [vars(c) for c in table.columns]
        facts["limits"] = [vars(lim) for lim in table.limits]
        return cls.model_validate(facts)


class LimitTableQuery(PageQuery, ProvinceQuery):
    in_force_on: date | None = Field(None, description="only the tables in force that day")


# -- a province's rules ------------------------------------------------------------------


class ChangePollutionRules(Versioned):
    serious_ratio: Decimal = Field(gt=1, le=100, max_digits=6, decimal_places=2)
    repeat_inspections: int = Field(ge=1, le=20)
    repeat_window_months: int = Field(ge=1, le=120)
    remediation_days_serious: int = Field(ge=1, le=3650)
    remediation_days_exceedance: int = Field(ge=1, le=3650)
    remediation_days_finding: int = Field(ge=1, le=3650)


class PollutionRulesView(BaseModel):
    """When a facility pollutes, and how long a violation may stay open, in one province."""

    province_code: str
    serious_ratio: Decimal = Field(description="a sample this many times its limit: serious")
    repeat_inspections: int = Field(description="inspections with exceedances that pollute")
    repeat_window_months: int = Field(description="...within this many months")
    remediation_days_serious: int
    remediation_days_exceedance: int
    remediation_days_finding: int
    set_by_province: bool = Field(description="false while it follows the platform defaults")
    version: int

    @classmethod
    def of(
        cls, province_code: str, rules: EnvironmentRules, version: int | None
    ) -> PollutionRulesView:
        return cls.model_validate(
            {
                **vars(rules),
                "province_code": province_code,
                "set_by_province": version is not None,
                "version": version or 1,
            }
        )
