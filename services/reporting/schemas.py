"""The reporting service's HTTP contract: the reports' queries and what they answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.reporting.domain import ClusterState, Entry
from services.reporting.formats import Column, Format, Section
from shared.events.registry import ClusterStatus
from shared.schemas import ProvinceQuery


class AsOf(BaseModel):
    as_of: date | None = Field(
        None, description="the state on this day, by the dates the events record (today)"
    )
    format: Format | None = Field(
        None, description="json, csv or xlsx (else the Accept header decides; JSON by default)"
    )


class ClustersQuery(AsOf, ProvinceQuery):
    status: ClusterStatus | None = Field(None, description="as it stood on `as_of`")


class ClusterReport(BaseModel):
    """One cluster as it stood on `as_of`."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    status: ClusterStatus
    planned_area_ha: Decimal
    area_ha: Decimal | None
    industrial_land_area_ha: Decimal | None
    leased_area_ha: Decimal
    occupancy_rate: Decimal = Field(description="leased ÷ industrial land, 0..1")
    tenants: int
    households: int = Field(description="tenants that are household businesses")
    enterprises: int = Field(description="companies and cooperatives")
    workers: int
    infrastructure_investment_vnd: int
    decision_number: str | None
    decision_date: date | None
    operation_start_date: date | None
    treatment_plant: str
    treatment_capacity_m3_per_day: int | None
    solid_waste_collection: str
    fire_safety: str
    as_of: date

    @classmethod
    def of(cls, state: ClusterState, tenants: list[Any], day: date) -> ClusterReport:
        """The state, with the tenancies running that day (their facility's workers and
        owner's kind)."""
        leased = sum((r.leased_area_ha for r in tenants), Decimal("0.0000"))
        land = state.industrial_land_area_ha
        households = sum(r.kind == "household" for r in tenants)
        return cls.model_validate(
            {
                **vars(state),
                "leased_area_ha": leased,
                "occupancy_rate": (leased / land).quantize(RATE) if land else Decimal("0.0000"),
                "tenants": len(tenants),
                "households": households,
                "enterprises": len(tenants) - households,
                "workers": sum(r.workers or 0 for r in tenants),
                "as_of": day,
            }
        )


RATE = Decimal("0.0001")


class ClusterTotals(BaseModel):
    clusters: int
    by_status: dict[str, int]
    planned_area_ha: Decimal
    area_ha: Decimal
    industrial_land_area_ha: Decimal
    leased_area_ha: Decimal
    average_occupancy_rate: Decimal = Field(description="of the operating clusters")
    tenants: int
    households: int
    enterprises: int
    workers: int
    infrastructure_investment_vnd: int
    without_treatment_plant: int = Field(description="operating without an operating plant")

    @classmethod
    def of(cls, reports: list[ClusterReport]) -> ClusterTotals:
        operating = [r for r in reports if r.status is ClusterStatus.OPERATING]
        by_status: dict[str, int] = {}
        for r in reports:
            by_status[r.status.value] = by_status.get(r.status.value, 0) + 1

        def area(name: str) -> Decimal:
            return sum((getattr(r, name) or Decimal(0) for r in reports), Decimal("0.0000"))

        occupancy = sum((r.occupancy_rate for r in operating), Decimal(0))
        return cls(
            clusters=len(reports),
            by_status=by_status,
            planned_area_ha=area("planned_area_ha"),
            area_ha=area("area_ha"),
            industrial_land_area_ha=area("industrial_land_area_ha"),
            leased_area_ha=area("leased_area_ha"),
            average_occupancy_rate=(occupancy / len(operating)).quantize(RATE)
            if operating
            else Decimal("0.0000"),
            tenants=sum(r.tenants for r in reports),
            households=sum(r.households for r in reports),
            enterprises=sum(r.enterprises for r in reports),
            workers=sum(r.workers for r in reports),
            infrastructure_investment_vnd=sum(r.infrastructure_investment_vnd for r in reports),
            without_treatment_plant=sum(r.treatment_plant != "operating" for r in operating),
        )


class ClustersReport(BaseModel):
    as_of: date
    province_code: str | None
    clusters: list[ClusterReport]
    totals: ClusterTotals


class HistoryEntry(BaseModel):
    occurred_on: date
    agency: str = Field(description="so-cong-thuong, so-tnmt, or khuyen-cong")
    kind: str = Field(description="the event that recorded it")
    summary: str


class FacilityHistory(BaseModel):
    """One facility's history across the agencies, in the order things happened."""

    facility_id: str
    name: str
    province_code: str
    commune_code: str
    as_of: date
    entries: list[HistoryEntry]

    @classmethod
    def of(cls, facility: Any, entries: list[Entry], day: date) -> FacilityHistory:
        return cls(
            facility_id=facility.id,
            name=facility.name,
            province_code=facility.province_code,
            commune_code=facility.commune_code,
            as_of=day,
            entries=[HistoryEntry.model_validate(vars(e)) for e in entries],
        )


# -- the reports as sheets (Vietnamese headers) ----------------------------------------------

STATUS_VI = {
    "planned": "quy hoạch",
    "established": "đã thành lập",
    "under_construction": "đang đầu tư hạ tầng",
    "operating": "đang hoạt động",
    "removed": "đưa ra khỏi quy hoạch",
}
PLANT_VI = {"none": "chưa có", "under_construction": "đang xây dựng", "operating": "đang vận hành"}
COVERAGE_VI = {"none": "chưa có", "partial": "một phần", "full": "đầy đủ"}
AGENCY_VI = {
    "so-cong-thuong": "Sở Công Thương",
    "so-tnmt": "Sở Nông nghiệp và Môi trường",
    "khuyen-cong": "Trung tâm Khuyến công",
}

CLUSTER_COLUMNS = [
    Column("Tên cụm công nghiệp", "name"),
    Column("Mã tỉnh", "province_code"),
    Column("Mã xã", "commune_code"),
    Column("Trạng thái", "status_vi"),
    Column("Diện tích quy hoạch (ha)", "planned_area_ha", "ha"),
    Column("Diện tích thành lập (ha)", "area_ha", "ha"),
    Column("Đất công nghiệp (ha)", "industrial_land_area_ha", "ha"),
    Column("Đã cho thuê (ha)", "leased_area_ha", "ha"),
    Column("Tỷ lệ lấp đầy", "occupancy_rate", "rate"),
    Column("Số cơ sở", "tenants", "int"),
    Column("Hộ kinh doanh", "households", "int"),
    Column("Doanh nghiệp, hợp tác xã", "enterprises", "int"),
    Column("Lao động", "workers", "int"),
    Column("Vốn đầu tư hạ tầng (đ)", "infrastructure_investment_vnd", "vnd"),
    Column("Xử lý nước thải tập trung", "treatment_plant_vi"),
    Column("Thu gom chất thải rắn", "solid_waste_collection_vi"),
    Column("Phòng cháy chữa cháy", "fire_safety_vi"),
    Column("Số quyết định thành lập", "decision_number"),
    Column("Ngày quyết định", "decision_date", "date"),
    Column("Ngày đi vào hoạt động", "operation_start_date", "date"),
]
TOTAL_COLUMNS = [
    Column("Số cụm", "clusters", "int"),
    Column("Diện tích quy hoạch (ha)", "planned_area_ha", "ha"),
    Column("Diện tích thành lập (ha)", "area_ha", "ha"),
    Column("Đất công nghiệp (ha)", "industrial_land_area_ha", "ha"),
    Column("Đã cho thuê (ha)", "leased_area_ha", "ha"),
    Column("Tỷ lệ lấp đầy bình quân", "average_occupancy_rate", "rate"),
    Column("Số cơ sở", "tenants", "int"),
    Column("Hộ kinh doanh", "households", "int"),
    Column("Doanh nghiệp, hợp tác xã", "enterprises", "int"),
    Column("Lao động", "workers", "int"),
    Column("Vốn đầu tư hạ tầng (đ)", "infrastructure_investment_vnd", "vnd"),
    Column("Đang hoạt động chưa có xử lý nước thải", "without_treatment_plant", "int"),
]


def _cluster_row(report: ClusterReport) -> dict[str, Any]:
    row = report.model_dump()
    row["status_vi"] = STATUS_VI[report.status.value]
    row["treatment_plant_vi"] = PLANT_VI.get(report.treatment_plant, report.treatment_plant)
    for name in ("solid_waste_collection", "fire_safety"):
        row[f"{name}_vi"] = COVERAGE_VI.get(row[name], row[name])
    return row


def cluster_sections(report: ClusterReport) -> list[Section]:
    return [Section("Cụm công nghiệp", CLUSTER_COLUMNS, [_cluster_row(report)])]


def clusters_sections(report: ClustersReport) -> list[Section]:
    by_status = [
        {"status": STATUS_VI[status], "clusters": count}
        for status, count in report.totals.by_status.items()
    ]
    return [
        Section("Cụm công nghiệp", CLUSTER_COLUMNS, [_cluster_row(c) for c in report.clusters]),
        Section("Tổng hợp", TOTAL_COLUMNS, [report.totals.model_dump()]),
        Section(
            "Theo trạng thái",
            [Column("Trạng thái", "status"), Column("Số cụm", "clusters", "int")],
            by_status,
        ),
    ]


def history_sections(history: FacilityHistory) -> list[Section]:
    rows = [
        {**e.model_dump(), "agency_vi": AGENCY_VI.get(e.agency, e.agency)} for e in history.entries
    ]
    columns = [
        Column("Ngày", "occurred_on", "date"),
        Column("Cơ quan", "agency_vi"),
        Column("Nội dung", "summary"),
        Column("Sự kiện", "kind"),
    ]
    return [Section(f"Lịch sử {history.name}", columns, rows)]
