"""A cluster's lifecycle commands as forms: what the registry API takes to establish a
cluster, record its infrastructure investment, report its treatment plant and fire safety,
open it, expand it or remove it from the plan; and ending a tenancy. Which of them an
official is offered is decided by the registry's own steps and permits (`permissions`)."""

from __future__ import annotations

from collections.abc import Callable

from services.console import formats
from services.console.forms import Command, Field, Record, today_typed
from services.registry.domain import Step
from shared import labels


def _planned_area(cluster: Record) -> str:
    return formats.number(cluster["area_ha"] or cluster["planned_area_ha"], 4)


def _infrastructure(name: str) -> Callable[[Record], str]:
    """The last report's value: the form starts from what is on record."""

    def kept(cluster: Record) -> str:
        return str(cluster["infrastructure"][name] or "")

    return kept


def _day(name: str, label: str) -> Field:
    return Field(name, label, "day", default=today_typed)


DECISION = (Field("decision_number", "Số quyết định"), _day("decision_date", "Ngày quyết định"))

COMMANDS = (
    Command(
        Step.ESTABLISH,
        "thanh-lap",
        "establishment",
        "Thành lập cụm",
        (
            *DECISION,
            Field("investor_name", "Chủ đầu tư hạ tầng"),
            Field("area_ha", "Diện tích thành lập (ha)", "ha", default=_planned_area),
            Field("industrial_land_area_ha", "Trong đó đất công nghiệp (ha)", "ha"),
        ),
        "Đã ghi quyết định thành lập cụm.",
        "Theo quyết định của UBND tỉnh; diện tích không vượt mức tối đa của một cụm.",
    ),
    Command(
        Step.RECORD_CONSTRUCTION,
        "dau-tu-ha-tang",
        "construction",
        "Ghi vốn đầu tư hạ tầng",
        (
            Field("investment_vnd", "Vốn đầu tư thêm từ lần báo cáo trước (đ)", "vnd"),
            _day("report_date", "Ngày báo cáo"),
            Field("note", "Ghi chú", "long", required=False),
        ),
        "Đã ghi vốn đầu tư hạ tầng.",
        "Cụm đã thành lập chuyển sang đang xây dựng hạ tầng.",
    ),
    Command(
        Step.REPORT_INFRASTRUCTURE,
        "moi-truong-pccc",
        "infrastructure",
        "Báo cáo xử lý nước thải, chất thải rắn và PCCC",
        (
            Field(
                "treatment_plant",
                "Trạm xử lý nước thải tập trung",
                "choice",
                labels.PLANT_VI,
                default=_infrastructure("treatment_plant"),
            ),
            Field(
                "treatment_capacity_m3_per_day",
                "Công suất thiết kế (m³/ngày)",
                "count",
                required=False,
                default=_infrastructure("treatment_capacity_m3_per_day"),
            ),
            Field(
                "solid_waste_collection",
                "Thu gom chất thải rắn",
                "choice",
                labels.COVERAGE_VI,
                default=_infrastructure("solid_waste_collection"),
            ),
            Field(
                "fire_safety",
                "Phòng cháy chữa cháy",
                "choice",
                labels.COVERAGE_VI,
                default=_infrastructure("fire_safety"),
            ),
            _day("reported_on", "Tình trạng đến ngày"),
            Field("note", "Ghi chú", "long", required=False),
        ),
        "Đã ghi báo cáo hạ tầng môi trường và PCCC.",
        "Chưa có trạm thì để trống công suất; báo cáo mới thay báo cáo cũ.",
    ),
    Command(
        Step.START_OPERATION,
        "dua-vao-hoat-dong",
        "operation",
        "Đưa cụm vào hoạt động",
        (_day("start_date", "Ngày bắt đầu hoạt động"),),
        "Cụm đã đi vào hoạt động: có thể cho thuê đất.",
    ),
    Command(
        Step.EXPAND,
        "mo-rong",
        "expansion",
        "Mở rộng cụm",
        (
            *DECISION,
            Field("added_area_ha", "Diện tích tăng thêm (ha)", "ha"),
            Field("added_industrial_land_area_ha", "Trong đó đất công nghiệp (ha)", "ha"),
        ),
        "Đã ghi quyết định mở rộng cụm.",
        "Chỉ mở rộng khi tỷ lệ lấp đầy đã đạt mức quy định; tổng diện tích không vượt mức tối đa.",
    ),
    Command(
        Step.REMOVE,
        "dua-ra-khoi-quy-hoach",
        "removal",
        "Đưa ra khỏi quy hoạch",
        (Field("reason", "Lý do", "long"),),
        "Đã đưa cụm ra khỏi quy hoạch.",
        "Không thể hoàn tác; cụm đã hoạt động thì không đưa ra khỏi quy hoạch được.",
    ),
)
BY_SLUG = {c.slug: c for c in COMMANDS}

END_TENANCY = (_day("end_date", "Ngày kết thúc thuê"),)
"""Ending a tenancy: its land is free again, the facility moves out."""
