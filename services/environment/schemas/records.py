"""Inspections, violations and facilities' standing: their HTTP contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field, model_validator

from services.environment.domain import (
    Classification,
    ClusterOnRecord,
    FacilityOnRecord,
    Inspection,
    InspectionStatus,
    MeasuredSample,
    Violation,
    ViolationStatus,
)
from services.environment.schemas.types import Amount, Code, ColumnCode, Factor, Finding, Unit
from shared.events.environment import (
    InspectionKind,
    InspectionSubject,
    PollutionSeverity,
    ViolationKind,
)
from shared.events.registry import TreatmentPlantStatus
from shared.pagination import PageQuery
from shared.schemas import Body, LongText, ProvinceQuery, Text, Versioned

# -- inspections ---------------------------------------------------------------------------


class ScheduleInspection(Body):
    facility_id: str | None = Field(None, min_length=1, max_length=100)
    treatment_plant_of: str | None = Field(
        None, min_length=1, max_length=100, description="a cluster id: inspect its plant"
    )
    scheduled_on: date
    kind: InspectionKind
    team: Text
    operating_since: date | None = Field(
        None,
        description="when the facility began operating (its permit); decides which limit "
        "table applies under a transitional provision; default: its registration",
    )

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.facility_id is None) == (self.treatment_plant_of is None):
            raise ValueError("facility_id: name a facility, or a cluster in treatment_plant_of")
        return self


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


class RecordMeasurements(Versioned):
    """Samples to judge; `version` (or If-Match), if sent, is the inspection's version the
    caller read: samples entered on an inspection someone has changed since are refused (409)."""

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
    subject: InspectionSubject
    facility_id: str | None
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
    cluster_id: str | None = Field(None, max_length=100, description="of it or its facilities")
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
    subject: InspectionSubject
    facility_id: str | None
    cluster_id: str | None
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
    cluster_id: str | None = Field(None, max_length=100, description="its plant's")
    status: ViolationStatus | None = None
    overdue: bool | None = Field(None, description="open past their remediation deadline")


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
