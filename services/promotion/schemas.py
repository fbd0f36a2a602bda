"""The promotion service's HTTP contract: request bodies, list queries, and the views of plans,
support caps and khuyến công projects with their money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

from services.promotion.domain import Plan, Project, SupportCap
from shared import geo
from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    MonitoringPhase,
    Outputs,
    ProjectStatus,
)
from shared.pagination import PageQuery
from shared.schemas import Body, ListQuery, Located, LongText, ProvinceQuery, Text, Versioned, Vnd

Year = Field(ge=2000, le=2100)

# -- plans and caps --------------------------------------------------------------------------


class NewPlan(Body):
    province_code: str
    year: int = Year
    funding_source: FundingSource
    budget_vnd: Vnd

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str) -> str:
        return geo.check_province_code(code)


class PlanView(BaseModel):
    id: str
    province_code: str
    year: int
    funding_source: FundingSource
    budget_vnd: int
    committed_vnd: int = Field(description="approved support its projects may still use")
    disbursed_vnd: int = Field(description="paid to beneficiaries and not returned")
    uncommitted_vnd: int
    version: int

    @classmethod
    def of(cls, plan: Plan) -> PlanView:
        return cls.model_validate({**vars(plan), "uncommitted_vnd": plan.uncommitted_vnd})


class PlanQuery(PageQuery, ProvinceQuery):
    year: int | None = Field(None, ge=2000, le=2100)
    funding_source: FundingSource | None = None


class NewSupportCap(Body):
    province_code: str | None = Field(None, description="a province's own cap; none: national")
    content_group: ContentGroup
    valid_from: date
    valid_to: date | None = None
    max_share: Decimal = Field(gt=0, le=1, max_digits=5, decimal_places=4)
    max_vnd: Vnd
    description: LongText

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str | None) -> str | None:
        return None if code is None else geo.check_province_code(code)


class SupportCapView(BaseModel):
    id: str
    province_code: str | None
    content_group: ContentGroup
    valid_from: date
    valid_to: date | None
    max_share: Decimal
    max_vnd: int
    description: str

    @classmethod
    def of(cls, cap: SupportCap) -> SupportCapView:
        return cls.model_validate(cap, from_attributes=True)


class SupportCapQuery(PageQuery, ProvinceQuery):
    content_group: ContentGroup | None = None
    in_force_on: date | None = None


# -- projects --------------------------------------------------------------------------------


class ProposeProject(Body, Located):
    name: Text
    plan_id: str | None = Field(None, max_length=100)
    funding_source: FundingSource
    content_group: ContentGroup
    beneficiary_enterprise_id: str | None = Field(None, max_length=100)
    beneficiary_facility_id: str | None = Field(None, max_length=100)
    total_cost_vnd: Vnd
    requested_support_vnd: Vnd
    counterpart_vnd: Vnd
    start_date: date
    end_date: date
    planned_outputs: Outputs = Field(default_factory=Outputs)


class MoneyView(BaseModel):
    approved_vnd: int
    disbursed_vnd: int
    settled_vnd: int
    returned_vnd: int
    remaining_vnd: int = Field(description="what may still be disbursed")
    held_vnd: int = Field(description="disbursed, neither settled nor returned")


class DisbursementView(BaseModel):
    id: str
    amount_vnd: int
    kind: DisbursementKind
    disbursed_on: date


class MonitoringVisitView(BaseModel):
    id: str
    visited_on: date
    phase: MonitoringPhase
    findings: str


class ProjectView(BaseModel):
    id: str
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
    actual_outputs: Outputs | None
    status: ProjectStatus
    appraised_on: date | None
    decision_number: str | None
    decision_date: date | None
    support_cap_id: str | None
    contract_number: str | None
    signed_on: date | None
    accepted_on: date | None
    settled_on: date | None
    paused_on: date | None
    cancelled_on: date | None
    reschedulings: int
    money: MoneyView
    disbursements: list[DisbursementView]
    monitoring_visits: list[MonitoringVisitView]
    version: int

    @classmethod
    def of(cls, project: Project, history: dict[str, list[Any]]) -> ProjectView:
        money = project.money()
        return cls.model_validate(
            {**vars(project), **history, "money": {**vars(money), "held_vnd": money.held_vnd}}
        )


class ProjectQuery(ListQuery):
    status: ProjectStatus | None = None
    funding_source: FundingSource | None = None
    content_group: ContentGroup | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="the year it starts")


class Appraise(Versioned):
    result: AppraisalResult
    appraised_on: date
    notes: LongText | None = None


class Approve(Versioned):
    decision_number: Text
    decision_date: date
    approved_support_vnd: Vnd


class SignContract(Versioned):
    contract_number: Text
    signed_on: date


class Disburse(Versioned):
    amount_vnd: Vnd
    kind: DisbursementKind
    date: date


class RecordVisit(Versioned):
    date: date
    phase: MonitoringPhase
    findings: LongText


class Accept(Versioned):
    accepted_on: date
    actual_outputs: Outputs


class Settle(Versioned):
    settled_vnd: Vnd
    settled_on: date


class Pause(Versioned):
    paused_on: date
    reason: LongText


class Resume(Versioned):
    resumed_on: date


class Reschedule(Versioned):
    end_date: date
    reason: LongText


class Cancel(Versioned):
    cancelled_on: date
    reason: LongText


class ReturnFunds(Versioned):
    amount_vnd: Vnd
    returned_on: date
    note: LongText | None = None


# -- the summary -----------------------------------------------------------------------------


class SummaryQuery(ProvinceQuery):
    from_: date | None = Field(None, alias="from", description="projects starting on or after")
    to: date | None = Field(None, description="projects starting on or before")


class Totals(BaseModel):
    projects: int = 0
    approved_vnd: int = 0
    disbursed_vnd: int = 0
    settled_vnd: int = 0
    returned_vnd: int = 0
    counterpart_vnd: int = 0

    @classmethod
    def of(cls, projects: list[Project]) -> Totals:
        money = [p.money() for p in projects]
        return cls(
            projects=len(projects),
            approved_vnd=sum(m.approved_vnd for m in money),
            disbursed_vnd=sum(m.disbursed_vnd for m in money),
            settled_vnd=sum(m.settled_vnd for m in money),
            returned_vnd=sum(m.returned_vnd for m in money),
            counterpart_vnd=sum(p.counterpart_vnd for p in projects),
        )


class SummaryView(BaseModel):
    """What a province's khuyến công produced: exact integers, as its reports carry them."""

    province_code: str | None
    from_: date | None = Field(serialization_alias="from")
    to: date | None
    projects: int
    by_status: dict[str, int]
    by_funding_source: dict[str, Totals]
    by_content_group: dict[str, Totals]
    total: Totals
    outputs: Outputs = Field(description="accepted projects' actual outputs")
    paused: int = Field(description="projects ever paused")
    rescheduled: int
    cancelled: int
