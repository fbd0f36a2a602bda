"""The limit tables the service ships with: QCVN 40:2011/BTNMT and QCVN 40:2025/BTNMT.

The data is written out here, as it stood when this migration was made, so that migrating
never depends on today's code; `services/environment/regulations.py` says where each value
comes from and what could not be verified.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 13:10:00.000000
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_COLUMNS = ("kq_range", "kf_range", "columns", "limits")
DATE_COLUMNS = ("effective_from", "effective_to", "existing_until")

limit_tables = sa.table(
    "limit_tables",
    *(
        sa.column(name)
        for name in (
            "id",
            "regulation",
            "title",
            "kind",
            "province_code",
            "effective_from",
            "effective_to",
            "existing_until",
            "description",
            "uses_factors",
            "kq_range",
            "kf_range",
            "columns",
            "limits",
            "created_at",
        )
    ),
)


def _row(table: dict[str, Any]) -> dict[str, Any]:
    row = dict(table)
    for name in JSON_COLUMNS:
        row[name] = None if row[name] is None else json.dumps(row[name], ensure_ascii=False)
    for name in DATE_COLUMNS:
        row[name] = None if row[name] is None else date.fromisoformat(row[name])
    row["created_at"] = datetime.now(UTC)
    return row


def upgrade() -> None:
    op.bulk_insert(limit_tables, [_row(table) for table in SHIPPED])


def downgrade() -> None:
    op.execute(limit_tables.delete().where(limit_tables.c.id.in_([t["id"] for t in SHIPPED])))


SHIPPED: list[dict[str, Any]] = [
    {
        "id": "qcvn-40-2011-btnmt",
        "regulation": "QCVN 40:2011/BTNMT",
        "title": "Quy chuẩn kỹ thuật quốc gia về nước thải công nghiệp",
        "effective_from": "2012-02-15",
        "effective_to": "2025-08-31",
        "description": "Giá trị C của Bảng 1 QCVN 40:2011/BTNMT (ban hành kèm Thông tư "
        "47/2011/TT-BTNMT, hiệu lực từ 15/02/2012); Cmax = C × Kq × Kf, trừ nhiệt độ, "
        "màu, pH, coliform, tổng hoạt độ phóng xạ α và β (Cmax = C). Hàng 1-25, cột A "
        "và B: đối chiếu với bản Bảng 1 đăng tại qcvn.com.vn. Hàng 26-33 (clorua, clo "
        "dư, tổng hóa chất BVTV clo hữu cơ, tổng hóa chất BVTV phốt pho hữu cơ, tổng "
        "PCB, coliform, tổng hoạt độ phóng xạ α, β): chỉ có cột B, lấy từ bảng giới "
        "hạn của KCN Lộc An – Bình Sơn chép lại cột B của quy chuẩn; cột A của 8 "
        "thông số này chưa đối chiếu được nên không đưa vào, mẫu cột A của các thông "
        "số này sẽ bị từ chối. Clorua không áp dụng khi xả vào nguồn nước mặn, nước "
        "lợ. Khoảng Kq 0,6-1,3 và Kf 0,9-1,2 chưa đối chiếu được với văn bản quy "
        "chuẩn. Nước thải xả vào hệ thống thoát nước đô thị chưa có nhà máy xử lý tập "
        "trung áp dụng cột B với Cmax = C: nhập Kq = 1 và Kf = 1. Điều 3 (chuyển "
        "tiếp) Thông tư 06/2025/TT-BTNMT: cơ sở đã hoạt động trước 01/09/2025 tiếp "
        "tục áp dụng quy chuẩn này đến hết 31/12/2031 (ngày này theo tài liệu thứ "
        "cấp, chưa đối chiếu bản gốc).",
        "columns": [
            {
                "code": "A",
                "description": "Xả vào nguồn nước được dùng cho mục đích cấp nước sinh hoạt",
            },
            {
                "code": "B",
                "description": "Xả vào nguồn nước không dùng cho mục đích cấp nước sinh hoạt",
            },
        ],
        "limits": [
            {
                "parameter": "ph",
                "column": "A",
                "unit": "-",
                "max": "9",
                "min": "6",
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "ph",
                "column": "B",
                "unit": "-",
                "max": "9",
                "min": "5.5",
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "temperature",
                "column": "A",
                "unit": "°C",
                "max": "40",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "temperature",
                "column": "B",
                "unit": "°C",
                "max": "40",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "color",
                "column": "A",
                "unit": "Pt/Co",
                "max": "50",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "color",
                "column": "B",
                "unit": "Pt/Co",
                "max": "150",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "bod5",
                "column": "A",
                "unit": "mg/L",
                "max": "30",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "bod5",
                "column": "B",
                "unit": "mg/L",
                "max": "50",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "cod",
                "column": "A",
                "unit": "mg/L",
                "max": "75",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "cod",
                "column": "B",
                "unit": "mg/L",
                "max": "150",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "tss",
                "column": "A",
                "unit": "mg/L",
                "max": "50",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "tss",
                "column": "B",
                "unit": "mg/L",
                "max": "100",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "arsenic",
                "column": "A",
                "unit": "mg/L",
                "max": "0.05",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "arsenic",
                "column": "B",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "mercury",
                "column": "A",
                "unit": "mg/L",
                "max": "0.005",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "mercury",
                "column": "B",
                "unit": "mg/L",
                "max": "0.01",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "lead",
                "column": "A",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "lead",
                "column": "B",
                "unit": "mg/L",
                "max": "0.5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "cadmium",
                "column": "A",
                "unit": "mg/L",
                "max": "0.05",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "cadmium",
                "column": "B",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "chromium_vi",
                "column": "A",
                "unit": "mg/L",
                "max": "0.05",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "chromium_vi",
                "column": "B",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "chromium_iii",
                "column": "A",
                "unit": "mg/L",
                "max": "0.2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "chromium_iii",
                "column": "B",
                "unit": "mg/L",
                "max": "1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "copper",
                "column": "A",
                "unit": "mg/L",
                "max": "2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "copper",
                "column": "B",
                "unit": "mg/L",
                "max": "2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "zinc",
                "column": "A",
                "unit": "mg/L",
                "max": "3",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "zinc",
                "column": "B",
                "unit": "mg/L",
                "max": "3",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "nickel",
                "column": "A",
                "unit": "mg/L",
                "max": "0.2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "nickel",
                "column": "B",
                "unit": "mg/L",
                "max": "0.5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "manganese",
                "column": "A",
                "unit": "mg/L",
                "max": "0.5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "manganese",
                "column": "B",
                "unit": "mg/L",
                "max": "1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "iron",
                "column": "A",
                "unit": "mg/L",
                "max": "1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "iron",
                "column": "B",
                "unit": "mg/L",
                "max": "5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_cyanide",
                "column": "A",
                "unit": "mg/L",
                "max": "0.07",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_cyanide",
                "column": "B",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_phenol",
                "column": "A",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_phenol",
                "column": "B",
                "unit": "mg/L",
                "max": "0.5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "mineral_oil",
                "column": "A",
                "unit": "mg/L",
                "max": "5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "mineral_oil",
                "column": "B",
                "unit": "mg/L",
                "max": "10",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "sulfide",
                "column": "A",
                "unit": "mg/L",
                "max": "0.2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "sulfide",
                "column": "B",
                "unit": "mg/L",
                "max": "0.5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "fluoride",
                "column": "A",
                "unit": "mg/L",
                "max": "5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "fluoride",
                "column": "B",
                "unit": "mg/L",
                "max": "10",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "nh4_n",
                "column": "A",
                "unit": "mg/L",
                "max": "5",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "nh4_n",
                "column": "B",
                "unit": "mg/L",
                "max": "10",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_n",
                "column": "A",
                "unit": "mg/L",
                "max": "20",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_n",
                "column": "B",
                "unit": "mg/L",
                "max": "40",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_p",
                "column": "A",
                "unit": "mg/L",
                "max": "4",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_p",
                "column": "B",
                "unit": "mg/L",
                "max": "6",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "chloride",
                "column": "B",
                "unit": "mg/L",
                "max": "1000",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "residual_chlorine",
                "column": "B",
                "unit": "mg/L",
                "max": "2",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "organochlorine_pesticides",
                "column": "B",
                "unit": "mg/L",
                "max": "0.1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "organophosphorus_pesticides",
                "column": "B",
                "unit": "mg/L",
                "max": "1",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "total_pcb",
                "column": "B",
                "unit": "mg/L",
                "max": "0.01",
                "min": None,
                "factors_apply": True,
                "condition": None,
            },
            {
                "parameter": "coliform",
                "column": "B",
                "unit": "vi khuẩn/100mL",
                "max": "5000",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "total_alpha_radioactivity",
                "column": "B",
                "unit": "Bq/L",
                "max": "0.1",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
            {
                "parameter": "total_beta_radioactivity",
                "column": "B",
                "unit": "Bq/L",
                "max": "1.0",
                "min": None,
                "factors_apply": False,
                "condition": None,
            },
        ],
        "uses_factors": True,
        "kind": "industrial_wastewater",
        "kq_range": ["0.6", "1.3"],
        "kf_range": ["0.9", "1.2"],
        "province_code": None,
        "existing_until": "2031-12-31",
    },
    {
        "id": "qcvn-40-2025-btnmt",
        "regulation": "QCVN 40:2025/BTNMT",
        "title": "Quy chuẩn kỹ thuật quốc gia về nước thải công nghiệp",
        "effective_from": "2025-09-01",
        "effective_to": None,
        "description": "QCVN 40:2025/BTNMT ban hành kèm Thông tư 06/2025/TT-BTNMT ngày 28/02/2025, "
        "hiệu lực từ 01/09/2025; thay thế QCVN 40:2011/BTNMT và các quy chuẩn nước "
        "thải ngành 25:2009, 28:2010, 29:2010, 01-MT:2015, 11-MT:2015, 12-MT:2015, "
        "13-MT:2015, 60-MT:2015, 63:2017, 52:2017; không áp dụng cho nước khai thác "
        "thải từ công trình dầu khí trên biển, nước thải chăn nuôi, nước thải sinh "
        "hoạt và đô thị. Bảng không dùng hệ số Kq, Kf (theo tài liệu nghiệp vụ, chưa "
        "đối chiếu với bản gốc). CHƯA CÓ GIÁ TRỊ GIỚI HẠN NÀO: không đối chiếu được "
        "Bảng 1 (các cột theo phân vùng xả thải, điều kiện theo lưu lượng xả) với bản "
        "gốc, nên mọi mẫu lấy từ 01/09/2025 sẽ bị từ chối cho tới khi cán bộ nhập "
        "bảng đã đối chiếu (cùng mã qcvn-40-2025-btnmt). Tên và mô tả các cột A, B, C "
        "cũng chưa được đối chiếu.",
        "columns": [
            {"code": "A", "description": "Cột A của quy chuẩn (chưa đối chiếu nội dung)"},
            {"code": "B", "description": "Cột B của quy chuẩn (chưa đối chiếu nội dung)"},
            {"code": "C", "description": "Cột C của quy chuẩn (chưa đối chiếu nội dung)"},
        ],
        "limits": [],
        "uses_factors": False,
        "kind": "industrial_wastewater",
        "kq_range": None,
        "kf_range": None,
        "province_code": None,
        "existing_until": None,
    },
]
