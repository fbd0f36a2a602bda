"""Reports as the agencies file them: JSON, CSV, or an XLSX workbook with one sheet per
section, Vietnamese headers, and number formats for đồng, hectares and rates.

A report says how it splits into sections (`Section`): a title, its columns (header, field,
kind of number) and its rows. The format comes from `format=` or, failing that, the `Accept`
header; JSON when neither asks for another.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import BaseModel


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {Format.JSON: "application/json", Format.CSV: "text/csv", Format.XLSX: XLSX_MEDIA}
NUMBER_FORMATS = {
    "vnd": '#,##0" đ"',
    "ha": "#,##0.0000",
    "rate": "0.00%",
    "int": "#,##0",
    "date": "dd/mm/yyyy",
    "text": "@",
}
"""Excel number formats; the workbook shows 1.234.567 đ and 22,5000 under Vietnamese
settings (Excel puts the reader's own separators in place of `,` and `.`)."""


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "text"


@dataclass(frozen=True)
class Section:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]


def chosen(format_: Format | None, accept: str | None) -> Format:
    """`format=` if given; else the first format the Accept header names; else JSON."""
    if format_ is not None:
        return format_
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for known, name in MEDIA.items():
            if media == name:
                return known
    return Format.JSON


DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "JSON, or with `format=csv|xlsx` (or `Accept`) a file to download",
    }
}
"""What a report route answers besides JSON, for its OpenAPI document."""


def respond(
    report: BaseModel,
    sections: Callable[[Any], list[Section]],
    format_: Format,
    filename: str,
) -> Response | BaseModel:
    """The report as JSON (the model itself), or as a CSV or XLSX download."""
    if format_ is Format.JSON:
        return report
    parts = sections(report)
    if format_ is Format.CSV:
        body, media = csv_of(parts), "text/csv; charset=utf-8"
    else:
        body, media = xlsx_of(parts), XLSX_MEDIA
    disposition = f'attachment; filename="{filename}.{format_.value}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, (list, dict)):
        return str(value)
    return value


def csv_of(sections: Sequence[Section]) -> bytes:
    """Each section under its title, a blank line between; UTF-8 with a BOM so that Excel
    reads the Vietnamese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    for i, section in enumerate(sections):
        if i:
            writer.writerow([])
        writer.writerow([section.title])
        writer.writerow([c.header for c in section.columns])
        for row in section.rows:
            writer.writerow([_text(row.get(c.field)) for c in section.columns])
    return ("\ufeff" + out.getvalue()).encode()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(_cell(value))


def xlsx_of(sections: Sequence[Section]) -> bytes:
    """One sheet per section: a bold header row, then the rows with their number formats."""
    book = Workbook()
    book.remove(book.active)
    for section in sections:
        sheet = book.create_sheet(_sheet_title(section.title))
        sheet.append([c.header for c in section.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append([_cell(row.get(c.field)) for c in section.columns])
        for index, column in enumerate(section.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(48, len(column.header) + 4))
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = NUMBER_FORMATS[column.kind]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31]
