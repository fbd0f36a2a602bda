"""The promotion service's routes: parse the request, run one handler, return its view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.promotion import handlers as h
from services.promotion import schemas as s
from shared.commands import Read
from shared.routes import Records

router = APIRouter(prefix="/api/v1", tags=["promotion"])

plans = Records(router, "/plans", "plan_id", s.PlanView)
plans.create(h.create_plan, s.NewPlan, summary="A province's yearly plan and budget (approver)")
plans.listing(h.list_plans, s.PlanQuery, summary="Plans with what is committed and disbursed")
plans.one(h.get_plan, summary="One plan; its ETag is its version")

caps = Records(router, "/support-caps", "support_cap_id", s.SupportCapView)
caps.create(
    h.set_support_cap,
    s.NewSupportCap,
    summary="Set a support cap: a province's own (approver), or a national one (Ministry)",
)
caps.listing(h.list_support_caps, s.SupportCapQuery, summary="Support caps, the newest first")

projects = Records(router, "/projects", "project_id", s.ProjectView)
projects.create(h.propose_project, s.ProposeProject, summary="Propose a khuyến công project")
projects.listing(h.list_projects, s.ProjectQuery, summary="Projects; `q` ignores accents")
projects.one(h.get_project, summary="One project with its money")
for step, handler, body, what in (
    ("appraisal", h.appraise_project, s.Appraise, "Record its appraisal (a failed one rejects)"),
    ("approval", h.approve_project, s.Approve, "Approve its support (approver)"),
    ("contract", h.sign_contract, s.SignContract, "Record the signed contract"),
    ("disbursements", h.disburse_funds, s.Disburse, "Pay an advance or a payment"),
    ("monitoring-visits", h.record_monitoring_visit, s.RecordVisit, "Record a monitoring visit"),
    ("acceptance", h.accept_project, s.Accept, "Accept the work and its actual outputs"),
    ("settlement", h.settle_project, s.Settle, "Settle it; the rest goes back (approver)"),
    ("pause", h.pause_project, s.Pause, "Pause the work"),
    ("resumption", h.resume_project, s.Resume, "Resume the work"),
    ("reschedule", h.reschedule_project, s.Reschedule, "Move its end date"),
    ("cancellation", h.cancel_project, s.Cancel, "Cancel it; the advance returns (approver)"),
    ("fund-returns", h.return_funds, s.ReturnFunds, "Return unspent money to the budget"),
):
    projects.command(step, handler, body, summary=what)


@router.get("/summary", summary="Projects and money by source and content, outputs, returns")
async def summary(query: Annotated[s.SummaryQuery, Query()], read: Read) -> s.SummaryView:
    return await read(h.summary, query=query)
