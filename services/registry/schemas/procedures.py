"""The HTTP contract of procedure dossiers: the steps' bodies, the list query, the view."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, Field

from services.registry.domain import Dossier, Procedure
from services.registry.schemas.records import DecisionNumber
from shared.events.registry import DossierKind, DossierOutcome, DossierStep
from shared.pagination import PageQuery
from shared.schemas import Body, LongText, ProvinceQuery, Text, Versioned


class OpenDossier(Body):
    """The first written request of an enterprise to invest in establishing or expanding a
    cluster: the procedure's first deadline runs from the day it arrived."""

    cluster_id: str = Field(min_length=1, max_length=100)
    kind: DossierKind
    request_received_on: date
    investor_name: Text | None = Field(None, description="the enterprise that asked")


class StepDone(Versioned):
    """A step before the decision: the day it was done (named as its body names it)."""

    day_field: ClassVar[str]
    note: LongText | None = Field(None, description="a reference or remark (a notice's number)")

    @property
    def done_on(self) -> date:
        day: date = getattr(self, self.day_field)
        return day


class AnnounceCall(StepDone):
    day_field = "announced_on"
    announced_on: date = Field(description="the day the call for investors was published")


class ReceiveDossier(StepDone):
    day_field = "received_on"
    received_on: date = Field(description="the day Sở Công Thương received the full dossier")


class AppraiseDossier(StepDone):
    day_field = "appraised_on"
    appraised_on: date = Field(description="the day the appraisal report went to the province")


class DecideDossier(Versioned):
    decided_on: date
    outcome: DossierOutcome
    decision_number: DecisionNumber | None = Field(None, description="required for an approval")


class DossierQuery(PageQuery, ProvinceQuery):
    cluster_id: str | None = Field(None, max_length=100)
    kind: DossierKind | None = None
    open: bool | None = Field(None, description="not yet decided")
    overdue: bool | None = Field(None, description="open, and past the next step's due day")


class StepView(BaseModel):
    step: DossierStep
    period: str = Field(description="the time the law allows, after the step before")
    due_on: date | None = Field(description="none until the step before is done")
    done_on: date | None
    late_working_days: int


class DossierView(BaseModel):
    id: str
    cluster_id: str
    kind: DossierKind
    province_code: str
    commune_code: str | None
    investor_name: str | None
    request_received_on: date
    procedure: str
    steps: list[StepView]
    next_step: DossierStep | None = Field(description="none once decided")
    next_due_on: date | None
    overdue: bool
    overdue_working_days: int
    appraisal_note: str | None
    outcome: DossierOutcome | None
    decision_number: str | None
    version: int

    @classmethod
    def of(cls, dossier: Dossier, procedure: Procedure, today: date) -> DossierView:
        return cls.model_validate(
            {
                **vars(dossier),
                "procedure": procedure.name,
                "steps": [vars(deadline) for deadline in dossier.timeline(procedure)],
                "overdue": dossier.overdue(today),
                "overdue_working_days": dossier.overdue_working_days(today),
            }
        )
