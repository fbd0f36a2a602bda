"""The khuyến công summary as a workbook. The promotion API answers its summary as JSON only,
so the console lays it out with the reporting service's sheets: the same money columns, the
same Vietnamese headers and number formats as the province report's khuyến công sheet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.formats import Column, Section, xlsx_of
from services.reporting.sheets import MONEY_COLUMNS
from shared import labels

PROJECT_COLUMNS = [MONEY_COLUMNS[0], Column("Số đề án", "projects", "int"), *MONEY_COLUMNS[1:]]


def named(money: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Money by funding source or content group as rows of `MONEY_COLUMNS`, each group named
    in Vietnamese (`names`)."""
    return [{**m, "group": names.get(k, k)} for k, m in money.items()]


def _money_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The money in total, by funding source, then by content group, named in Vietnamese."""
    return [
        {**summary["total"], "group": "Tổng"},
        *named(summary["by_funding_source"], labels.FUNDING_SOURCE_VI),
        *named(summary["by_content_group"], labels.CONTENT_GROUP_VI),
    ]


def sections(summary: dict[str, Any]) -> list[Section]:
    outputs = [
        {"output": name, "count": summary["outputs"].get(key, 0)}
        for key, name in labels.OUTPUT_VI.items()
    ]
    statuses = [
        {"status": name.capitalize(), "count": summary["by_status"].get(key, 0)}
        for key, name in labels.PROJECT_STATUS_VI.items()
    ]
    events = [
        {"status": "Từng tạm dừng", "count": summary["paused"]},
        {"status": "Có điều chỉnh thời gian", "count": summary["rescheduled"]},
    ]
    return [
        Section("Kinh phí khuyến công", PROJECT_COLUMNS, _money_rows(summary)),
        Section(
            "Kết quả",
            [Column("Chỉ tiêu", "output"), Column("Số lượng", "count", "int")],
            outputs,
        ),
        Section(
            "Theo trạng thái",
            [Column("Trạng thái", "status"), Column("Số đề án", "count", "int")],
            [*statuses, *events],
        ),
    ]


def workbook(summary: dict[str, Any]) -> bytes:
    return xlsx_of(sections(summary))


def filename(summary: dict[str, Any]) -> str:
    """`khuyen-cong-15-2019-01-01-2019-12-31.xlsx`: whose summary, over which days."""
    parts = [summary["province_code"] or "ca-nuoc", summary["from"], summary["to"]]
    return "-".join(["khuyen-cong", *filter(None, parts)]) + ".xlsx"
