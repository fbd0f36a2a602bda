"""The reports as sheets: the sections a CSV or a workbook of each report has, with the
Vietnamese headers officials read and the kind of number in each column."""

from __future__ import annotations

from typing import Any

from services.reporting.formats import Column, Section
from services.reporting.schemas import (
    ClusterReport,
    ClustersReport,
    FacilityHistory,
    NationalReport,
    ProvinceReport,
)
from shared.labels import COVERAGE_VI, PLANT_VI, STATUS_VI

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
    Column("Vi phạm môi trường chưa khắc phục", "violations_open", "int"),
    Column("Trong đó quá hạn", "violations_overdue", "int"),
    Column("Khuyến công đã nhận (đ)", "khuyen_cong_received_vnd", "vnd"),
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
    Column("Vi phạm môi trường chưa khắc phục", "violations_open", "int"),
    Column("Trong đó quá hạn", "violations_overdue", "int"),
    Column("Khuyến công đã nhận (đ)", "khuyen_cong_received_vnd", "vnd"),
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


MONEY_COLUMNS = [
    Column("Nhóm", "group"),
    Column("Được duyệt (đ)", "approved_vnd", "vnd"),
    Column("Đã giải ngân (đ)", "disbursed_vnd", "vnd"),
    Column("Hoàn trả (đ)", "returned_vnd", "vnd"),
    Column("Quyết toán (đ)", "settled_vnd", "vnd"),
    Column("Vốn đối ứng (đ)", "counterpart_vnd", "vnd"),
]


ESTABLISHED_COLUMNS = [
    Column("Cụm thành lập mới", "new_clusters", "int"),
    Column("Cụm mở rộng", "expansions", "int"),
    Column("Tổng số", "total", "int"),
    Column("Diện tích (ha)", "area_ha", "ha"),
    Column("Đất công nghiệp (ha)", "industrial_land_area_ha", "ha"),
    Column("Vốn đầu tư hạ tầng (đ)", "investment_vnd", "vnd"),
    Column("Cụm đang kêu gọi nhà đầu tư", "calls_for_investors", "int"),
]
RELOCATION_COLUMNS = [
    Column("Đã di dời trong kỳ", "done_in_period", "int"),
    Column("Còn phải di dời", "still_needed", "int"),
]
PRODUCTION_COLUMNS = [
    Column("Số cơ sở báo cáo", "tenants_reporting", "int"),
    Column("Giá trị sản xuất (đ)", "production_value_vnd", "vnd"),
    Column("Lao động", "workers", "int"),
    Column("Nộp ngân sách (đ)", "budget_paid_vnd", "vnd"),
]
SHARE_COLUMNS = [
    Column("Năm", "year", "int"),
    Column("Địa bàn", "area"),
    Column("Sản xuất công nghiệp nông thôn (đ)", "small_industry_output_vnd", "vnd"),
    Column("Trong cụm công nghiệp (đ)", "cluster_production_value_vnd", "vnd"),
    Column("Tỷ trọng", "cluster_share", "rate"),
]
REPORTING_COLUMNS = [
    Column("Kỳ", "period"),
    Column("Hạn cuối", "due_on", "date"),
    Column("Số cơ sở", "tenants", "int"),
    Column("Đúng hạn", "on_time", "int"),
    Column("Muộn", "late", "int"),
    Column("Chưa nộp", "missing", "int"),
    Column("Chưa đến hạn", "not_yet_due", "int"),
]
INSPECTION_COLUMNS = [
    Column("Số cuộc kiểm tra", "carried_out", "int"),
    Column("Đạt", "compliant", "int"),
    Column("Có vi phạm", "violations_found", "int"),
    Column("Vi phạm phát hiện trong kỳ", "violations_detected", "int"),
    Column("Vi phạm chưa khắc phục", "violations_open", "int"),
    Column("Quá hạn khắc phục", "violations_overdue", "int"),
]
PROCEDURE_COLUMNS = [
    Column("Đăng ký vào cụm đang chờ", "placements_waiting", "int"),
    Column("Hồ sơ thành lập, mở rộng quá hạn", "dossiers_overdue", "int"),
]


def _money_rows(report: ProvinceReport) -> list[dict[str, Any]]:
    """The khuyến công money in total, by funding source, then by content group."""
    money = report.khuyen_cong
    return [
        {"group": "Tổng", **money.total.model_dump()},
        *({"group": f"Nguồn {k}", **m.model_dump()} for k, m in money.by_funding_source.items()),
        *({"group": k, **m.model_dump()} for k, m in money.by_content_group.items()),
    ]


def province_sections(report: ProvinceReport) -> list[Section]:
    def one(title: str, columns: list[Column], figures: Any) -> Section:
        return Section(title, columns, [figures.model_dump()])

    return [
        one("Cụm công nghiệp", TOTAL_COLUMNS, report.clusters),
        one("Thành lập, mở rộng", ESTABLISHED_COLUMNS, report.established),
        one("Di dời", RELOCATION_COLUMNS, report.relocations),
        one("Sản xuất", PRODUCTION_COLUMNS, report.production),
        Section("Tỷ trọng sản xuất", SHARE_COLUMNS, [x.model_dump() for x in report.output_shares]),
        Section("Báo cáo định kỳ", REPORTING_COLUMNS, [r.model_dump() for r in report.reporting]),
        one("Kiểm tra môi trường", INSPECTION_COLUMNS, report.inspections),
        Section("Khuyến công", MONEY_COLUMNS, _money_rows(report)),
        one("Thủ tục", PROCEDURE_COLUMNS, report),
    ]


NATIONAL_COLUMNS = [
    Column("Mã tỉnh", "province_code"),
    Column("Số cụm", "clusters", "int"),
    Column("Diện tích thành lập (ha)", "area_ha", "ha"),
    Column("Tỷ lệ lấp đầy bình quân", "average_occupancy_rate", "rate"),
    Column("Số cơ sở", "tenants", "int"),
    Column("Lao động", "workers", "int"),
    Column("Cụm thành lập, mở rộng trong kỳ", "established_or_expanded", "int"),
    Column("Cụm đang kêu gọi nhà đầu tư", "calls_for_investors", "int"),
    Column("Đã di dời trong kỳ", "done_in_period", "int"),
    Column("Còn phải di dời", "still_needed", "int"),
    Column("Giá trị sản xuất (đ)", "production_value_vnd", "vnd"),
    Column("Nộp ngân sách (đ)", "budget_paid_vnd", "vnd"),
    Column("Vi phạm chưa khắc phục", "violations_open", "int"),
    Column("Khuyến công được duyệt (đ)", "approved_vnd", "vnd"),
    Column("Khuyến công đã giải ngân (đ)", "disbursed_vnd", "vnd"),
]


def national_sections(report: NationalReport) -> list[Section]:
    rows = [
        {
            "province_code": p.province_code,
            **p.clusters.model_dump(),
            "established_or_expanded": p.established.total,
            "calls_for_investors": p.established.calls_for_investors,
            **p.relocations.model_dump(),
            **p.production.model_dump(),
            "violations_open": p.inspections.violations_open,
            **p.khuyen_cong.total.model_dump(),
        }
        for p in report.provinces
    ]
    return [Section("Theo tỉnh", NATIONAL_COLUMNS, rows)]
