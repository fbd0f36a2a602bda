"""Events of the environment service (Sở Nông nghiệp và Môi trường, agency `so-tnmt`):
inspections, their measurements and outcome, violations, and facilities' classification.

Inspections are keyed by inspection id, violations by violation id, classifications by
facility id. Each carries the facility and its province and commune, so a consumer needs
no call back; the actor who caused it travels in the envelope (`ce_actor`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.types import CommuneCode, Measure, ProvinceCode, Ratio


class PollutionSeverity(StrEnum):
    POLLUTING = "polluting"
    SERIOUSLY_POLLUTING = "seriously_polluting"


@catalog.register
class FacilityClassifiedPolluting(
    Event, service="environment", aggregate="facility", subject="facility_id"
):
    """Inspections classified a facility as polluting and asked for its relocation.

    `relocation_priority` is 1 for the most urgent; the scale is set by the province.
    """

    facility_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None
    severity: PollutionSeverity
    relocation_priority: int = Field(ge=1)
    classified_on: date
    inspection_id: str | None = None
    reasons: list[str] = Field(default_factory=list)


@catalog.register
class FacilityDeclassified(
    Event, service="environment", aggregate="facility", subject="facility_id"
):
    """A facility is no longer classified as polluting: it leaves the relocation list."""

    facility_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None
    declassified_on: date
    reason: str


class InspectionKind(StrEnum):
    PERIODIC = "periodic"
    UNSCHEDULED = "unscheduled"
    COMPLAINT = "complaint"


class InspectionOutcome(StrEnum):
    COMPLIANT = "compliant"
    VIOLATIONS_FOUND = "violations_found"


class _InspectionEvent(
    Event, service="environment", aggregate="inspection", subject="inspection_id"
):
    inspection_id: str
    facility_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None


@catalog.register
class InspectionScheduled(_InspectionEvent):
    """An inspection of a facility was scheduled."""

    scheduled_on: date
    kind: InspectionKind
    team: str
    cluster_id: str | None = None


class JudgedSample(BaseModel):
    """One sample as measured, and as judged against the limit in force on its date."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    parameter: str
    value: Measure
    unit: str
    sampled_on: date
    discharge_point: str
    column: str
    kq: Measure | None = None
    kf: Measure | None = None
    regulation: str
    limit_table_id: str
    limit_max: Measure | None = None
    limit_min: Measure | None = None
    exceeded: bool
    exceedance_ratio: Ratio | None = None
    condition: str | None = None
    """The regulation's condition the limit was chosen by (a band of discharge flow)."""
    band: str | None = None
    """The multiple band of Decree 45/2022/NĐ-CP fines are graded by, when exceeded."""


@catalog.register
class MeasurementsRecorded(_InspectionEvent):
    """Samples taken during an inspection were recorded and judged."""

    samples: list[JudgedSample]


@catalog.register
class InspectionCompleted(_InspectionEvent):
    """An inspection was carried out and closed with its outcome."""

    carried_out_on: date
    outcome: InspectionOutcome
    violation_ids: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)


class InspectionSubject(StrEnum):
    FACILITY = "facility"
    """A production facility."""
    TREATMENT_PLANT = "treatment_plant"
    """A cluster's central wastewater treatment plant (`cluster_id`; no `facility_id`)."""


class ViolationKind(StrEnum):
    EXCEEDANCE = "exceedance"
    """A measured parameter over its limit."""
    FINDING = "finding"
    """Something the inspectors found (no permit, a bypass, records missing, ...)."""


class _ViolationEvent(Event, service="environment", aggregate="violation", subject="violation_id"):
    violation_id: str
    inspection_id: str
    facility_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None


@catalog.register
class ViolationRecorded(_ViolationEvent):
    """An inspection found a violation; it must be remediated by its deadline."""

    kind: ViolationKind
    description: str
    parameter: str | None = None
    exceedance_ratio: Ratio | None = None
    detected_on: date
    remediation_deadline: date


@catalog.register
class ViolationRemediated(_ViolationEvent):
    """The facility put a violation right, with evidence."""

    remediated_on: date
    evidence: str


@catalog.register
class ViolationEscalated(_ViolationEvent):
    """A violation went to sanctions or a higher authority (not remediated, or serious)."""

    escalated_on: date
    reason: str


# -- version 2: an inspection's subject may be a cluster's treatment plant --------------------
# Version 2 of each inspection and violation event names its subject: a facility
# (`facility_id`), or a cluster's central treatment plant (`cluster_id`, no facility). The
# service publishes version 2 only; version 1 stays in the catalog for what was published.


class _Subject(BaseModel):
    subject: InspectionSubject = InspectionSubject.FACILITY
    facility_id: str | None = None
    cluster_id: str | None = None


@catalog.register
class InspectionScheduledV2(_Subject, InspectionScheduled):
    """An inspection of a facility, or of a cluster's treatment plant, was scheduled."""

    version: ClassVar[int] = 2


@catalog.register
class MeasurementsRecordedV2(_Subject, MeasurementsRecorded):
    """Samples taken during an inspection were recorded and judged."""

    version: ClassVar[int] = 2


@catalog.register
class InspectionCompletedV2(_Subject, InspectionCompleted):
    """An inspection was carried out and closed with its outcome."""

    version: ClassVar[int] = 2


@catalog.register
class ViolationRecordedV2(_Subject, ViolationRecorded):
    """An inspection found a violation; it must be remediated by its deadline."""

    version: ClassVar[int] = 2


@catalog.register
class ViolationRemediatedV2(_Subject, ViolationRemediated):
    """The facility, or the plant's operator, put a violation right, with evidence."""

    version: ClassVar[int] = 2


@catalog.register
class ViolationEscalatedV2(_Subject, ViolationEscalated):
    """A violation went to sanctions or a higher authority (not remediated, or serious)."""

    version: ClassVar[int] = 2
