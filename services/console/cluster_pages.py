"""A cluster's page and the commands sent from it: the lease form, the lifecycle commands the
registry offers on a cluster (as `cluster_forms` declares them) and ending a tenancy. Each is
offered only when the registry's own steps and permits allow it; each sends the version the
official read with an Idempotency-Key, and a refusal comes back next to the form's fields."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import cluster_forms, formats, forms, views
from services.console.apis import ApiProblem, Apis
from services.console.pages import ServiceApis
from services.console.permissions import cluster_steps, may_end_tenancies
from services.console.session import CurrentOfficial, Official
from services.console.views import form_of, page, problem_page, refusal_context
from services.registry.domain import Step
from shared.domain import today

router = APIRouter(include_in_schema=False)
HOME = "/cum-cong-nghiep"
LEASE = "thue-dat"
END_TENANCY = "ket-thuc-thue"
NOTICES = {
    "da-thue": "Đã ghi nhận hợp đồng thuê đất. Số liệu dưới đây đã gồm hợp đồng mới.",
    END_TENANCY: "Đã kết thúc hợp đồng thuê đất; phần đất đó được trả lại cho cụm.",
    **{c.slug: c.notice for c in cluster_forms.COMMANDS},
}
NONE: dict[str, Any] = {"items": [], "next_cursor": None}


@router.get(HOME + "/{cluster_id}")
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


def _commands(
    official: Official, found: dict[str, Any], refused_slug: str | None, form: dict[str, str]
) -> dict[str, Any]:
    """The lifecycle forms the official may send now, each with what it starts from (the one
    refused: as it was sent)."""
    steps = cluster_steps(official.principal, found)
    offered, values = forms.offered(cluster_forms.COMMANDS, steps, found, refused_slug, form)
    ending = form if refused_slug == END_TENANCY else {}
    return {
        "commands": offered,
        "values": values,
        "may_lease": Step.LEASE in steps,
        "may_end": may_end_tenancies(official.principal, found),
        "end_fields": cluster_forms.END_TENANCY,
        "end_values": {"end_date": formats.day(today()), **ending},
        "ended_tenancy": ending.get("tenancy_id"),
    }


def _lease_form(found: dict[str, Any], typed: dict[str, str]) -> dict[str, str]:
    """The lease form: empty but for today as its start, or as the official sent it."""
    return {
        "facility_id": "",
        "leased_area_ha": "",
        "start_date": formats.day(today()),
        **typed,
        "version": str(found["version"]),
        "idempotency_key": str(uuid.uuid4()),
    }


async def _cluster_page(
    request: Request,
    official: Official,
    apis: Apis,
    cluster_id: str,
    *,
    facility_q: str | None = None,
    notice: str | None = None,
    refused_slug: str | None = None,
    form: dict[str, str] | None = None,
    refused: ApiProblem | None = None,
) -> HTMLResponse:
    """A cluster, its tenants, and the forms the official may send; after a refusal, the
    form refused (`refused_slug`) as the official filled it in with the API's messages."""
    typed = form or {}
    try:
        found = await apis.get("registry", f"/clusters/{cluster_id}")
        tenancies = await apis.get("registry", f"/clusters/{cluster_id}/tenancies")
        tenants = await apis.all_pages("registry", "/facilities", cluster_id=cluster_id)
        commands = _commands(official, found, refused_slug, typed)
        leasing = commands["may_lease"]
        candidates = await _lease_candidates(apis, found, facility_q) if leasing else NONE
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    names = {f["id"]: f for f in tenants}
    context = {
        **commands,
        "cluster": found,
        "tenancies": [{**t, "facility": names.get(t["facility_id"])} for t in tenancies],
        "candidates": candidates["items"],
        "more_candidates": candidates["next_cursor"] is not None,
        "facility_q": facility_q or "",
        "notice": notice,
        "form": _lease_form(found, typed if refused_slug == LEASE else {}),
        "version": str(found["version"]),
        "idempotency_key": str(uuid.uuid4()),
        "refused_slug": refused_slug,
        "version_read": typed.get("version_read"),
        **refusal_context(refused),
    }
    status_code = refused.status if refused else 200
    return page(request, "cluster.html", official, status_code, **context)


@router.post(HOME + "/{cluster_id}/" + LEASE)
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
        "version": forms.version_of({"version": version}),
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
            request, official, apis, cluster_id, refused_slug=LEASE, form=entered, refused=problem
        )
    return RedirectResponse(f"{HOME}/{cluster_id}?thong_bao=da-thue", status_code=303)


@router.post(HOME + "/{cluster_id}/" + LEASE + "/{tenancy_id}/" + END_TENANCY)
async def end_tenancy(
    request: Request, official: CurrentOfficial, apis: ServiceApis, cluster_id: str, tenancy_id: str
) -> Response:
    """End a tenancy on the day the form says, on the version of the cluster the official
    read: its land is free again."""
    sent = await form_of(request)
    body = {**forms.body_of(cluster_forms.END_TENANCY, sent), "version": forms.version_of(sent)}
    try:
        await apis.post(
            "registry",
            f"/clusters/{cluster_id}/tenancies/{tenancy_id}/end",
            body,
            idempotency_key=sent.get("idempotency_key") or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        typed = {
            **forms.entered(cluster_forms.END_TENANCY, sent),
            "tenancy_id": tenancy_id,
            "version_read": sent.get("version", ""),
        }
        return await _cluster_page(
            request,
            official,
            apis,
            cluster_id,
            refused_slug=END_TENANCY,
            form=typed,
            refused=problem,
        )
    return RedirectResponse(f"{HOME}/{cluster_id}?thong_bao={END_TENANCY}", status_code=303)


@router.post(HOME + "/{cluster_id}/{slug}")
async def send_command(
    request: Request, official: CurrentOfficial, apis: ServiceApis, cluster_id: str, slug: str
) -> Response:
    """Send one lifecycle command as its form says, on the version of the cluster the
    official read."""

    async def page_again(typed: dict[str, str], problem: ApiProblem) -> HTMLResponse:
        return await _cluster_page(
            request, official, apis, cluster_id, refused_slug=slug, form=typed, refused=problem
        )

    return await views.send_command(
        request,
        official,
        apis,
        commands=cluster_forms.BY_SLUG,
        slug=slug,
        service="registry",
        record_path=f"/clusters/{cluster_id}",
        page_again=page_again,
        back=f"{HOME}/{cluster_id}",
    )
