"""The registry's routes: parse the request, call a handler, shape the response."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.registry import handlers as h
from services.registry import repository as repo
from services.registry import schemas as s
from services.registry.domain import fold
from shared.auth import CurrentPrincipal, Principal
from shared.db import Database
from shared.errors import Forbidden, InvalidInput, PreconditionRequired
from shared.events.registry import ClusterStatus
from shared.idempotency import IdempotentWriter

router = APIRouter(prefix="/api/v1", tags=["registry"])

Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
ProvinceFilter = Annotated[str | None, Query(pattern=r"^\d{2}$", description="province code")]
IfMatch = Annotated[str | None, Header(description='the ETag you read, e.g. "3"')]


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _writer(request: Request) -> IdempotentWriter:
    writer: IdempotentWriter = request.app.state.writer
    return writer


def _caller(request: Request, principal: Principal) -> h.Caller:
    return h.Caller(
        principal=principal, outbox=request.app.state.outbox, rules=request.app.state.rules
    )


def _etag(view: BaseModel) -> dict[str, str]:
    version = getattr(view, "version", None)
    return {"ETag": f'"{version}"'} if version is not None else {}


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version an update is based on: If-Match or the body's `version`, and they agree."""
    header_version: int | None = None
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise InvalidInput(
                f'If-Match must be an ETag this API gave out, like "3"; got {if_match!r}',
                field="If-Match",
            )
        header_version = int(raw)
    if header_version is not None and body_version is not None and header_version != body_version:
        raise InvalidInput(
            f"If-Match says version {header_version}, the body {body_version}", field="version"
        )
    version = header_version if header_version is not None else body_version
    if version is None:
        raise PreconditionRequired("send the version you read, as If-Match or `version`")
    return version


def list_scope(
    principal: Principal, province_code: str | None, *, by_commune: bool = True
) -> repo.Scope:
    """What a list may show: the asked province if inside the caller's jurisdiction."""
    jurisdiction = principal.jurisdiction
    communes = jurisdiction.communes if by_commune else ()
    if jurisdiction.national:
        return repo.Scope(province_code)
    if province_code is not None and province_code != jurisdiction.province:
        raise Forbidden(
            f"province {province_code} is outside your jurisdiction ({jurisdiction.describe()})"
        )
    return repo.Scope(jurisdiction.province, communes)


# -- clusters --------------------------------------------------------------------------------


@router.post(
    "/clusters", status_code=201, response_model=s.ClusterView, summary="Plan a cluster (quy hoạch)"
)
async def plan_cluster(
    body: s.PlanCluster, request: Request, principal: CurrentPrincipal
) -> Response:
    caller = _caller(request, principal)
    response = await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.plan_cluster(session, caller, body),
        status_code=201,
        headers=_etag,
    )
    response.headers["Location"] = f"/api/v1/clusters/{_id_of(response)}"
    return response


def _id_of(response: JSONResponse) -> str:
    return str(json.loads(bytes(response.body))["id"])


@router.get("/clusters", response_model=s.Page[s.ClusterView], summary="List clusters")
async def list_clusters(
    request: Request,
    principal: CurrentPrincipal,
    province_code: ProvinceFilter = None,
    status: ClusterStatus | None = None,
    q: Annotated[str | None, Query(max_length=100, description="name, accents optional")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> s.Page[s.ClusterView]:
    scope = list_scope(principal, province_code)
    async with _db(request).sessions() as session:
        rows, next_cursor = await repo.list_clusters(
            session,
            scope,
            status=status.value if status else None,
            q=fold(q) if q else None,
            cursor=cursor,
            limit=limit,
        )
        tenants = await repo.tenants_of(session, [r.id for r in rows])
    items = [h.to_cluster_view(r, tenants.get(r.id, repo.Tenants())) for r in rows]
    return s.Page[s.ClusterView](items=items, next_cursor=next_cursor)


@router.get("/clusters/{cluster_id}", response_model=s.ClusterView, summary="One cluster")
async def get_cluster(cluster_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    async with _db(request).sessions() as session:
        row = await repo.get_cluster(session, cluster_id)
        h.require_reader(principal, row.province_code, row.commune_code)
        view = await h.cluster_view(session, row)
    return JSONResponse(view.model_dump(mode="json"), headers=_etag(view))


def _lifecycle(path: str, body_type: type[s.Versioned], handler: Any, summary: str) -> None:
    """Route `POST /clusters/{id}/<path>`: the five lifecycle commands differ only in their
    body and handler, so one function serves them (FastAPI reads `body_type` from the
    annotation set below, and documents each route with its own schema)."""

    async def command(
        cluster_id: str,
        body: Any,
        request: Request,
        principal: CurrentPrincipal,
        if_match: IfMatch = None,
    ) -> Response:
        version = expected_version(if_match, body.version)
        caller = _caller(request, principal)
        return await _writer(request).run(
            request,
            principal,
            body,
            lambda session: handler(session, caller, cluster_id, body, version),
            headers=_etag,
        )

    command.__annotations__["body"] = body_type
    command.__name__ = f"cluster_{path}"
    router.post(f"/clusters/{{cluster_id}}/{path}", response_model=s.ClusterView, summary=summary)(
        command
    )


_lifecycle(
    "establishment",
    s.EstablishCluster,
    h.establish_cluster,
    "Establish a planned cluster (approver)",
)
_lifecycle(
    "construction", s.RecordConstruction, h.record_construction, "Record infrastructure investment"
)
_lifecycle("operation", s.StartOperation, h.start_operation, "Open the cluster to tenants")
_lifecycle("expansion", s.ExpandCluster, h.expand_cluster, "Expand the cluster (approver)")
_lifecycle(
    "removal",
    s.RemoveCluster,
    h.remove_cluster,
    "Remove a cluster from the plan (approver; not once operating)",
)


# -- tenancies -------------------------------------------------------------------------------


@router.post(
    "/clusters/{cluster_id}/tenancies",
    status_code=201,
    response_model=s.TenancyView,
    summary="Lease industrial land to a facility",
)
async def start_tenancy(
    cluster_id: str, body: s.StartTenancy, request: Request, principal: CurrentPrincipal
) -> Response:
    caller = _caller(request, principal)
    return await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.start_tenancy(session, caller, cluster_id, body),
        status_code=201,
    )


@router.post(
    "/clusters/{cluster_id}/tenancies/{tenancy_id}/end",
    response_model=s.TenancyView,
    summary="End a tenancy; its land is free again",
)
async def end_tenancy(
    cluster_id: str,
    tenancy_id: str,
    body: s.EndTenancy,
    request: Request,
    principal: CurrentPrincipal,
) -> Response:
    caller = _caller(request, principal)
    return await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.end_tenancy(session, caller, cluster_id, tenancy_id, body),
    )


@router.get(
    "/clusters/{cluster_id}/tenancies",
    response_model=list[s.TenancyView],
    summary="A cluster's tenancies",
)
async def list_tenancies(
    cluster_id: str, request: Request, principal: CurrentPrincipal, active: bool = True
) -> list[s.TenancyView]:
    async with _db(request).sessions() as session:
        cluster = await repo.get_cluster(session, cluster_id)
        h.require_reader(principal, cluster.province_code, cluster.commune_code)
        rows = await repo.list_tenancies(session, cluster_id, active_only=active)
    land = h._land(cluster)
    return [h.tenancy_view(r, land) for r in rows]


# -- enterprises -----------------------------------------------------------------------------


@router.post(
    "/enterprises",
    status_code=201,
    response_model=s.EnterpriseView,
    summary="Register an enterprise, cooperative or household business",
)
async def register_enterprise(
    body: s.RegisterEnterprise, request: Request, principal: CurrentPrincipal
) -> Response:
    caller = _caller(request, principal)
    return await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.register_enterprise(session, caller, body),
        status_code=201,
    )


@router.get("/enterprises", response_model=s.Page[s.EnterpriseView], summary="List enterprises")
async def list_enterprises(
    request: Request,
    principal: CurrentPrincipal,
    province_code: ProvinceFilter = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    tax_code: Annotated[str | None, Query(max_length=14)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> s.Page[s.EnterpriseView]:
    scope = list_scope(principal, province_code, by_commune=False)
    async with _db(request).sessions() as session:
        rows, next_cursor = await repo.list_enterprises(
            session,
            scope.province_code,
            q=fold(q) if q else None,
            tax_code=tax_code,
            cursor=cursor,
            limit=limit,
        )
    return s.Page[s.EnterpriseView](
        items=[h.enterprise_view(r) for r in rows], next_cursor=next_cursor
    )


@router.get(
    "/enterprises/{enterprise_id}", response_model=s.EnterpriseView, summary="One enterprise"
)
async def get_enterprise(
    enterprise_id: str, request: Request, principal: CurrentPrincipal
) -> s.EnterpriseView:
    async with _db(request).sessions() as session:
        row = await repo.get_enterprise(session, enterprise_id)
    list_scope(principal, row.province_code, by_commune=False)  # 403 outside the province
    return h.enterprise_view(row)


# -- facilities ------------------------------------------------------------------------------


@router.post(
    "/facilities",
    status_code=201,
    response_model=s.FacilityView,
    summary="Register a facility (in a residential area until it leases land)",
)
async def register_facility(
    body: s.RegisterFacility, request: Request, principal: CurrentPrincipal
) -> Response:
    caller = _caller(request, principal)
    return await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.register_facility(session, caller, body),
        status_code=201,
        headers=_etag,
    )


@router.get("/facilities", response_model=s.Page[s.FacilityView], summary="List facilities")
async def list_facilities(
    request: Request,
    principal: CurrentPrincipal,
    province_code: ProvinceFilter = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cluster_id: str | None = None,
    enterprise_id: str | None = None,
    in_residential_area: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> s.Page[s.FacilityView]:
    scope = list_scope(principal, province_code)
    async with _db(request).sessions() as session:
        rows, next_cursor = await repo.list_facilities(
            session,
            scope,
            q=fold(q) if q else None,
            cluster_id=cluster_id,
            enterprise_id=enterprise_id,
            in_residential_area=in_residential_area,
            cursor=cursor,
            limit=limit,
        )
    return s.Page[s.FacilityView](items=[h.facility_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/facilities/{facility_id}", response_model=s.FacilityView, summary="One facility")
async def get_facility(facility_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    async with _db(request).sessions() as session:
        row = await repo.get_facility(session, facility_id)
    h.require_reader(principal, row.province_code, row.commune_code)
    view = h.facility_view(row)
    return JSONResponse(view.model_dump(mode="json"), headers=_etag(view))


@router.post(
    "/facilities/{facility_id}/relocation",
    status_code=201,
    response_model=s.RelocationView,
    summary="Move a facility from a residential area into a cluster (di dời)",
)
async def relocate_facility(
    facility_id: str, body: s.RelocateFacility, request: Request, principal: CurrentPrincipal
) -> Response:
    caller = _caller(request, principal)
    return await _writer(request).run(
        request,
        principal,
        body,
        lambda session: h.relocate_facility(session, caller, facility_id, body),
        status_code=201,
    )


@router.get(
    "/relocation-candidates",
    response_model=list[s.RelocationCandidateView],
    summary="Facilities classified as polluting, most urgent first, and whether moved",
)
async def relocation_candidates(
    request: Request, principal: CurrentPrincipal, province_code: ProvinceFilter = None
) -> list[s.RelocationCandidateView]:
    scope = list_scope(principal, province_code)
    async with _db(request).sessions() as session:
        rows = await repo.relocation_candidates(session, scope)
    return [h.candidate_view(r) for r in rows]
