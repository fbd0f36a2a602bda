"""Khuyến công projects (đề án khuyến công): proposed, appraised, approved with their support,
contracted, paid, monitored, accepted and settled; paused, rescheduled, cancelled, or with
funds returned to the budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from services.promotion.domain.caps import SupportCap, cap_in_force, check_support
from services.promotion.domain.inputs import (
    Acceptance,
    Appraisal,
    Approval,
    Cancellation,
    Contract,
    Disbursement,
    FundReturn,
    MonitoringVisit,
    Pause,
    Proposal,
    Rescheduling,
    Resumption,
    Settlement,
)
from services.promotion.domain.lifecycle import (
    CLOSED,
    Money,
    MoreThanHeld,
    OverDisbursement,
    Step,
    check_order,
    check_positive,
)
from services.promotion.domain.plan import Plan
from shared.domain import event_of, new_id
from shared.errors import InvalidInput
from shared.events import promotion as ev
from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    Outputs,
    ProjectStatus,
    ReturnCause,
)
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)
_S = ProjectStatus


def _check_proposal(p: Proposal) -> None:
    check_positive(p.total_cost_vnd, field="total_cost_vnd")
    check_positive(p.requested_support_vnd, field="requested_support_vnd")
    if p.counterpart_vnd < 0:
        raise InvalidInput("counterpart funding cannot be negative", field="counterpart_vnd")
    if p.requested_support_vnd + p.counterpart_vnd > p.total_cost_vnd:
        field = "counterpart_vnd" if p.counterpart_vnd else "requested_support_vnd"
        raise InvalidInput(
            f"support asked ({p.requested_support_vnd} VND) and counterpart funding "
            f"({p.counterpart_vnd} VND) exceed the project's cost ({p.total_cost_vnd} VND)",
            field=field,
        )
    check_order(p.end_date, p.start_date, field="end_date", what="the start date")


@dataclass
class Project:
    """A khuyến công project for a beneficiary (an enterprise, cooperative, household or
    facility; none for the centre's own courses, selections and conferences), funded from one
    source and, when it belongs to one, drawn on a yearly plan."""

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
    status: ProjectStatus = _S.PROPOSED
    appraisal_result: AppraisalResult | None = None
    appraised_on: date | None = None
    decision_number: str | None = None
    decision_date: date | None = None
    approved_support_vnd: int = 0
    support_cap_id: str | None = None
    contract_number: str | None = None
    signed_on: date | None = None
    disbursed_vnd: int = 0
    settled_vnd: int = 0
    returned_vnd: int = 0
    accepted_on: date | None = None
    actual_outputs: Outputs | None = None
    settled_on: date | None = None
    paused_from: ProjectStatus | None = None
    paused_on: date | None = None
    cancelled_on: date | None = None
    reschedulings: int = 0
    """How many times the end date was moved."""
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def money(self) -> Money:
        """Approved, disbursed, settled, returned and remaining (see `Money`)."""
        open_ = self.status not in CLOSED
        return Money(
            approved_vnd=self.approved_support_vnd,
            disbursed_vnd=self.disbursed_vnd,
            settled_vnd=self.settled_vnd,
            returned_vnd=self.returned_vnd,
            remaining_vnd=self.approved_support_vnd - self.disbursed_vnd if open_ else 0,
        )

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"project_id": self.id, **facts})

    @classmethod
    def propose(
        cls, proposal: Proposal, *, plan: Plan | None = None
    ) -> tuple[Project, ev.ProjectProposed]:
        """A new project, proposed; `plan` is the one `proposal.plan_id` names."""
        _check_proposal(proposal)
        if plan is not None:
            plan.check_funds(proposal.province_code, proposal.funding_source)
        # A proposal's facts are the project's fields of the same names.
        facts = {name: getattr(proposal, name) for name in Proposal.__annotations__}
        project = cls(**facts, id=new_id())
        return project, project._event(ev.ProjectProposed)

    def appraise(self, appraisal: Appraisal) -> ev.ProjectAppraised:
        """Record the appraisal; a failed one rejects the proposal for good."""
        Step.APPRAISE.check(self.status)
        passed = appraisal.result is AppraisalResult.PASSED
        self.status = _S.APPRAISED if passed else _S.REJECTED
        self.appraisal_result, self.appraised_on = appraisal.result, appraisal.appraised_on
        return self._event(
            ev.ProjectAppraised,
            result=appraisal.result,
            appraised_on=appraisal.appraised_on,
            notes=appraisal.notes,
        )

    def approve(
        self, decision: Approval, *, caps: Iterable[SupportCap], plan: Plan | None = None
    ) -> ev.ProjectApproved:
        """Grant the support: no more than was asked, within the cap in force on the decision
        date (none in force: no cap applies), and within the plan's budget (409)."""
        Step.APPROVE.check(self.status)
        on, amount = decision.decision_date, decision.approved_support_vnd
        check_order(on, self.appraised_on, field="decision_date", what="the appraisal")
        check_positive(amount, field="approved_support_vnd")
        if amount > self.requested_support_vnd:
            raise InvalidInput(
                f"the approval grants {amount} VND; the proposal asked for "
                f"{self.requested_support_vnd} VND, and support is never more than was asked",
                field="approved_support_vnd",
            )
        cap = cap_in_force(caps, self.province_code, self.content_group, on)
        if cap is not None:
            check_support(cap, self.total_cost_vnd, amount)
        if plan is not None:
            plan.check_year(on, field="decision_date")
            plan.commit(amount)
        self.status, self.approved_support_vnd = _S.APPROVED, amount
        self.decision_number, self.decision_date = decision.decision_number, on
        self.support_cap_id = cap.id if cap else None
        return self._event(ev.ProjectApproved)

    def contract(self, contract: Contract) -> ev.ProjectContracted:
        Step.CONTRACT.check(self.status)
        on = contract.signed_on
        check_order(on, self.decision_date, field="signed_on", what="the approval decision")
        self.status = _S.CONTRACTED
        self.contract_number, self.signed_on = contract.contract_number, on
        return self._event(ev.ProjectContracted)

    def disburse(
        self, disbursement: Disbursement, *, plan: Plan | None = None
    ) -> ev.FundsDisbursed:
        """Pay the beneficiary; in all never more than the approved support (409). The first
        payment puts the project in progress."""
        Step.DISBURSE.check(self.status)
        amount, kind, on = disbursement.amount_vnd, disbursement.kind, disbursement.date
        check_positive(amount, field="amount_vnd")
        check_order(on, self.signed_on, field="date", what="the contract")
        if self.status is _S.ACCEPTED and kind is DisbursementKind.ADVANCE:
            raise InvalidInput(
                "an accepted project is paid, not advanced: use kind payment", field="kind"
            )
        remaining = self.money().remaining_vnd
        if amount > remaining:
            raise OverDisbursement(
                f"disbursing {amount} VND would pass the approved support of "
                f"{self.approved_support_vnd} VND: {remaining} VND remain",
                remaining_vnd=remaining,
            )
        if plan is not None:
            plan.disburse(amount)
        self.disbursed_vnd += amount
        if self.status is _S.CONTRACTED:
            self.status = _S.IN_PROGRESS
        return self._event(
            ev.FundsDisbursed,
            disbursement_id=new_id(),
            amount_vnd=amount,
            disbursement_kind=kind,
            disbursed_on=on,
            remaining_vnd=remaining - amount,
        )

    def record_visit(self, visit: MonitoringVisit) -> ev.MonitoringVisitRecorded:
        Step.RECORD_VISIT.check(self.status)
        check_order(visit.date, self.decision_date, field="date", what="the approval decision")
        return self._event(
            ev.MonitoringVisitRecorded,
            visit_id=new_id(),
            visited_on=visit.date,
            phase=visit.phase,
            findings=visit.findings,
        )

    def accept(self, acceptance: Acceptance) -> ev.ProjectAccepted:
        """Accept the work done (nghiệm thu) with what it actually produced."""
        Step.ACCEPT.check(self.status)
        on = acceptance.accepted_on
        check_order(on, self.start_date, field="accepted_on", what="the project's start")
        check_order(on, self.signed_on, field="accepted_on", what="the contract")
        self.status, self.accepted_on = _S.ACCEPTED, on
        self.actual_outputs = acceptance.actual_outputs
        return self._event(ev.ProjectAccepted)

    def settle(self, settlement: Settlement, *, plan: Plan | None = None) -> list[ev.Event]:
        """Settle the money: `settled_vnd` of what the beneficiary holds is recognised as
        spent, the rest is returned to the budget, and the undrawn support goes back to the
        plan."""
        Step.SETTLE.check(self.status)
        amount, on = settlement.settled_vnd, settlement.settled_on
        check_order(on, self.accepted_on, field="settled_on", what="the acceptance")
        if amount < 0:
            raise InvalidInput("a settlement cannot be negative", field="settled_vnd")
        held = self.money().held_vnd
        if amount > held:
            raise MoreThanHeld(
                f"settling {amount} VND is more than the {held} VND disbursed and not returned",
                held_vnd=held,
            )
        self._close(plan)
        self.status, self.settled_vnd, self.settled_on = _S.SETTLED, amount, on
        events: list[ev.Event] = [self._event(ev.ProjectSettled)]
        return events + self._returned(held - amount, on, ReturnCause.SETTLEMENT, plan)

    def pause(self, pause: Pause) -> ev.ProjectPaused:
        Step.PAUSE.check(self.status)
        on = pause.paused_on
        check_order(on, self.decision_date, field="paused_on", what="the approval decision")
        previous, self.status = self.status, _S.PAUSED
        self.paused_from, self.paused_on = previous, on
        return self._event(
            ev.ProjectPaused, paused_on=on, reason=pause.reason, previous_status=previous
        )

    def resume(self, resumption: Resumption) -> ev.ProjectResumed:
        """Resume the work: back to the status the project had when it was paused."""
        Step.RESUME.check(self.status)
        on = resumption.resumed_on
        check_order(on, self.paused_on, field="resumed_on", what="the pause")
        self.status = self.paused_from or _S.APPROVED
        self.paused_from = None
        return self._event(ev.ProjectResumed, resumed_on=on)

    def reschedule(self, rescheduling: Rescheduling) -> ev.ProjectRescheduled:
        """Move the end date; not once the work is accepted, or the project closed."""
        Step.RESCHEDULE.check(self.status)
        end = rescheduling.end_date
        check_order(end, self.start_date, field="end_date", what="the start date")
        if end == self.end_date:
            raise InvalidInput(f"the project already ends on {end}", field="end_date")
        previous, self.end_date = self.end_date, end
        self.reschedulings += 1
        return self._event(
            ev.ProjectRescheduled, previous_end_date=previous, reason=rescheduling.reason
        )

    def cancel(self, cancellation: Cancellation, *, plan: Plan | None = None) -> list[ev.Event]:
        """Stop the project for good. A cancelled project settles nothing: every đồng the
        beneficiary still holds (disbursed − returned) is returned, and the whole approval
        goes back to the plan."""
        Step.CANCEL.check(self.status)
        on = cancellation.cancelled_on
        check_order(on, self.decision_date, field="cancelled_on", what="the approval decision")
        held = self.money().held_vnd
        self._close(plan)
        previous, self.status, self.cancelled_on = self.status, _S.CANCELLED, on
        self.paused_from = None
        cancelled = self._event(
            ev.ProjectCancelled, reason=cancellation.reason, previous_status=previous
        )
        return [cancelled, *self._returned(held, on, ReturnCause.CANCELLATION, plan)]

    def return_funds(self, fund_return: FundReturn, *, plan: Plan | None = None) -> ev.Event:
        """The beneficiary pays back unspent money before settlement (409 past what it holds)."""
        Step.RETURN_FUNDS.check(self.status)
        amount, on = fund_return.amount_vnd, fund_return.returned_on
        check_positive(amount, field="amount_vnd")
        check_order(on, self.signed_on, field="returned_on", what="the contract")
        held = self.money().held_vnd
        if amount > held:
            raise MoreThanHeld(
                f"returning {amount} VND is more than the {held} VND disbursed and not yet "
                "returned",
                held_vnd=held,
            )
        (returned,) = self._returned(amount, on, ReturnCause.UNSPENT, plan, fund_return.note)
        return returned

    def _close(self, plan: Plan | None) -> None:
        """The approval closes: what was never drawn of it goes back to the plan."""
        if plan is not None:
            plan.release(self.approved_support_vnd - self.disbursed_vnd)

    def _returned(
        self,
        amount: int,
        on: date,
        cause: ReturnCause,
        plan: Plan | None,
        note: str | None = None,
    ) -> list[ev.Event]:
        """Money back to the budget, and the event saying so; nothing when there is none."""
        if amount <= 0:
            return []
        if plan is not None:
            plan.refund(amount)
        self.returned_vnd += amount
        return [
            self._event(ev.FundsReturned, amount_vnd=amount, returned_on=on, cause=cause, note=note)
        ]
