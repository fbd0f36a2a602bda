"""The environment department's inspections in the console: the province's list with the form
that schedules one, and an inspection's page with the forms of its lifecycle (samples, closing,
a violation's remedy or escalation: what they send is in inspection_commands).

The environment service judges every sample: the page shows the limit it applied and the
exceedance it found, never a figure of its own. Each form is offered only where the service's
own permit and the record's status would let the command through, sends the version the
official read with an Idempotency-Key, and comes back with the service's refusal beside its
fields."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import formats
from services.console.apis import ApiProblem, Apis
from services.console.pages import PAGE_SIZE, ServiceApis
from services.console.paging import PageTrail, Trail, pager
from services.console.permissions import may_inspect, may_schedule_inspections, may_settle
from services.console.session import CurrentOfficial, Official
from services.console.views import Refusal, page, problem_page, provinces, refused_filters_page
from shared import labels
from shared.domain import today

router = APIRouter(include_in_schema=False)
HOME = "/thanh-tra"

NOTICES = {
    "da-len-lich": "Đã lên lịch kiểm tra.",
    "da-ghi-mau": "Đã ghi kết quả quan trắc: mỗi mẫu đã được đối chiếu với quy chuẩn áp dụng.",
    "da-ket-thuc": "Đã kết thúc kiểm tra. Các vi phạm (nếu có) được liệt kê bên dưới.",
    "da-khac-phuc": "Đã ghi nhận việc khắc phục vi phạm.",
    "da-chuyen": "Đã chuyển vi phạm sang xử lý.",
}


async def _known(apis: Apis, service: str, path: str) -> dict[str, Any] | None:
    """A record another page names, or None if it cannot be read (shown by its id)."""
    try:
        found: dict[str, Any] = await apis.get(service, path)
    except ApiProblem:
        return None
    return found


async def _subject_names(apis: Apis, items: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the facilities (or the clusters, for a treatment plant) inspected."""
    paths = {i["facility_id"]: f"/facilities/{i['facility_id']}" for i in items if i["facility_id"]}
    paths |= {
        i["cluster_id"]: f"/clusters/{i['cluster_id']}" for i in items if not i["facility_id"]
    }
    found = await asyncio.gather(*(_known(apis, "registry", p) for p in paths.values()))
    return {key: record["name"] for key, record in zip(paths, found, strict=True) if record}


# -- the list, and scheduling ------------------------------------------------------------------


@router.get("/thanh-tra")
async def inspections(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    at: PageTrail,
    status: str | None = None,
    tu_ngay: str | None = None,
    den_ngay: str | None = None,
    province_code: str | None = None,
    thong_bao: str | None = None,
) -> HTMLResponse:
    chosen = {
        "status": status or "",
        "tu_ngay": tu_ngay or "",
        "den_ngay": den_ngay or "",
        "province_code": province_code or "",
    }
    return await _list_page(
        request, official, apis, chosen, at, notice=NOTICES.get(thong_bao or "")
    )


async def _list_page(
    request: Request,
    official: Official,
    apis: Apis,
    chosen: dict[str, str],
    at: Trail,
    *,
    notice: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """A page of the province's inspections, the latest scheduled first, and (for who may) the
    form that schedules one; after a refused schedule, the form as it was filled in."""
    scheduling = may_schedule_inspections(official.principal)
    context = _list_context(chosen, may_schedule=scheduling, **pager(HOME, chosen, at, None))
    context.update(notice=notice, refusal=refusal, form=_schedule_form(refusal))
    try:
        found = await apis.get(
            "environment",
            "/inspections",
            status=chosen["status"],
            province_code=chosen["province_code"],
            cursor=at.cursor,
            limit=PAGE_SIZE,
            **_dates(chosen),
        )
        if scheduling:
            context["candidates"] = await _schedulable(apis, official)
    except ApiProblem as problem:
        return refused_filters_page(
            request, "inspections.html", official, problem, context, errors_key="filter_errors"
        )
    context.update(items=found["items"], **pager(HOME, chosen, at, found["next_cursor"]))
    context["names"] = await _subject_names(apis, found["items"])
    status_code = refusal.problem.status if refusal else 200
    return page(request, "inspections.html", official, status_code, **context)


def _list_context(chosen: dict[str, str], **facts: Any) -> dict[str, Any]:
    return {
        "chosen": chosen,
        "statuses": list(labels.INSPECTION_STATUS_VI.items()),
        "kinds": list(labels.INSPECTION_KIND_VI.items()),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "filter_errors": {},
        "items": [],
        "names": {},
        "candidates": [],
        **facts,
    }


def _dates(chosen: dict[str, str]) -> dict[str, str]:
    """The list's window of scheduled days as the API names it (`from`, `to`)."""
    return {"from": formats.read_day(chosen["tu_ngay"]), "to": formats.read_day(chosen["den_ngay"])}


async def _schedulable(apis: Apis, official: Official) -> list[dict[str, Any]]:
    """The first hundred facilities of the official's province the environment service knows
    (only those may be inspected: the registry publishes them there)."""
    known = await apis.get("environment", "/facilities", province_code=official.province, limit=100)
    return sorted(known["items"], key=lambda f: f["name"])


def _schedule_form(refusal: Refusal | None) -> dict[str, str]:
    return {
        "facility_id": "",
        "scheduled_on": formats.day(today()),
        "kind": "periodic",
        "team": "",
        "operating_since": "",
        **(refusal.entered if refusal else {}),
        "idempotency_key": str(uuid.uuid4()),
    }


@router.post("/thanh-tra")
async def schedule(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    facility_id: Annotated[str, Form()] = "",
    scheduled_on: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    operating_since: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Schedule an inspection of the facility chosen; its page opens once it is recorded."""
    body = {
        "facility_id": facility_id or None,
        "scheduled_on": formats.read_day(scheduled_on),
        "kind": kind,
        "team": team,
        "operating_since": formats.read_day(operating_since) or None,
    }
    try:
        made = await apis.post(
            "environment",
            "/inspections",
            body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        entered = {
            "facility_id": facility_id,
            "scheduled_on": scheduled_on,
            "kind": kind,
            "team": team,
            "operating_since": operating_since,
        }
        chosen = {"status": "", "tu_ngay": "", "den_ngay": "", "province_code": ""}
        refusal = Refusal("schedule", problem, entered)
        return await _list_page(request, official, apis, chosen, Trail(), refusal=refusal)
    return RedirectResponse(f"/thanh-tra/{made['id']}?thong_bao=da-len-lich", status_code=303)


# -- one inspection ------------------------------------------------------------------------------


@router.get("/thanh-tra/{inspection_id}")
async def inspection(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    inspection_id: str,
    thong_bao: str | None = None,
) -> HTMLResponse:
    return await inspection_page(
        request, official, apis, inspection_id, notice=NOTICES.get(thong_bao or "")
    )


async def _its_violations(apis: Apis, inspection: dict[str, Any]) -> list[dict[str, Any]]:
    """The violations this inspection found (the service lists them by facility or plant)."""
    subject = (
        {"facility_id": inspection["facility_id"]}
        if inspection["facility_id"]
        else {"cluster_id": inspection["cluster_id"]}
    )
    found = await apis.all_pages("environment", "/violations", **subject)
    return [v for v in found if v["inspection_id"] == inspection["id"]]


async def inspection_page(
    request: Request,
    official: Official,
    apis: Apis,
    inspection_id: str,
    *,
    notice: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """An inspection: its subject, its samples as the service judged them, the violations it
    found, and the forms the official may use; a refused form comes back as it was sent."""
    try:
        found = await apis.get("environment", f"/inspections/{inspection_id}")
        violations = await _its_violations(apis, found)
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    facility_id, cluster_id = found["facility_id"], found["cluster_id"]
    context = {
        "inspection": found,
        "facility": await _known(apis, "environment", f"/facilities/{facility_id}")
        if facility_id
        else None,
        "cluster": await _known(apis, "registry", f"/clusters/{cluster_id}")
        if cluster_id
        else None,
        "violations": [
            {**v, "may_settle": may_settle(official.principal, v), "key": str(uuid.uuid4())}
            for v in violations
        ],
        "may_inspect": may_inspect(official.principal, found),
        "notice": notice,
        "refusal": refusal,
        "today": formats.day(today()),
        "keys": {name: str(uuid.uuid4()) for name in ("measurements", "completion")},
    }
    status_code = refusal.problem.status if refusal else 200
    return page(request, "inspection.html", official, status_code, **context)
