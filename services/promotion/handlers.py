"""One function per promotion command and query.

A command loads, locked, the records it touches (the project, then the plan it draws on),
authorizes the caller for each, checks the version it was sent, lets the entities apply the
rules, saves them and records their events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from services.promotion import schemas as s
from services.promotion.domain import Plan, Project, SupportCap, approving, setting_caps, writing
from services.promotion.repository import Beneficiaries, History, Plans, Projects, SupportCaps
from shared.commands import UnitOfWork
from shared.events import Event
from shared.events.promotion import Outputs, ProjectStatus
from shared.pagination import Page
from shared.preconditions import Precondition
from shared.principal import Permit, Place, Scope, reading

Uow = UnitOfWork[None]


# -- plans and caps --------------------------------------------------------------------------


async def create_plan(uow: Uow, *, cmd: s.NewPlan) -> s.PlanView:
    uow.authorize(approving(Place(cmd.province_code)))
    plan, created = Plan.create(cmd)
    await Plans(uow.session).add(plan)
    await uow.record(created)
    return s.PlanView.of(plan)


async def get_plan(uow: Uow, *, plan_id: str) -> s.PlanView:
    plan = await Plans(uow.session).get(plan_id)
    uow.authorize(reading(plan.place))
    return s.PlanView.of(plan)


async def list_plans(uow: Uow, *, query: s.PlanQuery) -> Page[s.PlanView]:
    scope = Scope.of(uow.caller, query.province_code, by_commune=False)
    found, next_cursor = await Plans(uow.session).listed(scope, query)
    return Page[s.PlanView](items=[s.PlanView.of(p) for p in found], next_cursor=next_cursor)


async def set_support_cap(uow: Uow, *, cmd: s.NewSupportCap) -> s.SupportCapView:
    cap, recorded = SupportCap.set(cmd)
    uow.authorize(setting_caps(cap.place))
    await SupportCaps(uow.session).add(cap)
    await uow.record(recorded)
    return s.SupportCapView.of(cap)


async def list_support_caps(uow: Uow, *, query: s.SupportCapQuery) -> Page[s.SupportCapView]:
    found, next_cursor = await SupportCaps(uow.session).listed(query)
    items = [s.SupportCapView.of(c) for c in found]
    return Page[s.SupportCapView](items=items, next_cursor=next_cursor)


# -- projects --------------------------------------------------------------------------------


async def propose_project(uow: Uow, *, cmd: s.ProposeProject) -> s.ProjectView:
    uow.authorize(writing(cmd.place))
    await Beneficiaries(uow.session).check_project(cmd)
    plan = None if cmd.plan_id is None else await Plans(uow.session).get(cmd.plan_id)
    project, proposed = Project.propose(cmd, plan=plan)
    await Projects(uow.session).add(project)
    await uow.record(proposed)
    return s.ProjectView.of(project, History.empty())


async def _project_view(uow: Uow, project: Project) -> s.ProjectView:
    history = await History(uow.session).of([project.id])
    return s.ProjectView.of(project, history[project.id])


async def get_project(uow: Uow, *, project_id: str) -> s.ProjectView:
    project = await Projects(uow.session).get(project_id)
    uow.authorize(reading(project.place))
    return await _project_view(uow, project)


async def list_projects(uow: Uow, *, query: s.ProjectQuery) -> Page[s.ProjectView]:
    found, next_cursor = await Projects(uow.session).listed(
        Scope.of(uow.caller, query.province_code), query
    )
    history = await History(uow.session).of([p.id for p in found])
    items = [s.ProjectView.of(p, history[p.id]) for p in found]
    return Page[s.ProjectView](items=items, next_cursor=next_cursor)


async def _changing(
    uow: Uow, project_id: str, version: Precondition, permit: Callable[[Place], Permit]
) -> tuple[Project, Plan | None]:
    """The project a command changes and the plan it draws on: locked, the caller authorized,
    the version the caller read checked."""
    project = await Projects(uow.session).lock(project_id)
    uow.authorize(permit(project.place))
    version.check(project.version)
    return project, await Plans(uow.session).of_project(project)


async def _changed(uow: Uow, project: Project, plan: Plan | None, *events: Event) -> s.ProjectView:
    # The history the view shows is read before the held writes, which then go in one
    # statement (a payment or a visit, written to the history first, is read with it).
    history = History(uow.session)
    await history.recorded(*events)
    shown = await history.of([project.id])
    await Projects(uow.session).save(project)
    if plan is not None:
        await Plans(uow.session).save(plan)
    await uow.record(*events)
    return s.ProjectView.of(project, shown[project.id])


async def appraise_project(
    uow: Uow, *, project_id: str, cmd: s.Appraise, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.appraise(cmd))


async def approve_project(
    uow: Uow, *, project_id: str, cmd: s.Approve, version: Precondition
) -> s.ProjectView:
    """Grant the support, within the cap in force on the decision date and the plan."""
    project, plan = await _changing(uow, project_id, version, approving)
    caps = await SupportCaps(uow.session).for_province(project.province_code)
    return await _changed(uow, project, plan, project.approve(cmd, caps=caps, plan=plan))


async def sign_contract(
    uow: Uow, *, project_id: str, cmd: s.SignContract, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.contract(cmd))


async def disburse_funds(
    uow: Uow, *, project_id: str, cmd: s.Disburse, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.disburse(cmd, plan=plan))


async def record_monitoring_visit(
    uow: Uow, *, project_id: str, cmd: s.RecordVisit, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.record_visit(cmd))


async def accept_project(
    uow: Uow, *, project_id: str, cmd: s.Accept, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.accept(cmd))


async def settle_project(
    uow: Uow, *, project_id: str, cmd: s.Settle, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, approving)
    return await _changed(uow, project, plan, *project.settle(cmd, plan=plan))


async def pause_project(
    uow: Uow, *, project_id: str, cmd: s.Pause, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.pause(cmd))


async def resume_project(
    uow: Uow, *, project_id: str, cmd: s.Resume, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.resume(cmd))


async def reschedule_project(
    uow: Uow, *, project_id: str, cmd: s.Reschedule, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.reschedule(cmd))


async def cancel_project(
    uow: Uow, *, project_id: str, cmd: s.Cancel, version: Precondition
) -> s.ProjectView:
    """Stop it for good: what the beneficiary holds is returned, the approval freed."""
    project, plan = await _changing(uow, project_id, version, approving)
    return await _changed(uow, project, plan, *project.cancel(cmd, plan=plan))


async def return_funds(
    uow: Uow, *, project_id: str, cmd: s.ReturnFunds, version: Precondition
) -> s.ProjectView:
    project, plan = await _changing(uow, project_id, version, writing)
    return await _changed(uow, project, plan, project.return_funds(cmd, plan=plan))


# -- the summary -----------------------------------------------------------------------------


async def summary(uow: Uow, *, query: s.SummaryQuery) -> s.SummaryView:
    """Projects and money by source and content, outputs, paused, rescheduled, cancelled."""
    scope = Scope.of(uow.caller, query.province_code)
    projects = await Projects(uow.session).summarised(scope, query)
    outputs = [p.actual_outputs for p in projects if p.actual_outputs is not None]
    return s.SummaryView(
        province_code=query.province_code,
        from_=query.from_,
        to=query.to,
        projects=len(projects),
        by_status=dict(Counter(p.status.value for p in projects)),
        by_funding_source=_totals_by(projects, lambda p: p.funding_source.value),
        by_content_group=_totals_by(projects, lambda p: p.content_group.value),
        total=s.Totals.of(projects),
        outputs=Outputs.model_validate(
            {n: sum(getattr(o, n) for o in outputs) for n in Outputs.model_fields}
        ),
        paused=sum(p.paused_on is not None for p in projects),
        rescheduled=sum(p.reschedulings > 0 for p in projects),
        cancelled=sum(p.status is ProjectStatus.CANCELLED for p in projects),
    )


def _totals_by(projects: list[Project], key: Callable[[Project], str]) -> dict[str, s.Totals]:
    groups: dict[str, list[Project]] = {}
    for project in projects:
        groups.setdefault(key(project), []).append(project)
    return {name: s.Totals.of(group) for name, group in groups.items()}
