"""The console's khuyến công pages: the province's projects, a project with the commands its
status and the official's permits allow, a new project's form, and the province summary with
its workbook. All of it read from and sent to the promotion service's API; a command form
sends the version the official read and keeps the API's refusal next to its fields."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import formats, forms, views
from services.console import promotion_forms as commands
from services.console.apis import ApiProblem, Apis
from services.console.pages import PAGE_SIZE, ServiceApis
from services.console.paging import PageTrail, pager
from services.console.permissions import may_propose, project_steps
from services.console.promotion_summary import filename, workbook
from services.console.session import CurrentOfficial, Official
from services.console.views import (
    form_of,
    page,
    problem_page,
    provinces,
    refusal_context,
    refused_filters_page,
)
from services.reporting.formats import XLSX_MEDIA
from shared import geo, labels
from shared.domain import today

router = APIRouter(include_in_schema=False)
HOME = "/khuyen-cong"
NEW = f"{HOME}/de-an-moi"
FIRST_YEAR = 2011
"""The earliest year the summary offers: the first the platform holds projects of."""


def _years() -> list[int]:
    return list(range(today().year, FIRST_YEAR - 1, -1))


# -- the list --------------------------------------------------------------------------------


@router.get(HOME)
async def projects(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    at: PageTrail,
    q: str | None = None,
    status: str | None = None,
    funding_source: str | None = None,
    content_group: str | None = None,
    year: str | None = None,
    province_code: str | None = None,
) -> HTMLResponse:
    chosen = {
        "q": q or "",
        "status": status or "",
        "funding_source": funding_source or "",
        "content_group": content_group or "",
        "year": year or "",
        "province_code": province_code or "",
    }
    context: dict[str, Any] = {
        "chosen": chosen,
        "years": _years(),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "may_propose": may_propose(official.principal, official.province),
        "errors": {},
        "items": [],
        **pager(HOME, chosen, at, None),
    }
    try:
        found = await apis.get(
            "promotion", "/projects", **chosen, cursor=at.cursor, limit=PAGE_SIZE
        )
    except ApiProblem as problem:
        return refused_filters_page(request, "projects.html", official, problem, context)
    context.update(items=found["items"], **pager(HOME, chosen, at, found["next_cursor"]))
    return page(request, "projects.html", official, **context)


# -- the summary and its workbook ------------------------------------------------------------


def _span(nam: str | None, tu_ngay: str | None, den_ngay: str | None) -> dict[str, str | None]:
    """The `from` and `to` the summary API takes: a year's first and last day, or the days
    the official typed (which win over the year)."""
    year = int(nam) if nam and nam.isdigit() else None
    start = date(year, 1, 1).isoformat() if year else None
    end = date(year, 12, 31).isoformat() if year else None
    return {
        "from": formats.read_day(tu_ngay) if tu_ngay else start,
        "to": formats.read_day(den_ngay) if den_ngay else end,
    }


async def _summary(
    apis: Apis, official: Official, province_code: str | None, span: dict[str, str | None]
) -> dict[str, Any]:
    province = province_code or official.province
    found: dict[str, Any] = await apis.get("promotion", "/summary", province_code=province, **span)
    return found


@router.get(f"{HOME}/tong-hop")
async def summary(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    nam: str | None = None,
    tu_ngay: str | None = None,
    den_ngay: str | None = None,
    province_code: str | None = None,
) -> HTMLResponse:
    chosen = {
        "nam": nam or "",
        "tu_ngay": tu_ngay or "",
        "den_ngay": den_ngay or "",
        "province_code": province_code or official.province or "",
    }
    context: dict[str, Any] = {
        "chosen": chosen,
        "years": _years(),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "download_url": f"{HOME}/tong-hop/tai-ve?{urlencode(chosen)}",
        "errors": {},
        "summary": None,
    }
    try:
        context["summary"] = await _summary(
            apis, official, province_code, _span(nam, tu_ngay, den_ngay)
        )
    except ApiProblem as problem:
        return refused_filters_page(request, "promotion_summary.html", official, problem, context)
    return page(request, "promotion_summary.html", official, **context)


@router.get(f"{HOME}/tong-hop/tai-ve")
async def summary_workbook(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    nam: str | None = None,
    tu_ngay: str | None = None,
    den_ngay: str | None = None,
    province_code: str | None = None,
) -> Response:
    """The summary as a workbook: the promotion API answers JSON only, so the console lays
    it out the way the reporting service lays out its own reports."""
    try:
        found = await _summary(apis, official, province_code, _span(nam, tu_ngay, den_ngay))
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    disposition = f'attachment; filename="{filename(found)}"'
    return Response(
        workbook(found), media_type=XLSX_MEDIA, headers={"Content-Disposition": disposition}
    )


# -- a new project ---------------------------------------------------------------------------


def _communes(official: Official) -> dict[str, str]:
    """The communes an official of some communes only may file a project under."""
    codes = sorted(official.principal.jurisdiction.communes)
    return {c: geo.commune_name(c) or c for c in codes}


async def _proposal_fields(apis: Apis, official: Official) -> tuple[forms.Field, ...]:
    """The form with the province's plans and the facilities the registry lists there."""
    province = official.province or ""
    plans = await apis.all_pages("promotion", "/plans", province_code=province)
    facilities = await apis.get("registry", "/facilities", province_code=province, limit=100)
    return commands.proposal_fields(
        {
            p["id"]: f"{p['year']} · {labels.FUNDING_SOURCE_VI[p['funding_source']]} · "
            f"còn {formats.vnd(p['uncommitted_vnd'])}"
            for p in sorted(plans, key=lambda p: -p["year"])
        },
        {f["id"]: f["name"] for f in facilities["items"]},
        _communes(official),
    )


async def _proposal_page(
    request: Request,
    official: Official,
    apis: Apis,
    *,
    form: dict[str, str] | None = None,
    refused: ApiProblem | None = None,
) -> HTMLResponse:
    if not may_propose(official.principal, official.province):
        return problem_page(
            request, official, ApiProblem(403, "Chỉ cán bộ Sở Công Thương của tỉnh đề xuất đề án.")
        )
    try:
        fields = await _proposal_fields(apis, official)
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    context = {
        "fields": fields,
        "form": {**(form or {}), "idempotency_key": str(uuid.uuid4())},
        **refusal_context(refused),
    }
    return page(
        request, "project_new.html", official, refused.status if refused else 200, **context
    )


@router.get(NEW)
async def new_project(request: Request, official: CurrentOfficial, apis: ServiceApis) -> Response:
    return await _proposal_page(request, official, apis)


@router.post(NEW)
async def propose(request: Request, official: CurrentOfficial, apis: ServiceApis) -> Response:
    """Propose the project the form describes, in the official's province."""
    sent = await form_of(request)
    fields = commands.proposal_fields({}, {}, _communes(official))
    body = {**forms.body_of(fields, sent), "province_code": official.province}
    try:
        made = await apis.post(
            "promotion",
            "/projects",
            body,
            idempotency_key=sent.get("idempotency_key") or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        typed = forms.entered(fields, sent)
        return await _proposal_page(request, official, apis, form=typed, refused=problem)
    return RedirectResponse(f"{HOME}/{made['id']}?thong_bao=de-xuat", status_code=303)


# -- a project and its commands --------------------------------------------------------------


@router.get(HOME + "/{project_id}")
async def project(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    project_id: str,
    thong_bao: str | None = None,
) -> HTMLResponse:
    done = commands.BY_SLUG.get(thong_bao or "")
    notice = done.notice if done else ("Đã đề xuất đề án." if thong_bao == "de-xuat" else None)
    return await _project_page(request, official, apis, project_id, notice=notice)


def _history(project: dict[str, Any]) -> list[tuple[str, str]]:
    """What happened to the project, by day, as far as its view tells."""
    p = project
    dated = [
        (p["appraised_on"], "Thẩm định"),
        (p["decision_date"], f"Phê duyệt kinh phí (quyết định {p['decision_number']})"),
        (p["signed_on"], f"Ký hợp đồng {p['contract_number']}"),
        (p["accepted_on"], "Nghiệm thu"),
        (p["paused_on"], "Tạm dừng"),
        (p["settled_on"], "Quyết toán"),
        (p["cancelled_on"], "Hủy đề án"),
    ]
    for d in p["disbursements"]:
        kind = labels.DISBURSEMENT_KIND_VI[d["kind"]]
        dated.append((d["disbursed_on"], f"Giải ngân ({kind}) {formats.vnd(d['amount_vnd'])}"))
    for v in p["monitoring_visits"]:
        phase = labels.MONITORING_PHASE_VI[v["phase"]]
        dated.append((v["visited_on"], f"Kiểm tra, giám sát {phase}: {v['findings']}"))
    return sorted((day, what) for day, what in dated if day)


async def _project_page(
    request: Request,
    official: Official,
    apis: Apis,
    project_id: str,
    *,
    notice: str | None = None,
    refused_slug: str | None = None,
    form: dict[str, str] | None = None,
    refused: ApiProblem | None = None,
) -> HTMLResponse:
    """A project, its money and history, and a form for each command the official may send
    now; after a refusal, that form as it was sent with the API's messages."""
    try:
        found = await apis.get("promotion", f"/projects/{project_id}")
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    steps = project_steps(official.principal, found)
    offered, values = forms.offered(commands.COMMANDS, steps, found, refused_slug, form or {})
    context = {
        "project": found,
        "history": _history(found),
        "commands": offered,
        "values": values,
        "version": str(found["version"]),
        "idempotency_key": str(uuid.uuid4()),
        "notice": notice,
        "refused_slug": refused_slug,
        "version_read": (form or {}).get("version_read"),
        **refusal_context(refused),
    }
    return page(request, "project.html", official, refused.status if refused else 200, **context)


@router.post(HOME + "/{project_id}/{slug}")
async def send_command(
    request: Request, official: CurrentOfficial, apis: ServiceApis, project_id: str, slug: str
) -> Response:
    """Send one command as its form says, on the version of the project the official read."""

    async def page_again(typed: dict[str, str], problem: ApiProblem) -> HTMLResponse:
        return await _project_page(
            request, official, apis, project_id, refused_slug=slug, form=typed, refused=problem
        )

    return await views.send_command(
        request,
        official,
        apis,
        commands=commands.BY_SLUG,
        slug=slug,
        service="promotion",
        record_path=f"/projects/{project_id}",
        page_again=page_again,
        back=f"{HOME}/{project_id}",
    )
