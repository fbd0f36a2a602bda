"""Inspections of production facilities: scheduled, sampled, carried out and closed with an
outcome; each sample judged against the limit table that applies on its date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from services.environment.domain.judgement import Judgement, Sample, judge
from services.environment.domain.limits import LimitTable, MeasurementRejected
from services.environment.domain.rules import EnvironmentRules
from services.environment.domain.violation import Violation
from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import environment as ev
from shared.events.environment import InspectionSubject
from shared.events.registry import TreatmentPlantStatus
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)


class InspectionStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"


class NoTreatmentPlant(
    Conflict, problem="no-treatment-plant", title="The cluster has no treatment plant"
):
    pass


class InspectionClosed(
    Conflict, problem="inspection-closed", title="The inspection is already completed"
):
    pass


@dataclass
class FacilityOnRecord:
    """A production facility as the registry's events describe it (a local read model)."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    sector: str
    cluster_id: str | None
    registered_on: date
    located_on: date | None = None
    """The day of the tenancy (or its end) that put it where `cluster_id` says."""

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)


@dataclass
class ClusterOnRecord:
    """A cluster as the registry's events describe it: where, and its treatment plant."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    treatment_plant: TreatmentPlantStatus = TreatmentPlantStatus.NONE
    treatment_capacity_m3_per_day: int | None = None
    infrastructure_reported_on: date | None = None

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)


class InspectionPlan(Protocol):
    """When, how and by whom an inspection is to be carried out."""

    scheduled_on: date
    kind: ev.InspectionKind
    team: str
    operating_since: date | None


class Completion(Protocol):
    carried_out_on: date
    findings: list[str]


@dataclass(frozen=True, kw_only=True)
class MeasuredSample(Judgement):
    """A sample as recorded in an inspection, with the judgement it got then."""

    id: str
    inspection_id: str

    @classmethod
    def of(cls, inspection_id: str, judged: Judgement) -> MeasuredSample:
        return cls(**vars(judged), id=new_id(), inspection_id=inspection_id)

    def fact(self) -> ev.JudgedSample:
        return ev.JudgedSample.model_validate({**vars(self), "limit_table_id": self.table_id})


@dataclass
class Inspection:
    """An inspection (thanh tra, kiểm tra) of one facility, or of a cluster's central
    wastewater treatment plant: scheduled → completed, with its outcome: compliant, or
    violations found."""

    id: str
    facility_id: str | None
    province_code: str
    commune_code: str | None
    cluster_id: str | None
    scheduled_on: date
    kind: ev.InspectionKind
    team: str
    operating_since: date
    status: InspectionStatus = InspectionStatus.SCHEDULED
    outcome: ev.InspectionOutcome | None = None
    carried_out_on: date | None = None
    findings: list[str] = field(default_factory=list)
    subject: InspectionSubject = InspectionSubject.FACILITY
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"inspection_id": self.id, **facts})

    @classmethod
    def schedule(
        cls, facility: FacilityOnRecord, plan: InspectionPlan
    ) -> tuple[Inspection, ev.InspectionScheduledV2]:
        """An inspection of a facility; it operates since its registration unless told."""
        return cls._scheduled(
            plan,
            facility.place,
            facility_id=facility.id,
            cluster_id=facility.cluster_id,
            operating_since=plan.operating_since or facility.registered_on,
        )

    @classmethod
    def of_treatment_plant(
        cls, cluster: ClusterOnRecord, plan: InspectionPlan
    ) -> tuple[Inspection, ev.InspectionScheduledV2]:
        """An inspection of a cluster's central treatment plant: the cluster must have one."""
        if cluster.treatment_plant is TreatmentPlantStatus.NONE:
            raise NoTreatmentPlant(
                f"{cluster.name} has no central wastewater treatment plant on record "
                "(as the registry last reported it)",
                cluster_id=cluster.id,
            )
        since = cluster.infrastructure_reported_on or plan.scheduled_on
        return cls._scheduled(
            plan,
            cluster.place,
            facility_id=None,
            cluster_id=cluster.id,
            operating_since=plan.operating_since or since,
            subject=InspectionSubject.TREATMENT_PLANT,
        )

    @classmethod
    def _scheduled(
        cls, plan: InspectionPlan, place: Place, **subject: Any
    ) -> tuple[Inspection, ev.InspectionScheduledV2]:
        inspection = cls(
            id=new_id(),
            province_code=place.province_code,
            commune_code=place.commune_code,
            scheduled_on=plan.scheduled_on,
            kind=plan.kind,
            team=plan.team,
            **subject,
        )
        return inspection, inspection._event(ev.InspectionScheduledV2)

    def measure(
        self, samples: Sequence[Sample], tables: Sequence[LimitTable]
    ) -> tuple[list[MeasuredSample], ev.MeasurementsRecordedV2]:
        """Judge each sample by the table that applies to this facility on its date."""
        self._check_open("record measurements of")
        measured = [
            MeasuredSample.of(self.id, self._judge(i, sample, tables))
            for i, sample in enumerate(samples)
        ]
        return measured, self._event(
            ev.MeasurementsRecordedV2, samples=[m.fact() for m in measured]
        )

    def _judge(self, index: int, sample: Sample, tables: Sequence[LimitTable]) -> Judgement:
        try:
            return judge(
                sample,
                tables,
                province_code=self.province_code,
                operating_since=self.operating_since,
            )
        except MeasurementRejected as rejected:
            raise InvalidInput(
                rejected.message, field=f"samples.{index}.{rejected.field}"
            ) from None

    def complete(
        self,
        completion: Completion,
        measured: Sequence[MeasuredSample],
        rules: EnvironmentRules,
    ) -> tuple[list[Violation], list[ev.Event]]:
        """Close the inspection; every exceedance and every finding becomes a violation."""
        self._check_open("complete")
        on = completion.carried_out_on
        if on < self.scheduled_on:
            raise InvalidInput(
                f"an inspection scheduled on {self.scheduled_on} cannot be carried out before",
                field="carried_out_on",
            )
        violations = [
            Violation.of_exceedance(self, sample, on, rules)
            for sample in measured
            if sample.exceeded
        ] + [Violation.of_finding(self, finding, on, rules) for finding in completion.findings]
        self.status, self.carried_out_on = InspectionStatus.COMPLETED, on
        self.findings = list(completion.findings)
        self.outcome = (
            ev.InspectionOutcome.VIOLATIONS_FOUND if violations else ev.InspectionOutcome.COMPLIANT
        )
        completed = self._event(ev.InspectionCompletedV2, violation_ids=[v.id for v in violations])
        return violations, [completed, *(v.recorded() for v in violations)]

    def _check_open(self, verb: str) -> None:
        if self.status is InspectionStatus.COMPLETED:
            raise InspectionClosed(
                f"cannot {verb} inspection {self.id}: it was completed on {self.carried_out_on}",
                current_status=self.status.value,
            )
