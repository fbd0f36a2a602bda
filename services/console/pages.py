"""The console's pages: the province dashboard, the clusters and a cluster's lease form. Each
page reads the services' APIs as the signed-in official and shows what they answer; a form
sends one command and shows the API's refusal next to its fields."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import formats
from services.console.apis import ApiProblem, Apis
from services.console.permissions import may_lease
from services.console.session import (
    CurrentOfficial,
    Official,
)
from services.console.views import field_messages, headline, page, problem_page, provinces
from shared import labels
from shared.domain import today
from shared.settings import Settings

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _apis(request: Request, official: CurrentOfficial) -> AsyncIterator[Apis]:
    async with Apis.open(_settings(request), official.token) as apis:
        yield apis


ServiceApis = Annotated[Apis, Depends(_apis)]


# -- the province dashboard ------------------------------------------------------------------


def current_period(day: date) -> str:
    """The year whose Circular 14 cut (15 Dec – 14 Dec) holds `day`."""
    return str(day.year + 1 if (day.month, day.day) >= (12, 15) else day.year)


def period_choices(day: date) -> list[str]:
    year = int(current_period(day))
    choices = [f"{year}-H1", str(year)]
    for earlier in range(year - 1, year - 6, -1):
        choices += [f"{earlier}-H1", str(earlier)]
    return [*choices, f"{year - 4}-{year}"]


@router.get("/tong-quan")
async def dashboard(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    province_code: str | None = None,
    period: str | None = None,
    as_of: str | None = None,
) -> HTMLResponse:
    province = province_code or official.province
    chosen = {
        "province_code": province,
        "period": period or current_period(today()),
        "as_of": as_of,
    }
    context: dict[str, Any] = {
        "chosen": chosen,
        "periods": period_choices(today()),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "errors": {},
        "report": None,
        "clusters": [],
    }
    if province is None:
        return page(request, "dashboard.html", official, **context)
    try:
        report = await apis.get(
            "reporting",
            f"/reports/provinces/{province}",
            period=chosen["period"],
            as_of=formats.read_day(as_of or ""),
        )
        listed = await apis.get(
            "reporting", "/reports/clusters", province_code=province, as_of=report["figures_on"]
        )
    except ApiProblem as problem:
        if problem.status != 422:
            return problem_page(request, official, problem)
        errors = field_messages(problem) or {"": problem.detail}
        return page(request, "dashboard.html", official, 422, **{**context, "errors": errors})
    context["report"] = report
    context["clusters"] = sorted(listed["clusters"], key=lambda c: c["name"])
    return page(request, "dashboard.html", official, **context)


@router.get("/tong-quan/tai-ve")
async def dashboard_workbook(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    period: str,
    province_code: str | None = None,
    as_of: str | None = None,
) -> Response:
    """The province report as the reporting service's workbook (one sheet per section)."""
    province = province_code or official.province or ""
    try:
        answer = await apis.download(
            "reporting",
            f"/reports/provinces/{province}",
            period=period,
            as_of=formats.read_day(as_of or ""),
            format="xlsx",
        )
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    headers = {k: v for k, v in answer.headers.items() if k.lower() in ("content-disposition",)}
    return Response(answer.content, media_type=answer.headers["content-type"], headers=headers)


# -- clusters --------------------------------------------------------------------------------


@router.get("/cum-cong-nghiep")
async def clusters(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    q: str | None = None,
    status: str | None = None,
    province_code: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {"q": q or "", "status": status or "", "province_code": province_code or ""}
    context: dict[str, Any] = {
        "chosen": chosen,
        "statuses": list(labels.STATUS_VI.items()),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "errors": {},
        "items": [],
        "next_cursor": None,
        "first_page": cursor is None,
    }
    try:
        found = await apis.get(
            "registry",
            "/clusters",
            q=q,
            status=status,
            province_code=province_code,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    except ApiProblem as problem:
        if problem.status != 422:
            return problem_page(request, official, problem)
        errors = field_messages(problem) or {"": problem.detail}
        return page(request, "clusters.html", official, 422, **{**context, "errors": errors})
    context.update(items=found["items"], next_cursor=found["next_cursor"])
    return page(request, "clusters.html", official, **context)


NOTICES = {"da-thue": "Đã ghi nhận hợp đồng thuê đất. Số liệu dưới đây đã gồm hợp đồng mới."}


@router.get("/cum-cong-nghiep/{cluster_id}")
async def cluster(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    cluster_id: str,
    co_so: str | None = None,
    thong_bao: str | None = None,
) -> HTMLResponse:
    return await _cluster_page(
        request, official, apis, cluster_id, facility_q=co_so, notice=NOTICES.get(thong_bao or "")
    )


NONE: dict[str, Any] = {"items": [], "next_cursor": None}


async def _lease_candidates(apis: Apis, cluster: dict[str, Any], q: str | None) -> dict[str, Any]:
    """The first hundred facilities of the cluster's province still in a residential area
    (those named like `q`, if given): who may move in."""
    return await apis.get(
        "registry",
        "/facilities",
        province_code=cluster["province_code"],
        in_residential_area="true",
        q=q,
        limit=100,
    )


async def _cluster_page(
    request: Request,
    official: Official,
    apis: Apis,
    cluster_id: str,
    *,
    facility_q: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    refused: ApiProblem | None = None,
) -> HTMLResponse:
    """A cluster, its tenants, and (for who may lease) the lease form; after a refused lease,
    the form as the official filled it in with the API's messages."""
    try:
        found = await apis.get("registry", f"/clusters/{cluster_id}")
        tenancies = await apis.get("registry", f"/clusters/{cluster_id}/tenancies")
        tenants = await apis.all_pages("registry", "/facilities", cluster_id=cluster_id)
        leasing = may_lease(official.principal, found)
        candidates = await _lease_candidates(apis, found, facility_q) if leasing else NONE
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    names = {f["id"]: f for f in tenants}
    context = {
        "cluster": found,
        "tenancies": [{**t, "facility": names.get(t["facility_id"])} for t in tenancies],
        "may_lease": leasing,
        "candidates": candidates["items"],
        "more_candidates": candidates["next_cursor"] is not None,
        "facility_q": facility_q or "",
        "notice": notice,
        "form": {
            "facility_id": "",
            "leased_area_ha": "",
            "start_date": formats.day(today()),
            **(form or {}),
            "version": str(found["version"]),
            "idempotency_key": str(uuid.uuid4()),
        },
        "refused": refused,
        "refused_title": headline(refused) if refused else None,
        "errors": field_messages(refused) if refused else {},
    }
    status_code = refused.status if refused else 200
    return page(request, "cluster.html", official, status_code, **context)


@router.post("/cum-cong-nghiep/{cluster_id}/thue-dat")
async def lease_land(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    cluster_id: str,
    facility_id: Annotated[str, Form()] = "",
    leased_area_ha: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Lease land as the form says, on the version of the cluster the official read."""
    body: dict[str, Any] = {
        "facility_id": facility_id,
        "leased_area_ha": formats.read_decimal(leased_area_ha),
        "start_date": formats.read_day(start_date),
        "version": int(version) if version.isdigit() else version,
    }
    try:
        await apis.post(
            "registry",
            f"/clusters/{cluster_id}/tenancies",
            body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        entered = {
            "facility_id": facility_id,
            "leased_area_ha": leased_area_ha,
            "start_date": start_date,
            "version_read": version,
        }
        return await _cluster_page(
            request, official, apis, cluster_id, form=entered, refused=problem
        )
    return RedirectResponse(f"/cum-cong-nghiep/{cluster_id}?thong_bao=da-thue", status_code=303)
