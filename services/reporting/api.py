"""The reporting service's routes: read only, each report as of a day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting import handlers as h
from services.reporting import schemas as s
from shared.commands import Read
from shared.schemas import RecordId

router = APIRouter(prefix="/api/v1", tags=["reporting"])


@router.get(
    "/reports/clusters",
    summary="Clusters as they stood on `as_of`: status, areas, occupancy, tenants, totals",
)
async def clusters_report(
    query: Annotated[s.ClustersQuery, Query()], read: Read
) -> s.ClustersReport:
    return await read(h.clusters_report, query=query)


@router.get("/reports/clusters/{cluster_id}", summary="One cluster as it stood on `as_of`")
async def cluster_report(
    cluster_id: RecordId, query: Annotated[s.AsOf, Query()], read: Read
) -> s.ClusterReport:
    return await read(h.cluster_report, cluster_id=cluster_id, query=query)


@router.get(
    "/facilities/{facility_id}/history",
    summary="One facility's history across the agencies, in time order, up to `as_of`",
)
async def facility_history(
    facility_id: RecordId, query: Annotated[s.AsOf, Query()], read: Read
) -> s.FacilityHistory:
    return await read(h.facility_history, facility_id=facility_id, query=query)
