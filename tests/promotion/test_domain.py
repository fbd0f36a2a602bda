"""The promotion service's rules without a database: plans, caps, a project's lifecycle and
its money, and the events each step publishes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.promotion.caps_data import (
    CIRCULAR_28_2018_MACHINERY,
    SON_LA_DEMONSTRATION_EXAMPLE,
)
from services.promotion.domain import (
    IllegalTransition,
    Money,
    MoreThanHeld,
    OverBudget,
    OverCap,
    OverDisbursement,
    Plan,
    Project,
    SupportCap,
    cap_in_force,
    check_support,
)
from shared.errors import InvalidInput
from shared.events import promotion as ev
from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    MonitoringPhase,
    Outputs,
    ProjectStatus,
    ReturnCause,
)

SON_LA = "14"
CAPS = (CIRCULAR_28_2018_MACHINERY, SON_LA_DEMONSTRATION_EXAMPLE)
DEMONSTRATION = ContentGroup.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER
MILLION = 1_000_000


@dataclass
class PlanTerms:
    province_code: str = SON_LA
    year: int = 2019
    funding_source: FundingSource = FundingSource.LOCAL
    budget_vnd: int = 1_000 * MILLION


@dataclass
class Proposal:
    name: str = "Máy sấy chè cho HTX Chiềng Ve"
    province_code: str = SON_LA
    commune_code: str | None = None
    plan_id: str | None = None
    funding_source: FundingSource = FundingSource.LOCAL
    content_group: ContentGroup = DEMONSTRATION
    beneficiary_enterprise_id: str | None = "enterprise-1"
    beneficiary_facility_id: str | None = "facility-1"
    total_cost_vnd: int = 1_000 * MILLION
    requested_support_vnd: int = 300 * MILLION
    counterpart_vnd: int = 700 * MILLION
    start_date: date = date(2019, 4, 1)
    end_date: date = date(2019, 12, 31)
    planned_outputs: Outputs = field(default_factory=lambda: Outputs(facilities_given_machinery=1))


@dataclass
class Appraisal:
    result: AppraisalResult = AppraisalResult.PASSED
    appraised_on: date = date(2019, 3, 1)
    notes: str | None = None


@dataclass
class Approval:
    approved_support_vnd: int = 250 * MILLION
    decision_number: str = "123/QĐ-SCT"
    decision_date: date = date(2019, 3, 15)


@dataclass
class Contract:
    contract_number: str = "07/HĐ-KC"
    signed_on: date = date(2019, 3, 20)


@dataclass
class Disbursement:
    amount_vnd: int
    kind: DisbursementKind = DisbursementKind.ADVANCE
    date: date = date(2019, 4, 2)


@dataclass
class Visit:
    date: date = date(2019, 6, 1)
    phase: MonitoringPhase = MonitoringPhase.DURING
    findings: str = "machine installed"


@dataclass
class Acceptance:
    accepted_on: date = date(2019, 12, 20)
    actual_outputs: Outputs = field(default_factory=lambda: Outputs(facilities_given_machinery=1))


@dataclass
class Settlement:
    settled_vnd: int
    settled_on: date = date(2019, 12, 30)


@dataclass
class Pause:
    paused_on: date = date(2019, 7, 1)
    reason: str = "flooding"


@dataclass
class Resumption:
    resumed_on: date = date(2019, 8, 1)


@dataclass
class Rescheduling:
    end_date: date
    reason: str = "machine delivered late"


@dataclass
class Cancellation:
    cancelled_on: date = date(2019, 9, 1)
    reason: str = "the cooperative was dissolved"


@dataclass
class FundReturn:
    amount_vnd: int
    returned_on: date = date(2019, 9, 1)
    note: str | None = None


def _cap(
    province_code: str | None,
    share: str,
    max_vnd: int,
    valid_from: date,
    valid_to: date | None = None,
) -> SupportCap:
    return SupportCap(
        id=f"{province_code}-{valid_from}",
        province_code=province_code,
        content_group=DEMONSTRATION,
        valid_from=valid_from,
        valid_to=valid_to,
        max_share=Decimal(share),
        max_vnd=max_vnd,
    )


def _plan(budget_vnd: int = 1_000 * MILLION) -> Plan:
    plan, _ = Plan.create(PlanTerms(budget_vnd=budget_vnd))
    return plan


def _project(plan: Plan | None = None, **proposal: Any) -> Project:
    terms = Proposal(plan_id=plan.id if plan else None, **proposal)
    project, _ = Project.propose(terms, plan=plan)
    return project


def _approved(plan: Plan | None = None, amount: int = 250 * MILLION) -> Project:
    project = _project(plan)
    project.appraise(Appraisal())
    project.approve(Approval(approved_support_vnd=amount), caps=CAPS, plan=plan)
    return project


def _contracted(plan: Plan | None = None, amount: int = 250 * MILLION) -> Project:
    project = _approved(plan, amount)
    project.contract(Contract())
    return project


# -- plans -----------------------------------------------------------------------------------


def test_a_plan_refuses_an_approval_past_its_budget_naming_what_remains() -> None:
    plan = _plan(budget_vnd=400 * MILLION)
    _approved(plan, 250 * MILLION)
    second = _project(plan)
    second.appraise(Appraisal())
    with pytest.raises(OverBudget) as refused:
        second.approve(Approval(approved_support_vnd=200 * MILLION), caps=(), plan=plan)
    assert refused.value.status_code == 409
    assert refused.value.extensions == {"remaining_vnd": 150 * MILLION}
    assert "150000000 VND remain" in refused.value.message
    assert (plan.committed_vnd, second.status) == (250 * MILLION, ProjectStatus.APPRAISED)


def test_a_plan_funds_only_its_own_province_source_and_year() -> None:
    plan = _plan()
    with pytest.raises(InvalidInput) as other_source:
        _project(plan, funding_source=FundingSource.NATIONAL)
    assert other_source.value.extensions["errors"][0]["field"] == "plan_id"
    project = _project(plan)
    project.appraise(Appraisal(appraised_on=date(2018, 12, 1)))
    with pytest.raises(InvalidInput) as other_year:
        project.approve(Approval(decision_date=date(2018, 12, 20)), caps=(), plan=plan)
    assert other_year.value.extensions["errors"][0]["field"] == "decision_date"


def test_plan_created_carries_its_budget() -> None:
    plan, created = Plan.create(PlanTerms())
    assert isinstance(created, ev.PlanCreated)
    assert (created.plan_id, created.year, created.budget_vnd) == (plan.id, 2019, 1_000 * MILLION)
    assert created.topic() == "ccn.promotion.plan"


# -- caps ------------------------------------------------------------------------------------


def test_the_provinces_own_cap_applies_instead_of_the_national_one() -> None:
    on = date(2022, 6, 1)
    assert cap_in_force(CAPS, SON_LA, DEMONSTRATION, on) is SON_LA_DEMONSTRATION_EXAMPLE
    assert cap_in_force(CAPS, "01", DEMONSTRATION, on) is CIRCULAR_28_2018_MACHINERY
    information = ContentGroup.INFORMATION_AND_COMMUNICATION
    assert cap_in_force(CAPS, SON_LA, information, on) is None


def test_a_cap_applies_only_from_its_valid_from_and_until_its_valid_to() -> None:
    assert cap_in_force(CAPS, SON_LA, DEMONSTRATION, date(2020, 12, 31)) is (
        CIRCULAR_28_2018_MACHINERY
    )
    assert cap_in_force(CAPS, SON_LA, DEMONSTRATION, date(2021, 1, 1)) is (
        SON_LA_DEMONSTRATION_EXAMPLE
    )
    assert cap_in_force(CAPS, "01", DEMONSTRATION, date(2018, 5, 11)) is None
    ended = _cap(SON_LA, "0.2", 100 * MILLION, date(2019, 1, 1), valid_to=date(2019, 12, 31))
    caps = (CIRCULAR_28_2018_MACHINERY, ended)
    assert cap_in_force(caps, SON_LA, DEMONSTRATION, date(2019, 12, 31)) is ended
    assert cap_in_force(caps, SON_LA, DEMONSTRATION, date(2020, 1, 1)) is (
        CIRCULAR_28_2018_MACHINERY
    )


def test_a_later_cap_of_the_same_scope_supersedes_the_earlier() -> None:
    old = _cap(SON_LA, "0.3", 500 * MILLION, date(2019, 1, 1))
    new = _cap(SON_LA, "0.4", 600 * MILLION, date(2023, 1, 1))
    assert cap_in_force((new, old), SON_LA, DEMONSTRATION, date(2022, 12, 31)) is old
    assert cap_in_force((new, old), SON_LA, DEMONSTRATION, date(2023, 1, 1)) is new


def test_support_is_held_to_the_lower_of_the_share_and_the_amount() -> None:
    cap = CIRCULAR_28_2018_MACHINERY
    assert cap.allowed_vnd(400 * MILLION) == 200 * MILLION  # 50 % binds
    assert cap.allowed_vnd(1_000 * MILLION) == 300 * MILLION  # 300 million binds
    assert cap.allowed_vnd(333) == 166  # rounded down to the đồng
    check_support(cap, 1_000 * MILLION, 300 * MILLION)
    with pytest.raises(OverCap) as refused:
        check_support(cap, 1_000 * MILLION, 300 * MILLION + 1)
    assert refused.value.status_code == 422
    assert refused.value.extensions["errors"][0]["field"] == "approved_support_vnd"
    assert "50.00% of the 1000000000 VND cost and at most 300000000 VND" in refused.value.message


def test_approval_checks_the_cap_in_force_on_the_decision_date() -> None:
    # On a 2 billion cost the national cap allows 300 million; Sơn La's own, from 2021, 600.
    costly: dict[str, Any] = {
        "total_cost_vnd": 2_000 * MILLION,
        "requested_support_vnd": 700 * MILLION,
        "counterpart_vnd": 1_300 * MILLION,
    }
    in_2019 = _project(**costly)
    in_2019.appraise(Appraisal())
    with pytest.raises(OverCap):
        in_2019.approve(Approval(approved_support_vnd=500 * MILLION), caps=CAPS)
    approved = in_2019.approve(Approval(approved_support_vnd=300 * MILLION), caps=CAPS)
    assert approved.support_cap_id == CIRCULAR_28_2018_MACHINERY.id
    in_2021 = _project(**costly)
    in_2021.appraise(Appraisal(appraised_on=date(2021, 3, 1)))
    decided = date(2021, 3, 2)
    with pytest.raises(OverCap):
        in_2021.approve(
            Approval(approved_support_vnd=600 * MILLION + 1, decision_date=decided),
            caps=CAPS,
        )
    approved = in_2021.approve(
        Approval(approved_support_vnd=500 * MILLION, decision_date=decided), caps=CAPS
    )
    assert (approved.support_cap_id, approved.approved_support_vnd) == (
        SON_LA_DEMONSTRATION_EXAMPLE.id,
        500 * MILLION,
    )


def test_a_cap_is_set_with_a_share_between_0_and_1_and_publishes_its_figures() -> None:
    @dataclass
    class Terms:
        province_code: str | None = SON_LA
        content_group: ContentGroup = DEMONSTRATION
        valid_from: date = date(2024, 1, 1)
        valid_to: date | None = None
        max_share: Decimal = Decimal("0.3")
        max_vnd: int = 800 * MILLION
        description: str = "Nghị quyết HĐND tỉnh"

    cap, event = SupportCap.set(Terms())
    assert (event.support_cap_id, event.max_share, event.max_vnd) == (
        cap.id,
        Decimal("0.3000"),
        800 * MILLION,
    )
    assert event.topic() == "ccn.promotion.support_cap"
    for bad, name in (
        (Terms(max_share=Decimal("1.2")), "max_share"),
        (Terms(max_vnd=0), "max_vnd"),
        (Terms(valid_to=date(2023, 12, 31)), "valid_to"),
    ):
        with pytest.raises(InvalidInput) as refused:
            SupportCap.set(bad)
        assert refused.value.extensions["errors"][0]["field"] == name


# -- the lifecycle ---------------------------------------------------------------------------


def test_a_proposal_carries_its_planned_outputs_and_amounts() -> None:
    project, proposed = Project.propose(Proposal())
    assert isinstance(proposed, ev.ProjectProposed)
    assert proposed.project_id == project.id
    assert proposed.status is ProjectStatus.PROPOSED
    assert (proposed.requested_support_vnd, proposed.counterpart_vnd) == (
        300 * MILLION,
        700 * MILLION,
    )
    assert proposed.planned_outputs.facilities_given_machinery == 1
    assert (proposed.approved_support_vnd, proposed.disbursed_vnd) == (0, 0)


def test_a_proposal_asking_more_than_its_cost_or_ending_before_it_starts_is_refused() -> None:
    for bad, name in (
        ({"counterpart_vnd": 800 * MILLION}, "counterpart_vnd"),
        ({"requested_support_vnd": 0}, "requested_support_vnd"),
        ({"end_date": date(2019, 3, 31)}, "end_date"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _project(**bad)
        assert refused.value.extensions["errors"][0]["field"] == name


def test_a_failed_appraisal_rejects_the_project_for_good() -> None:
    project = _project()
    appraised = project.appraise(Appraisal(result=AppraisalResult.FAILED, notes="no market"))
    assert (appraised.status, appraised.notes) == (ProjectStatus.REJECTED, "no market")
    with pytest.raises(IllegalTransition):
        project.approve(Approval(), caps=())
    with pytest.raises(IllegalTransition):
        project.cancel(Cancellation())


def test_approval_never_grants_more_than_was_asked() -> None:
    project = _project(requested_support_vnd=100 * MILLION)
    project.appraise(Appraisal())
    with pytest.raises(InvalidInput) as refused:
        project.approve(Approval(approved_support_vnd=100 * MILLION + 1), caps=())
    assert refused.value.extensions["errors"][0]["field"] == "approved_support_vnd"


@pytest.mark.parametrize(
    ("step", "status"),
    [
        (lambda p: p.approve(Approval(), caps=()), "proposed"),
        (lambda p: p.contract(Contract()), "proposed"),
        (lambda p: p.disburse(Disbursement(MILLION)), "proposed"),
        (lambda p: p.accept(Acceptance()), "proposed"),
        (lambda p: p.settle(Settlement(0)), "proposed"),
        (lambda p: p.pause(Pause()), "proposed"),
        (lambda p: p.resume(Resumption()), "proposed"),
    ],
)
def test_a_step_out_of_order_is_an_illegal_transition(
    step: Callable[[Project], object], status: str
) -> None:
    project = _project()
    with pytest.raises(IllegalTransition) as refused:
        step(project)
    assert refused.value.status_code == 409
    assert refused.value.extensions == {"current_status": status}
    assert project.status is ProjectStatus.PROPOSED


def test_dates_must_follow_the_lifecycle() -> None:
    project = _approved()
    with pytest.raises(InvalidInput) as early_contract:
        project.contract(Contract(signed_on=date(2019, 3, 14)))
    assert early_contract.value.extensions["errors"][0]["field"] == "signed_on"
    project.contract(Contract())
    with pytest.raises(InvalidInput) as early_payment:
        project.disburse(Disbursement(MILLION, date=date(2019, 3, 19)))
    assert early_payment.value.extensions["errors"][0]["field"] == "date"
    with pytest.raises(InvalidInput) as early_acceptance:
        project.accept(Acceptance(accepted_on=date(2019, 3, 31)))  # before the start
    assert early_acceptance.value.extensions["errors"][0]["field"] == "accepted_on"


def test_the_full_lifecycle_ends_settled_with_the_unspent_rest_returned() -> None:
    plan = _plan()
    project = _contracted(plan)
    advance = project.disburse(Disbursement(100 * MILLION), plan=plan)
    assert (advance.status, advance.disbursed_vnd, advance.remaining_vnd) == (
        ProjectStatus.IN_PROGRESS,
        100 * MILLION,
        150 * MILLION,
    )
    visit = project.record_visit(Visit())
    assert (visit.phase, visit.visited_on) == (MonitoringPhase.DURING, date(2019, 6, 1))
    accepted = project.accept(Acceptance())
    assert accepted.actual_outputs.facilities_given_machinery == 1
    payment = Disbursement(120 * MILLION, DisbursementKind.PAYMENT, date(2019, 12, 22))
    project.disburse(payment, plan=plan)
    settled, returned = project.settle(Settlement(200 * MILLION), plan=plan)
    assert isinstance(settled, ev.ProjectSettled) and isinstance(returned, ev.FundsReturned)
    assert (settled.status, settled.settled_vnd) == (ProjectStatus.SETTLED, 200 * MILLION)
    assert (returned.amount_vnd, returned.cause, returned.returned_vnd) == (
        20 * MILLION,
        ReturnCause.SETTLEMENT,
        20 * MILLION,
    )
    assert project.money() == Money(250 * MILLION, 220 * MILLION, 200 * MILLION, 20 * MILLION, 0)
    # The plan keeps what was spent: the 30 million never drawn and the 20 returned go back.
    assert (plan.committed_vnd, plan.disbursed_vnd) == (200 * MILLION, 200 * MILLION)


def test_disbursements_never_exceed_the_approved_support() -> None:
    project = _contracted(amount=250 * MILLION)
    project.disburse(Disbursement(200 * MILLION))
    with pytest.raises(OverDisbursement) as refused:
        project.disburse(Disbursement(50 * MILLION + 1))
    assert refused.value.status_code == 409
    assert refused.value.extensions == {"remaining_vnd": 50 * MILLION}
    last = project.disburse(Disbursement(50 * MILLION))
    assert (last.disbursed_vnd, last.remaining_vnd) == (250 * MILLION, 0)


def test_an_accepted_project_is_paid_not_advanced() -> None:
    project = _contracted()
    project.accept(Acceptance())
    with pytest.raises(InvalidInput) as refused:
        project.disburse(Disbursement(MILLION, DisbursementKind.ADVANCE, date(2019, 12, 21)))
    assert refused.value.extensions["errors"][0]["field"] == "kind"


def test_a_settlement_recognises_no_more_than_was_disbursed() -> None:
    project = _contracted()
    project.disburse(Disbursement(100 * MILLION))
    project.accept(Acceptance())
    with pytest.raises(MoreThanHeld) as refused:
        project.settle(Settlement(100 * MILLION + 1))
    assert (refused.value.status_code, refused.value.extensions) == (
        409,
        {"held_vnd": 100 * MILLION},
    )
    events = project.settle(Settlement(100 * MILLION))
    assert [type(e) for e in events] == [ev.ProjectSettled]  # nothing left to return


def test_funds_returned_before_settlement_count_once() -> None:
    plan = _plan()
    project = _contracted(plan)
    project.disburse(Disbursement(100 * MILLION), plan=plan)
    returned = project.return_funds(FundReturn(30 * MILLION, note="one machine cheaper"), plan=plan)
    assert isinstance(returned, ev.FundsReturned)
    assert (returned.amount_vnd, returned.returned_vnd, returned.cause) == (
        30 * MILLION,
        30 * MILLION,
        ReturnCause.UNSPENT,
    )
    with pytest.raises(MoreThanHeld):
        project.return_funds(FundReturn(70 * MILLION + 1), plan=plan)
    # Returned money goes to the budget, not back to the project: 150 million still remain.
    assert project.money().remaining_vnd == 150 * MILLION
    project.accept(Acceptance())
    _, rest = project.settle(Settlement(60 * MILLION), plan=plan)
    assert isinstance(rest, ev.FundsReturned)
    assert (rest.amount_vnd, rest.returned_vnd) == (10 * MILLION, 40 * MILLION)
    assert project.money() == Money(250 * MILLION, 100 * MILLION, 60 * MILLION, 40 * MILLION, 0)
    assert (plan.committed_vnd, plan.disbursed_vnd) == (60 * MILLION, 60 * MILLION)


def test_a_paused_project_resumes_to_the_status_it_had() -> None:
    project = _contracted()
    project.disburse(Disbursement(MILLION))
    paused = project.pause(Pause())
    assert (paused.status, paused.previous_status) == (
        ProjectStatus.PAUSED,
        ProjectStatus.IN_PROGRESS,
    )
    with pytest.raises(IllegalTransition):
        project.disburse(Disbursement(MILLION, date=date(2019, 7, 2)))
    with pytest.raises(InvalidInput) as early:
        project.resume(Resumption(resumed_on=date(2019, 6, 30)))
    assert early.value.extensions["errors"][0]["field"] == "resumed_on"
    resumed = project.resume(Resumption())
    assert resumed.status is project.status is ProjectStatus.IN_PROGRESS
    approved = _approved()
    approved.pause(Pause())
    assert approved.resume(Resumption()).status is ProjectStatus.APPROVED


def test_a_project_is_rescheduled_until_it_is_accepted() -> None:
    project = _contracted()
    moved = project.reschedule(Rescheduling(date(2020, 6, 30)))
    assert (moved.previous_end_date, moved.end_date) == (date(2019, 12, 31), date(2020, 6, 30))
    with pytest.raises(InvalidInput) as before_start:
        project.reschedule(Rescheduling(date(2019, 3, 31)))
    assert before_start.value.extensions["errors"][0]["field"] == "end_date"
    project.accept(Acceptance())
    with pytest.raises(IllegalTransition):
        project.reschedule(Rescheduling(date(2020, 12, 31)))


def test_cancelling_returns_everything_disbursed_and_frees_the_plan() -> None:
    plan = _plan()
    project = _contracted(plan)
    project.disburse(Disbursement(80 * MILLION), plan=plan)
    project.pause(Pause())
    cancelled, returned = project.cancel(Cancellation(), plan=plan)
    assert isinstance(cancelled, ev.ProjectCancelled) and isinstance(returned, ev.FundsReturned)
    assert (cancelled.previous_status, cancelled.reason) == (
        ProjectStatus.PAUSED,
        "the cooperative was dissolved",
    )
    assert (returned.amount_vnd, returned.cause, returned.status) == (
        80 * MILLION,
        ReturnCause.CANCELLATION,
        ProjectStatus.CANCELLED,
    )
    assert project.money() == Money(250 * MILLION, 80 * MILLION, 0, 80 * MILLION, 0)
    assert (plan.committed_vnd, plan.disbursed_vnd) == (0, 0)
    with pytest.raises(IllegalTransition):
        project.resume(Resumption())


def test_cancelling_before_any_payment_returns_nothing() -> None:
    project = _approved()
    events = project.cancel(Cancellation())
    assert [type(e) for e in events] == [ev.ProjectCancelled]
    assert project.money() == Money(250 * MILLION, 0, 0, 0, 0)


def test_money_is_whole_dong_in_every_event() -> None:
    project = _contracted()
    event = project.disburse(Disbursement(123_456_789))
    data = event.model_dump(mode="json")
    for name in ("approved_support_vnd", "disbursed_vnd", "amount_vnd", "remaining_vnd"):
        assert type(data[name]) is int
    assert (data["funding_source"], data["content_group"], data["province_code"]) == (
        "local",
        "demonstration_and_technology_transfer",
        SON_LA,
    )
    assert data["beneficiary_facility_id"] == "facility-1"
    assert event.topic() == "ccn.promotion.project"
