"""The console's pages: the province dashboard with its workbook, and the list of clusters.
Each page reads the services' APIs as the signed-in official and shows what they answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.console import formats
from services.console.apis import ApiProblem, Apis
from services.console.paging import PageTrail, pager
from services.console.session import (
    CurrentOfficial,
)
from services.console.views import page, problem_page, provinces, refused_filters_page
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


async def province_figures(
    apis: Apis, province: str, period: str, as_of: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The province's report for the period, and its clusters on the day its figures stand
    on: what the dashboard shows, and what its tables' workbooks hold."""
    report = await apis.get(
        "reporting",
        f"/reports/provinces/{province}",
        period=period,
        as_of=formats.read_day(as_of or ""),
    )
    listed = await apis.get(
        "reporting", "/reports/clusters", province_code=province, as_of=report["figures_on"]
    )
    return report, listed


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
    chosen_period = period or current_period(today())
    chosen = {"province_code": province, "period": chosen_period, "as_of": as_of}
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
        report, listed = await province_figures(apis, province, chosen_period, as_of)
    except ApiProblem as problem:
        return refused_filters_page(request, "dashboard.html", official, problem, context)
    context["report"] = report
    context["clusters"] = sorted(listed["clusters"], key=lambda c: c["name"])
    figures = {"period": report["period"], "province_code": province, "as_of": report["as_of"]}
    context["download_query"] = urlencode(figures)
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
    at: PageTrail,
    q: str | None = None,
    status: str | None = None,
    province_code: str | None = None,
) -> HTMLResponse:
    chosen = {"q": q or "", "status": status or "", "province_code": province_code or ""}
    context: dict[str, Any] = {
        "chosen": chosen,
        "statuses": list(labels.STATUS_VI.items()),
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "errors": {},
        "items": [],
        **pager("/cum-cong-nghiep", chosen, at, None),
    }
    try:
        found = await apis.get(
            "registry",
            "/clusters",
            q=q,
            status=status,
            province_code=province_code,
            cursor=at.cursor,
            limit=PAGE_SIZE,
        )
    except ApiProblem as problem:
        return refused_filters_page(request, "clusters.html", official, problem, context)
    context.update(
        items=found["items"], **pager("/cum-cong-nghiep", chosen, at, found["next_cursor"])
    )
    return page(request, "clusters.html", official, **context)
