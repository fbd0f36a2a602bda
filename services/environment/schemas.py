"""The environment service's HTTP contract: request bodies, list queries, and the views of
its records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from services.environment.domain import (
    Classification,
    ClusterOnRecord,
    EnvironmentRules,
    FacilityOnRecord,
    Inspection,
    InspectionStatus,
    LimitTable,
    MeasuredSample,
    Violation,
    ViolationStatus,
)
from shared import geo
from shared.events.environment import InspectionKind, PollutionSeverity, ViolationKind
from shared.events.registry import TreatmentPlantStatus
from shared.pagination import PageQuery
from shared.schemas import Body, LongText, ProvinceQuery, Text, Versioned

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
"""A parameter's code in lower snake case: `cod`, `bod5`, `nh4_n`."""
ColumnCode = Annotated[str, Field(min_length=1, max_length=10)]
Unit = Annotated[str, Field(min_length=1, max_length=40)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
"""A measured value or a limit, exact (never a float)."""
Factor = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=3)]
Finding = Annotated[str, Field(min_length=1, max_length=2000)]


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


# -- inspections ---------------------------------------------------------------------------


class ScheduleInspection(Body):
    facility_id: str = Field(min_length=1, max_length=100)
    scheduled_on: date
    kind: InspectionKind
    team: Text
    operating_since: date | None = Field(
        None,
        description="when the facility began operating (its permit); decides which limit "
        "table applies under a transitional provision; default: its registration",
    )


class SampleBody(Body):
    parameter: Code
    value: Amount
    unit: Unit
    sampled_on: date
    discharge_point: Text
    column: ColumnCode
    kq: Factor | None = None
    kf: Factor | None = None
    condition: Text | None = None


class RecordMeasurements(Body):
    samples: list[SampleBody] = Field(min_length=1, max_length=200)


class CompleteInspection(Versioned):
    carried_out_on: date
    findings: list[Finding] = Field(default_factory=list, max_length=50)


class SampleView(BaseModel):
    id: str
    parameter: str
    value: Decimal
    unit: str
    sampled_on: date
    discharge_point: str
    column: str
    condition: str | None
    kq: Decimal | None
    kf: Decimal | None
    regulation: str
    limit_table_id: str
    limit_max: Decimal | None = Field(description="Cmax used: C × Kq × Kf where they apply")
    limit_min: Decimal | None
    factors_applied: bool
    exceeded: bool
    exceedance_ratio: Decimal = Field(description="value ÷ limit; above 1 is an exceedance")
    band: str | None = Field(description="the multiple band fines are graded by")

    @classmethod
    def of(cls, sample: MeasuredSample) -> SampleView:
        return cls.model_validate({**vars(sample), "limit_table_id": sample.table_id})


class InspectionView(BaseModel):
    id: str
    facility_id: str
    province_code: str
    commune_code: str | None
    cluster_id: str | None
    scheduled_on: date
    kind: InspectionKind
    team: str
    operating_since: date
    status: InspectionStatus
    outcome: str | None
    carried_out_on: date | None
    findings: list[str]
    samples: list[SampleView]
    version: int

    @classmethod
    def of(cls, inspection: Inspection, samples: list[MeasuredSample]) -> InspectionView:
        return cls.model_validate(
            {**vars(inspection), "samples": [SampleView.of(s) for s in samples]}
        )


class InspectionQuery(PageQuery, ProvinceQuery):
    facility_id: str | None = Field(None, max_length=100)
    status: InspectionStatus | None = None
    from_: date | None = Field(None, alias="from", description="scheduled on or after")
    to: date | None = Field(None, description="scheduled on or before")


# -- violations ----------------------------------------------------------------------------


class RemediateViolation(Versioned):
    remediated_on: date
    evidence: LongText


class EscalateViolation(Versioned):
    reason: LongText
    escalated_on: date | None = Field(None, description="default: today")


class ViolationView(BaseModel):
    id: str
    inspection_id: str
    facility_id: str
    province_code: str
    commune_code: str | None
    kind: ViolationKind
    description: str
    parameter: str | None
    exceedance_ratio: Decimal | None
    detected_on: date
    remediation_deadline: date
    overdue: bool
    status: ViolationStatus
    remediated_on: date | None
    evidence: str | None
    escalated_on: date | None
    escalation_reason: str | None
    version: int

    @classmethod
    def of(cls, violation: Violation, today: date) -> ViolationView:
        return cls.model_validate({**vars(violation), "overdue": violation.overdue(today)})


class ViolationQuery(PageQuery, ProvinceQuery):
    facility_id: str | None = Field(None, max_length=100)
    status: ViolationStatus | None = None
    overdue: bool | None = Field(None, description="open past their remediation deadline")


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


# -- facilities and their classification -----------------------------------------------------


class ClassifyFacility(Versioned):
    severity: PollutionSeverity
    relocation_priority: int = Field(ge=1, le=100, description="1 = most urgent")
    classified_on: date
    reasons: list[Finding] = Field(min_length=1, max_length=20)


class DeclassifyFacility(Versioned):
    declassified_on: date
    reason: LongText


class ClassificationView(BaseModel):
    severity: PollutionSeverity | None
    relocation_priority: int | None
    classified_on: date | None
    declassified_on: date | None
    inspection_id: str | None
    reasons: list[str]
    decided_by_hand: bool


class FacilityQuery(PageQuery, ProvinceQuery):
    in_cluster: bool | None = Field(None, description="in a cluster (true) or among homes")
    classified: bool | None = Field(None, description="classified as polluting now")


class FacilitySummaryView(BaseModel):
    id: str
    name: str
    province_code: str
    commune_code: str | None
    sector: str
    cluster_id: str | None
    severity: PollutionSeverity | None
    relocation_priority: int | None


class ClusterOnRecordView(BaseModel):
    """The cluster a facility leases land in, and its central wastewater treatment plant."""

    id: str
    name: str
    treatment_plant: TreatmentPlantStatus
    treatment_capacity_m3_per_day: int | None
    infrastructure_reported_on: date | None


class FacilityView(BaseModel):
    """A facility's compliance record here: its inspections, open violations, standing."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    sector: str
    cluster_id: str | None
    cluster: ClusterOnRecordView | None = Field(
        description="its cluster as the registry last reported it (null outside one, or "
        "while the cluster's facts are on their way)"
    )
    classification: ClassificationView
    inspections: list[InspectionView]
    open_violations: list[ViolationView]
    version: int = Field(description="the classification's version (If-Match)")

    @classmethod
    def of(
        cls,
        facility: FacilityOnRecord,
        cluster: ClusterOnRecord | None,
        standing: Classification,
        inspections: list[InspectionView],
        open_violations: list[ViolationView],
    ) -> FacilityView:
        return cls.model_validate(
            {
                **vars(facility),
                "cluster": None if cluster is None else vars(cluster),
                "classification": vars(standing),
                "inspections": inspections,
                "open_violations": open_violations,
                "version": standing.version,
            }
        )
