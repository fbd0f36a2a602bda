"""The reporting service's routes: read only, each report as of a day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel

from services.reporting import handlers as h
from services.reporting import schemas as s
from services.reporting import sheets
from services.reporting.formats import DOWNLOADS, chosen, respond
from shared.commands import Read
from shared.schemas import RecordId

router = APIRouter(prefix="/api/v1", tags=["reporting"])
Accept = Annotated[str | None, Header(description="or ask for text/csv, or the XLSX type")]


@router.get(
    "/reports/clusters",
    summary="Clusters as they stood on `as_of`: status, areas, occupancy, tenants, totals",
    response_model=s.ClustersReport,
    responses=DOWNLOADS,
)
async def clusters_report(
    query: Annotated[s.ClustersQuery, Query()], read: Read, accept: Accept = None
) -> Response | BaseModel:
    report = await read(h.clusters_report, query=query)
    name = f"cum-cong-nghiep-{query.province_code or 'ca-nuoc'}-{report.as_of}"
    return respond(report, sheets.clusters_sections, chosen(query.format, accept), name)


@router.get(
    "/reports/clusters/{cluster_id}",
    summary="One cluster as it stood on `as_of`",
    response_model=s.ClusterReport,
    responses=DOWNLOADS,
)
async def cluster_report(
    cluster_id: RecordId, query: Annotated[s.AsOf, Query()], read: Read, accept: Accept = None
) -> Response | BaseModel:
    report = await read(h.cluster_report, cluster_id=cluster_id, query=query)
    name = f"cum-cong-nghiep-{report.as_of}"
    return respond(report, sheets.cluster_sections, chosen(query.format, accept), name)


@router.get(
    "/facilities/{facility_id}/history",
    summary="One facility's history across the agencies, in time order, up to `as_of`",
    response_model=s.FacilityHistory,
    responses=DOWNLOADS,
)
async def facility_history(
    facility_id: RecordId, query: Annotated[s.AsOf, Query()], read: Read, accept: Accept = None
) -> Response | BaseModel:
    history = await read(h.facility_history, facility_id=facility_id, query=query)
    name = f"lich-su-co-so-{history.as_of}"
    return respond(history, sheets.history_sections, chosen(query.format, accept), name)


@router.get(
    "/reports/provinces/{province_code}",
    summary="A province over a period (2025-H1, 2025, 2021-2025): clusters, relocations, "
    "production and its share, reporting, procedures",
    response_model=s.ProvinceReport,
    responses=DOWNLOADS,
)
async def province_report(
    province_code: RecordId,
    query: Annotated[s.ProvincePeriodQuery, Query()],
    read: Read,
    accept: Accept = None,
) -> Response | BaseModel:
    report = await read(h.province_report, province_code=province_code, query=query)
    name = f"bao-cao-tinh-{report.province_code}-{report.period}-{report.as_of}"
    return respond(report, sheets.province_sections, chosen(query.format, accept), name)
