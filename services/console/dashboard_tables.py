"""Each table of the province dashboard as a workbook of its own. The figures are the ones the
page shows (the same two reporting answers), laid out by the reporting service's own sheets:
its sections, Vietnamese headers and number formats for đồng, hectares and rates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.apis import ApiProblem
from services.console.pages import ServiceApis, province_figures
from services.console.promotion_summary import named
from services.console.session import CurrentOfficial
from services.console.views import problem_page
from services.reporting.formats import XLSX_MEDIA, Section, xlsx_of
from services.reporting.schemas import ClustersReport, ProvinceReport
from services.reporting.sheets import MONEY_COLUMNS, clusters_sections, province_sections
from shared import labels

router = APIRouter(include_in_schema=False)

KEY_FIGURES = ("Cụm công nghiệp", "Di dời", "Kiểm tra môi trường")
"""The province report's sections the dashboard's cards show."""


def _key_figures(report: ProvinceReport, _listed: ClustersReport) -> list[Section]:
    return [s for s in province_sections(report) if s.title in KEY_FIGURES]


def _by_status(report: ProvinceReport, listed: ClustersReport) -> list[Section]:
    """Every status as the page lists them (none left out for having no cluster), then the
    total, from the province report's figures."""
    totals = report.clusters
    every = {status: totals.by_status.get(status, 0) for status in labels.STATUS_VI}
    shown = listed.model_copy(update={"totals": totals.model_copy(update={"by_status": every})})
    section = next(s for s in clusters_sections(shown) if s.title == "Theo trạng thái")
    rows = [*section.rows, {"status": "Tổng", "clusters": totals.clusters}]
    return [Section(section.title, section.columns, rows)]


def _occupancy(_report: ProvinceReport, listed: ClustersReport) -> list[Section]:
    """The clusters with industrial land to lease, by name, as the page charts them."""
    leasable = sorted(
        (c for c in listed.clusters if c.industrial_land_area_ha), key=lambda c: c.name
    )
    section = clusters_sections(listed.model_copy(update={"clusters": leasable}))[0]
    return [Section("Tỷ lệ lấp đầy", section.columns, section.rows)]


def _money_by_source(report: ProvinceReport, _listed: ClustersReport) -> list[Section]:
    money = report.khuyen_cong
    by_source = {k: m.model_dump() for k, m in money.by_funding_source.items()}
    total = {**money.total.model_dump(), "group": f"Tổng ({money.projects_approved} đề án)"}
    rows = [*named(by_source, labels.FUNDING_SOURCE_VI), total]
    return [Section("Khuyến công theo nguồn", MONEY_COLUMNS, rows)]


def _money_by_content(report: ProvinceReport, _listed: ClustersReport) -> list[Section]:
    by_group = {k: m.model_dump() for k, m in report.khuyen_cong.by_content_group.items()}
    rows = named(by_group, labels.CONTENT_GROUP_VI)
    return [Section("Khuyến công theo nội dung", MONEY_COLUMNS, rows)]


@dataclass(frozen=True)
class Table:
    """A table of the dashboard: what its link says, and the sheets its workbook has."""

    title: str
    sections: Callable[[ProvinceReport, ClustersReport], list[Section]]


TABLES = {
    "so-lieu-chinh": Table("Số liệu chính", _key_figures),
    "theo-trang-thai": Table("Cụm công nghiệp theo trạng thái", _by_status),
    "khuyen-cong-theo-nguon": Table("Kinh phí khuyến công theo nguồn", _money_by_source),
    "khuyen-cong-theo-noi-dung": Table("Kinh phí khuyến công theo nội dung", _money_by_content),
    "lap-day": Table("Tỷ lệ lấp đầy từng cụm", _occupancy),
}


def workbook(table: Table, report: dict[str, Any], listed: dict[str, Any]) -> bytes:
    """The table's workbook, from the reporting service's answers as the page read them."""
    sections = table.sections(
        ProvinceReport.model_validate(report), ClustersReport.model_validate(listed)
    )
    return xlsx_of(sections)


@router.get("/tong-quan/tai-ve/{slug}")
async def table_workbook(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    slug: str,
    period: str,
    province_code: str | None = None,
    as_of: str | None = None,
) -> Response:
    """One table of the dashboard as a workbook: `tong-quan-14-2026-lap-day.xlsx`."""
    table = TABLES.get(slug)
    if table is None:
        return problem_page(request, official, ApiProblem(404, "Không có bảng này."))
    province = province_code or official.province or ""
    try:
        report, listed = await province_figures(apis, province, period, as_of)
    except ApiProblem as problem:
        return problem_page(request, official, problem)
    name = f"tong-quan-{province}-{report['period']}-{slug}.xlsx"
    return Response(
        workbook(table, report, listed),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
