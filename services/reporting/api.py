"""The reporting service's routes: read only, each report as of a day, as JSON or a file.

    reports.get("/reports/clusters", h.clusters_report, s.ClustersQuery, s.ClustersReport,
                sheets.clusters_sections, lambda r: f"cum-cong-nghiep-{r.as_of}", summary="...")

A route calls its handler with the path's ids as keywords and the query as `query`, and
answers the report as JSON, or as the CSV or workbook its `format=` or `Accept` asks for.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel

from services.reporting import handlers as h
from services.reporting import schemas as s
from services.reporting import sheets
from services.reporting.formats import DOWNLOADS, Section, chosen, respond
from shared.commands import Read
from shared.schemas import RecordId

router = APIRouter(prefix="/api/v1", tags=["reporting"])
Accept = Annotated[str | None, Header(description="or ask for text/csv, or the XLSX type")]
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Reports:
    router: APIRouter

    def get(
        self,
        path: str,
        handler: Callable[..., Any],
        query: type[BaseModel],
        view: type[BaseModel],
        sections: Callable[[Any], list[Section]],
        filename: Callable[[Any], str],
        *,
        summary: str,
    ) -> None:
        """`GET path`: the report `handler` makes, as JSON or as a file named `filename`."""
        ids = [
            inspect.Parameter(n, _KEYWORD, annotation=RecordId)
            for n in re.findall(r"\{(\w+)\}", path)
        ]
        parameters = [
            *ids,
            inspect.Parameter("query", _KEYWORD, annotation=Annotated[query, Query()]),
            inspect.Parameter("read", _KEYWORD, annotation=Read),
            inspect.Parameter("accept", _KEYWORD, annotation=Accept, default=None),
        ]

        async def endpoint(**inputs: Any) -> Response | BaseModel:
            accept, read = inputs.pop("accept"), inputs.pop("read")
            report = await read(handler, **inputs)
            wanted = chosen(inputs["query"].format, accept)
            return respond(report, sections, wanted, filename(report))

        endpoint.__name__ = handler.__name__
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            parameters, return_annotation=Response | BaseModel
        )
        self.router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            summary=summary,
            response_model=view,
            responses=DOWNLOADS,
            name=handler.__name__,
        )


reports = Reports(router)
reports.get(
    "/reports/clusters",
    h.clusters_report,
    s.ClustersQuery,
    s.ClustersReport,
    sheets.clusters_sections,
    lambda r: f"cum-cong-nghiep-{r.province_code or 'ca-nuoc'}-{r.as_of}",
    summary="Clusters as they stood on `as_of`: status, areas, occupancy, tenants, totals",
)
reports.get(
    "/reports/clusters/{cluster_id}",
    h.cluster_report,
    s.AsOf,
    s.ClusterReport,
    sheets.cluster_sections,
    lambda r: f"cum-cong-nghiep-{r.as_of}",
    summary="One cluster as it stood on `as_of`",
)
reports.get(
    "/reports/provinces/{province_code}",
    h.province_report,
    s.ProvincePeriodQuery,
    s.ProvinceReport,
    sheets.province_sections,
    lambda r: f"bao-cao-tinh-{r.province_code}-{r.period}-{r.as_of}",
    summary="A province over a period (2025-H1, 2025, 2021-2025): clusters, relocations, "
    "production and its share, reporting, procedures, inspections, khuyến công",
)
reports.get(
    "/reports/national",
    h.national_report,
    s.ProvincePeriodQuery,
    s.NationalReport,
    sheets.national_sections,
    lambda r: f"bao-cao-toan-quoc-{r.period}-{r.as_of}",
    summary="For the Ministry: every province over a period, as its own report shows it",
)
reports.get(
    "/facilities/{facility_id}/history",
    h.facility_history,
    s.AsOf,
    s.FacilityHistory,
    sheets.history_sections,
    lambda r: f"lich-su-co-so-{r.as_of}",
    summary="One facility's history across the agencies, in time order, up to `as_of`",
)
