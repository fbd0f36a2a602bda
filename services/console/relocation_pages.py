"""The relocation list in the console: the polluting facilities still among homes, the most
urgent first, and a facility's page with its history across the agencies and the form that
moves it into a cluster (di dời).

The registry keeps the list (from the environment department's classifications) and the
reporting service the history (from every agency's events); the console joins nothing of its
own. The registry answers the whole list at once, so the console pages through it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import formats, forms
from services.console.apis import ApiProblem, Apis
from services.console.pages import PAGE_SIZE, ServiceApis
from services.console.permissions import may_lease_in, may_relocate
from services.console.session import CurrentOfficial, Official
from services.console.views import Refusal, page, problem_page, provinces, refused_filters_page
from shared.domain import today

router = APIRouter(include_in_schema=False)

NOTICES = {"da-di-doi": "Đã ghi nhận việc di dời cơ sở vào cụm công nghiệp."}


def waiting(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates still in a residential area, in the registry's order (most urgent
    first): the registry also lists those it has moved, marked `relocated`."""
    return [c for c in candidates if not c["relocated"] and c["cluster_id"] is None]


@router.get("/di-doi")
async def relocation_list(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    province_code: str | None = None,
    trang: int = 1,
) -> HTMLResponse:
    chosen = {"province_code": province_code or ""}
    context: dict[str, Any] = {
        "chosen": chosen,
        "provinces": sorted(provinces(), key=lambda p: p[1]),
        "errors": {},
        "items": [],
        "page_number": max(trang, 1),
        "last_page": 1,
        "total": 0,
    }
    try:
        found = await apis.get(
            "registry", "/relocation-candidates", province_code=chosen["province_code"]
        )
    except ApiProblem as problem:
        return refused_filters_page(request, "relocations.html", official, problem, context)
    listed = waiting(found)
    start = (context["page_number"] - 1) * PAGE_SIZE
    context.update(
        items=listed[start : start + PAGE_SIZE],
        first_rank=start + 1,
        last_page=max(1, -(-len(listed) // PAGE_SIZE)),
        total=len(listed),
    )
    return page(request, "relocations.html", official, **context)


@router.get("/co-so/{facility_id}")
async def facility(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    facility_id: str,
    thong_bao: str | None = None,
) -> HTMLResponse:
    return await _facility_page(
        request, official, apis, facility_id, notice=NOTICES.get(thong_bao or "")
    )


async def _history(apis: Apis, facility_id: str) -> dict[str, Any] | None:
    """The facility's history as the reporting service has it; None until its first event
    reaches it (a page shows the facility meanwhile)."""
    try:
        found: dict[str, Any] = await apis.get("reporting", f"/facilities/{facility_id}/history")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return None
    return found


async def _destinations(apis: Apis, facility: dict[str, Any]) -> list[dict[str, Any]]:
    """The clusters of the facility's province that take tenants now."""
    found = await apis.all_pages(
        "registry", "/clusters", province_code=facility["province_code"], status="operating"
    )
    return sorted((c for c in found if may_lease_in(c)), key=lambda c: c["name"])


async def _facility_page(
    request: Request,
    official: Official,
    apis: Apis,
    facility_id: str,
    *,
    notice: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """A facility, its history across the agencies, and (for who may) the relocation form."""
    try:
        found = await apis.get("registry", f"/facilities/{facility_id}")
        history = await _history(apis, facility_id)
        relocating = may_relocate(official.principal, found)
        clusters = await _destinations(apis, found) if relocating else []
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    context = {
        "facility": found,
        "history": history,
        "may_relocate": relocating,
        "clusters": clusters,
        "notice": notice,
        "refusal": refusal,
        "form": {
            "cluster_id": "",
            "leased_area_ha": "",
            "date": formats.day(today()),
            **(refusal.entered if refusal else {}),
            "idempotency_key": str(uuid.uuid4()),
        },
    }
    status_code = refusal.problem.status if refusal else 200
    return page(request, "facility.html", official, status_code, **context)


@router.post("/co-so/{facility_id}/di-doi")
async def relocate(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    facility_id: str,
    cluster_id: Annotated[str, Form()] = "",
    leased_area_ha: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Move the facility into the cluster chosen, on the version of it the official read."""
    body: dict[str, Any] = {
        "cluster_id": cluster_id,
        "leased_area_ha": formats.read_decimal(leased_area_ha),
        "date": formats.read_day(date),
        "version": forms.version_of({"version": version}),
    }
    try:
        await apis.post(
            "registry",
            f"/facilities/{facility_id}/relocation",
            body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        entered = {
            "cluster_id": cluster_id,
            "leased_area_ha": leased_area_ha,
            "date": date,
            "version": version,
        }
        refusal = Refusal("relocation", problem, entered)
        return await _facility_page(request, official, apis, facility_id, refusal=refusal)
    return RedirectResponse(f"/co-so/{facility_id}?thong_bao=da-di-doi", status_code=303)
