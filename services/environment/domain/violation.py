"""Violations an inspection found: each must be put right by its deadline, or is escalated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from services.environment.domain.rules import EnvironmentRules
from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import environment as ev
from shared.events.environment import InspectionSubject
from shared.principal import Place

if TYPE_CHECKING:
    from services.environment.domain.inspection import Inspection, MeasuredSample

E = TypeVar("E", bound=ev.Event)


class ViolationStatus(StrEnum):
    OPEN = "open"
    REMEDIATED = "remediated"
    ESCALATED = "escalated"


class ViolationClosed(
    Conflict, problem="violation-closed", title="The violation is no longer open"
):
    pass


@dataclass
class Violation:
    """A breach found by an inspection: open until remediated (with evidence) or escalated."""

    id: str
    inspection_id: str
    facility_id: str | None
    province_code: str
    commune_code: str | None
    kind: ev.ViolationKind
    description: str
    parameter: str | None
    exceedance_ratio: Decimal | None
    detected_on: date
    remediation_deadline: date
    status: ViolationStatus = ViolationStatus.OPEN
    remediated_on: date | None = None
    evidence: str | None = None
    escalated_on: date | None = None
    escalation_reason: str | None = None
    cluster_id: str | None = None
    subject: InspectionSubject = InspectionSubject.FACILITY
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def overdue(self, today: date) -> bool:
        return self.status is ViolationStatus.OPEN and today > self.remediation_deadline

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"violation_id": self.id, **facts})

    @classmethod
    def _found(
        cls, inspection: Inspection, on: date, rules: EnvironmentRules, **facts: Any
    ) -> Violation:
        return cls(
            id=new_id(),
            inspection_id=inspection.id,
            facility_id=inspection.facility_id,
            cluster_id=inspection.cluster_id,
            subject=inspection.subject,
            province_code=inspection.province_code,
            commune_code=inspection.commune_code,
            detected_on=on,
            remediation_deadline=rules.remediation_deadline(on, facts.get("exceedance_ratio")),
            **facts,
        )

    @classmethod
    def of_exceedance(
        cls, inspection: Inspection, sample: MeasuredSample, on: date, rules: EnvironmentRules
    ) -> Violation:
        limit = f"{sample.limit_max} {sample.unit}" if sample.limit_max is not None else "range"
        description = (
            f"{sample.parameter} {sample.value} {sample.unit} at {sample.discharge_point} on "
            f"{sample.sampled_on}: {sample.exceedance_ratio}× the limit ({limit}, "
            f"{sample.regulation} column {sample.column})"
        )
        return cls._found(
            inspection,
            on,
            rules,
            kind=ev.ViolationKind.EXCEEDANCE,
            description=description,
            parameter=sample.parameter,
            exceedance_ratio=sample.exceedance_ratio,
        )

    @classmethod
    def of_finding(
        cls, inspection: Inspection, finding: str, on: date, rules: EnvironmentRules
    ) -> Violation:
        return cls._found(
            inspection,
            on,
            rules,
            kind=ev.ViolationKind.FINDING,
            description=finding,
            parameter=None,
            exceedance_ratio=None,
        )

    def recorded(self) -> ev.ViolationRecordedV2:
        return self._event(ev.ViolationRecordedV2)

    def remediate(self, *, on: date, evidence: str) -> ev.ViolationRemediatedV2:
        self._check_open("remediate")
        if on < self.detected_on:
            raise InvalidInput(
                f"a violation found on {self.detected_on} cannot be remediated before",
                field="remediated_on",
            )
        self.status, self.remediated_on, self.evidence = ViolationStatus.REMEDIATED, on, evidence
        return self._event(ev.ViolationRemediatedV2, remediated_on=on, evidence=evidence)

    def escalate(self, *, on: date, reason: str) -> ev.ViolationEscalatedV2:
        self._check_open("escalate")
        if on < self.detected_on:
            raise InvalidInput(
                f"a violation found on {self.detected_on} cannot be escalated before",
                field="escalated_on",
            )
        self.status, self.escalated_on = ViolationStatus.ESCALATED, on
        self.escalation_reason = reason
        return self._event(ev.ViolationEscalatedV2, escalated_on=on, reason=reason)

    def _check_open(self, verb: str) -> None:
        if self.status is not ViolationStatus.OPEN:
            raise ViolationClosed(
                f"cannot {verb} violation {self.id}: it is {self.status.value}",
                current_status=self.status.value,
            )
