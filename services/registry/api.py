"""The registry's routes: parse the request, run one handler, return its view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.registry import handlers as h
from services.registry import schemas as s
from shared.commands import Read, Run
from shared.pagination import Page
from shared.preconditions import IfMatch, Precondition
from shared.schemas import ProvinceQuery, RecordId

router = APIRouter(prefix="/api/v1", tags=["registry"])


# -- clusters --------------------------------------------------------------------------------


@router.post("/clusters", status_code=201, summary="Plan a cluster (quy hoạch)")
async def plan_cluster(body: s.PlanCluster, run: Run) -> s.ClusterView:
    return await run(h.plan_cluster, cmd=body)


@router.get("/clusters", summary="List clusters; `q` ignores accents")
async def list_clusters(
    query: Annotated[s.ClusterQuery, Query()], read: Read
) -> Page[s.ClusterView]:
    return await read(h.list_clusters, query=query)


@router.get("/clusters/{cluster_id}", summary="One cluster; its ETag is its version")
async def get_cluster(cluster_id: RecordId, read: Read) -> s.ClusterView:
    return await read(h.get_cluster, cluster_id=cluster_id)


@router.post("/clusters/{cluster_id}/establishment", summary="Establish a cluster (approver)")
async def establish_cluster(
    cluster_id: RecordId, body: s.EstablishCluster, if_match: IfMatch, run: Run
) -> s.ClusterView:
    version = Precondition.of(if_match, body.version)
    return await run(h.establish_cluster, cluster_id=cluster_id, cmd=body, version=version)


@router.post("/clusters/{cluster_id}/construction", summary="Record infrastructure investment")
async def record_construction(
    cluster_id: RecordId, body: s.RecordConstruction, if_match: IfMatch, run: Run
) -> s.ClusterView:
    version = Precondition.of(if_match, body.version)
    return await run(h.record_construction, cluster_id=cluster_id, cmd=body, version=version)


@router.post("/clusters/{cluster_id}/operation", summary="Open the cluster to tenants")
async def start_operation(
    cluster_id: RecordId, body: s.StartOperation, if_match: IfMatch, run: Run
) -> s.ClusterView:
    version = Precondition.of(if_match, body.version)
    return await run(h.start_operation, cluster_id=cluster_id, cmd=body, version=version)


@router.post("/clusters/{cluster_id}/expansion", summary="Expand the cluster (approver)")
async def expand_cluster(
    cluster_id: RecordId, body: s.ExpandCluster, if_match: IfMatch, run: Run
) -> s.ClusterView:
    version = Precondition.of(if_match, body.version)
    return await run(h.expand_cluster, cluster_id=cluster_id, cmd=body, version=version)


@router.post(
    "/clusters/{cluster_id}/removal",
    summary="Remove a cluster from the plan (approver; not once operating)",
)
async def remove_cluster(
    cluster_id: RecordId, body: s.RemoveCluster, if_match: IfMatch, run: Run
) -> s.ClusterView:
    version = Precondition.of(if_match, body.version)
    return await run(h.remove_cluster, cluster_id=cluster_id, cmd=body, version=version)


# -- tenancies -------------------------------------------------------------------------------


@router.post(
    "/clusters/{cluster_id}/tenancies",
    status_code=201,
    summary="Lease industrial land to a facility of the province",
)
async def start_tenancy(cluster_id: RecordId, body: s.StartTenancy, run: Run) -> s.TenancyView:
    return await run(h.start_tenancy, cluster_id=cluster_id, cmd=body)


@router.get("/clusters/{cluster_id}/tenancies", summary="A cluster's tenancies")
async def list_tenancies(
    cluster_id: RecordId, read: Read, active: bool = True
) -> list[s.TenancyView]:
    return await read(h.list_tenancies, cluster_id=cluster_id, active=active)


@router.get("/clusters/{cluster_id}/tenancies/{tenancy_id}", summary="One tenancy")
async def get_tenancy(cluster_id: RecordId, tenancy_id: RecordId, read: Read) -> s.TenancyView:
    return await read(h.get_tenancy, cluster_id=cluster_id, tenancy_id=tenancy_id)


@router.post(
    "/clusters/{cluster_id}/tenancies/{tenancy_id}/end",
    summary="End a tenancy; its land is free again",
)
async def end_tenancy(
    cluster_id: RecordId, tenancy_id: RecordId, body: s.EndTenancy, run: Run
) -> s.TenancyView:
    return await run(h.end_tenancy, cluster_id=cluster_id, tenancy_id=tenancy_id, cmd=body)


# -- enterprises -----------------------------------------------------------------------------


@router.post(
    "/enterprises",
    status_code=201,
    summary="Register an enterprise, cooperative or household business",
)
async def register_enterprise(body: s.RegisterEnterprise, run: Run) -> s.EnterpriseView:
    return await run(h.register_enterprise, cmd=body)


@router.get("/enterprises", summary="List enterprises")
async def list_enterprises(
    query: Annotated[s.EnterpriseQuery, Query()], read: Read
) -> Page[s.EnterpriseView]:
    return await read(h.list_enterprises, query=query)


@router.get("/enterprises/{enterprise_id}", summary="One enterprise")
async def get_enterprise(enterprise_id: RecordId, read: Read) -> s.EnterpriseView:
    return await read(h.get_enterprise, enterprise_id=enterprise_id)


# -- facilities ------------------------------------------------------------------------------


@router.post(
    "/facilities",
    status_code=201,
    summary="Register a facility (in a residential area until it leases land)",
)
async def register_facility(body: s.RegisterFacility, run: Run) -> s.FacilityView:
    return await run(h.register_facility, cmd=body)


@router.get("/facilities", summary="List facilities")
async def list_facilities(
    query: Annotated[s.FacilityQuery, Query()], read: Read
) -> Page[s.FacilityView]:
    return await read(h.list_facilities, query=query)


@router.get("/facilities/{facility_id}", summary="One facility; its ETag is its version")
async def get_facility(facility_id: RecordId, read: Read) -> s.FacilityView:
    return await read(h.get_facility, facility_id=facility_id)


@router.post(
    "/facilities/{facility_id}/relocation",
    status_code=201,
    summary="Move a facility from a residential area into a cluster (di dời)",
)
async def relocate_facility(
    facility_id: RecordId, body: s.RelocateFacility, run: Run
) -> s.RelocationView:
    return await run(h.relocate_facility, facility_id=facility_id, cmd=body)


@router.get(
    "/relocation-candidates",
    summary="Facilities classified as polluting, most urgent first, and whether moved",
)
async def list_relocation_candidates(
    query: Annotated[ProvinceQuery, Query()], read: Read
) -> list[s.RelocationCandidateView]:
    return await read(h.list_relocation_candidates, province_code=query.province_code)
