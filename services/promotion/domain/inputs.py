"""What each project command takes: the facts of a proposal, an appraisal, a decision, a
payment or a visit, as the HTTP bodies state them."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    MonitoringPhase,
    Outputs,
)


class Proposal(Protocol):
    name: str
    province_code: str
    commune_code: str | None
    plan_id: str | None
    funding_source: FundingSource
    content_group: ContentGroup
    beneficiary_enterprise_id: str | None
    beneficiary_facility_id: str | None
    total_cost_vnd: int
    requested_support_vnd: int
    counterpart_vnd: int
    start_date: date
    end_date: date
    planned_outputs: Outputs


class Appraisal(Protocol):
    result: AppraisalResult
    appraised_on: date
    notes: str | None


class Approval(Protocol):
    """The decision that approves a project and sets its support (quyết định phê duyệt)."""

    decision_number: str
    decision_date: date
    approved_support_vnd: int


class Contract(Protocol):
    contract_number: str
    signed_on: date


class Disbursement(Protocol):
    amount_vnd: int
    kind: DisbursementKind
    date: date


class MonitoringVisit(Protocol):
    date: date
    phase: MonitoringPhase
    findings: str


class Acceptance(Protocol):
    accepted_on: date
    actual_outputs: Outputs


class Settlement(Protocol):
    settled_vnd: int
    settled_on: date


class Pause(Protocol):
    paused_on: date
    reason: str


class Resumption(Protocol):
    resumed_on: date


class Rescheduling(Protocol):
    end_date: date
    reason: str


class Cancellation(Protocol):
    cancelled_on: date
    reason: str


class FundReturn(Protocol):
    amount_vnd: int
    returned_on: date
    note: str | None
