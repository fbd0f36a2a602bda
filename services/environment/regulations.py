"""The industrial wastewater limit tables the service ships with: QCVN 40:2011 and 40:2025.

Sources read (third-party copies; no official gazette copy was available):
- Circular 47/2011/TT-BTNMT of 28 Dec 2011 issuing QCVN 40:2011/BTNMT, Article 2: in force
  from 15 Feb 2012 (luatminhkhue.vn/thong-tu-47-2011-tt-btnmt-quy-chuan-quoc-gia-ve-moi-
  truong-do-bo-tai-nguyen-va-moi-truong-ban-hanh.aspx).
- QCVN 40:2011/BTNMT Table 1, columns A and B of rows 1-25 (qcvn.com.vn/en/industrial-waste-
  water-analysis/); Cmax = C × Kq × Kf and the parameters exempt from Kq/Kf (temperature,
  colour, pH, coliform, total α and β radioactivity) (mycogroup.com.vn, 1libvn.com).
- Column B of rows 26-33, from the wastewater intake table of Lộc An – Bình Sơn industrial
  zone, which reproduces column B of QCVN 40:2011 row for row; its rows 1-25 match the
  table above exactly (scribd.com/document/700244009/3-Wastewater-Standard-in-the-IP1).
- Circular 06/2025/TT-BTNMT of 28 Feb 2025 issuing QCVN 40:2025/BTNMT, in force from
  1 Sep 2025, the regulations it replaces and its scope (english.luatvietnam.vn circular-06-
  2025-tt-btnmt; vanban123.vn National-Technical-Regulation-QCVN-40-2025-BTNMT; aquaco.vn;
  aresen.vn; scem.gov.vn).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.environment.domain.limits import Limit, LimitColumn, LimitTable

MG_L = "mg/L"

# (parameter, unit, C column A, C column B, whether Kq × Kf apply); None where unverified.
_QCVN_40_2011_ROWS: tuple[tuple[str, str, str | None, str, bool], ...] = (
    ("temperature", "°C", "40", "40", False),
    ("color", "Pt/Co", "50", "150", False),
    ("bod5", MG_L, "30", "50", True),
    ("cod", MG_L, "75", "150", True),
    ("tss", MG_L, "50", "100", True),
    ("arsenic", MG_L, "0.05", "0.1", True),
    ("mercury", MG_L, "0.005", "0.01", True),
    ("lead", MG_L, "0.1", "0.5", True),
    ("cadmium", MG_L, "0.05", "0.1", True),
    ("chromium_vi", MG_L, "0.05", "0.1", True),
    ("chromium_iii", MG_L, "0.2", "1", True),
    ("copper", MG_L, "2", "2", True),
    ("zinc", MG_L, "3", "3", True),
    ("nickel", MG_L, "0.2", "0.5", True),
    ("manganese", MG_L, "0.5", "1", True),
    ("iron", MG_L, "1", "5", True),
    ("total_cyanide", MG_L, "0.07", "0.1", True),
    ("total_phenol", MG_L, "0.1", "0.5", True),
    ("mineral_oil", MG_L, "5", "10", True),
    ("sulfide", MG_L, "0.2", "0.5", True),
    ("fluoride", MG_L, "5", "10", True),
    ("nh4_n", MG_L, "5", "10", True),
    ("total_n", MG_L, "20", "40", True),
    ("total_p", MG_L, "4", "6", True),
    ("chloride", MG_L, None, "1000", True),
    ("residual_chlorine", MG_L, None, "2", True),
    ("organochlorine_pesticides", MG_L, None, "0.1", True),
    ("organophosphorus_pesticides", MG_L, None, "1", True),
    ("total_pcb", MG_L, None, "0.01", True),
    ("coliform", "vi khuẩn/100mL", None, "5000", False),
    ("total_alpha_radioactivity", "Bq/L", None, "0.1", False),
    ("total_beta_radioactivity", "Bq/L", None, "1.0", False),
)


def _qcvn_40_2011_limits() -> list[Limit]:
    limits = [
        Limit("ph", "A", "-", max=Decimal("9"), min=Decimal("6"), factors_apply=False),
        Limit("ph", "B", "-", max=Decimal("9"), min=Decimal("5.5"), factors_apply=False),
    ]
    for parameter, unit, c_a, c_b, factors in _QCVN_40_2011_ROWS:
        if c_a is not None:
            limits.append(Limit(parameter, "A", unit, max=Decimal(c_a), factors_apply=factors))
        limits.append(Limit(parameter, "B", unit, max=Decimal(c_b), factors_apply=factors))
    return limits


QCVN_40_2011 = LimitTable(
    id="qcvn-40-2011-btnmt",
    regulation="QCVN 40:2011/BTNMT",
    title="Quy chuẩn kỹ thuật quốc gia về nước thải công nghiệp",
    effective_from=date(2012, 2, 15),
    effective_to=date(2025, 8, 31),
    description=(
        "Giá trị C của Bảng 1 QCVN 40:2011/BTNMT (ban hành kèm Thông tư 47/2011/TT-BTNMT, "
        "hiệu lực từ 15/02/2012); Cmax = C × Kq × Kf, trừ nhiệt độ, màu, pH, coliform, tổng "
        "hoạt độ phóng xạ α và β (Cmax = C). Hàng 1-25, cột A và B: đối chiếu với bản Bảng 1 "
        "đăng tại qcvn.com.vn. Hàng 26-33 (clorua, clo dư, tổng hóa chất BVTV clo hữu cơ, "
        "tổng hóa chất BVTV phốt pho hữu cơ, tổng PCB, coliform, tổng hoạt độ phóng xạ α, β): "
        "chỉ có cột B, lấy từ bảng giới hạn của KCN Lộc An – Bình Sơn chép lại cột B của quy "
        "chuẩn; cột A của 8 thông số này chưa đối chiếu được nên không đưa vào, mẫu cột A "
        "của các thông số này sẽ bị từ chối. Clorua không áp dụng khi xả vào nguồn nước mặn, "
        "nước lợ. Khoảng Kq 0,6-1,3 và Kf 0,9-1,2 chưa đối chiếu được với văn bản quy "
        "chuẩn. Nước thải xả vào hệ thống thoát nước đô thị chưa có nhà máy xử lý tập "
        "trung áp dụng cột B với Cmax = C: nhập Kq = 1 và Kf = 1. Điều 3 (chuyển tiếp) "
        "Thông tư 06/2025/TT-BTNMT: cơ sở đã hoạt động trước 01/09/2025 tiếp tục áp dụng "
        "quy chuẩn này đến hết 31/12/2031 (ngày này theo tài liệu thứ cấp, chưa đối chiếu "
        "bản gốc)."
    ),
    columns=[
        LimitColumn("A", "Xả vào nguồn nước được dùng cho mục đích cấp nước sinh hoạt"),
        LimitColumn("B", "Xả vào nguồn nước không dùng cho mục đích cấp nước sinh hoạt"),
    ],
    limits=_qcvn_40_2011_limits(),
    uses_factors=True,
    kq_range=(Decimal("0.6"), Decimal("1.3")),
    kf_range=(Decimal("0.9"), Decimal("1.2")),
    existing_until=date(2031, 12, 31),
)


QCVN_40_2025 = LimitTable(
    id="qcvn-40-2025-btnmt",
    regulation="QCVN 40:2025/BTNMT",
    title="Quy chuẩn kỹ thuật quốc gia về nước thải công nghiệp",
    effective_from=date(2025, 9, 1),
    effective_to=None,
    description=(
        "QCVN 40:2025/BTNMT ban hành kèm Thông tư 06/2025/TT-BTNMT ngày 28/02/2025, hiệu "
        "lực từ 01/09/2025; thay thế QCVN 40:2011/BTNMT và các quy chuẩn nước thải ngành "
        "25:2009, 28:2010, 29:2010, 01-MT:2015, 11-MT:2015, 12-MT:2015, 13-MT:2015, "
        "60-MT:2015, 63:2017, 52:2017; không áp dụng cho nước khai thác thải từ công trình "
        "dầu khí trên biển, nước thải chăn nuôi, nước thải sinh hoạt và đô thị. Bảng không "
        "dùng hệ số Kq, Kf (theo tài liệu nghiệp vụ, chưa đối chiếu với bản gốc). "
        "CHƯA CÓ GIÁ TRỊ GIỚI HẠN NÀO: không đối chiếu được Bảng 1 (các cột theo phân vùng "
        "xả thải, điều kiện theo lưu lượng xả) với bản gốc, nên mọi mẫu lấy từ 01/09/2025 "
        "sẽ bị từ chối cho tới khi cán bộ nhập bảng đã đối chiếu (cùng mã "
        "qcvn-40-2025-btnmt). Tên và mô tả các cột A, B, C cũng chưa được đối chiếu."
    ),
    columns=[
        LimitColumn("A", "Cột A của quy chuẩn (chưa đối chiếu nội dung)"),
        LimitColumn("B", "Cột B của quy chuẩn (chưa đối chiếu nội dung)"),
        LimitColumn("C", "Cột C của quy chuẩn (chưa đối chiếu nội dung)"),
    ],
    limits=[],
    uses_factors=False,
)


SHIPPED: tuple[LimitTable, ...] = (QCVN_40_2011, QCVN_40_2025)
