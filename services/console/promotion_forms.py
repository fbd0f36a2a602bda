"""The khuyến công forms: each project command's fields as `forms` declares them, and a new
project's form. A command the promotion API adds is a few lines here, its permit and status
still decided by the promotion service's own rules."""

from __future__ import annotations

from collections.abc import Mapping

from services.console import formats
from services.console.forms import Command, Field, Record, today_typed
from services.promotion.domain import Step
from shared import labels


def _requested(project: Record) -> str:
    return formats.number(project["requested_support_vnd"])


def _held(project: Record) -> str:
    return formats.number(project["money"]["held_vnd"])


def _planned(project: Record) -> dict[str, int]:
    return dict(project["planned_outputs"])


def _day(name: str, label: str) -> Field:
    return Field(name, label, "day", default=today_typed)


def _text_area(name: str = "reason", label: str = "Lý do", *, required: bool = True) -> Field:
    return Field(name, label, "long", required=required)


COMMANDS = (
    Command(
        Step.APPRAISE,
        "tham-dinh",
        "appraisal",
        "Ghi kết quả thẩm định",
        (
            Field("result", "Kết quả", "choice", labels.APPRAISAL_RESULT_VI),
            _day("appraised_on", "Ngày thẩm định"),
            _text_area("notes", "Ghi chú", required=False),
        ),
        "Đã ghi kết quả thẩm định.",
        "Thẩm định không đạt thì đề án dừng ở đây, không được cấp kinh phí.",
    ),
    Command(
        Step.APPROVE,
        "phe-duyet",
        "approval",
        "Phê duyệt kinh phí hỗ trợ",
        (
            Field("decision_number", "Số quyết định"),
            _day("decision_date", "Ngày quyết định"),
            Field("approved_support_vnd", "Kinh phí hỗ trợ (đ)", "vnd", default=_requested),
        ),
        "Đã phê duyệt kinh phí hỗ trợ.",
        "Không quá kinh phí đề nghị, trong mức hỗ trợ tối đa và kế hoạch năm.",
    ),
    Command(
        Step.CONTRACT,
        "hop-dong",
        "contract",
        "Ghi hợp đồng đã ký",
        (Field("contract_number", "Số hợp đồng"), _day("signed_on", "Ngày ký")),
        "Đã ghi hợp đồng.",
    ),
    Command(
        Step.DISBURSE,
        "giai-ngan",
        "disbursements",
        "Giải ngân",
        (
            Field("amount_vnd", "Số tiền (đ)", "vnd"),
            Field("kind", "Hình thức", "choice", labels.DISBURSEMENT_KIND_VI),
            _day("date", "Ngày giải ngân"),
        ),
        "Đã ghi khoản giải ngân.",
        "Tổng giải ngân không vượt kinh phí được duyệt; sau nghiệm thu chỉ thanh toán.",
    ),
    Command(
        Step.RECORD_VISIT,
        "kiem-tra",
        "monitoring-visits",
        "Ghi kiểm tra, giám sát",
        (
            _day("date", "Ngày kiểm tra"),
            Field("phase", "Giai đoạn", "choice", labels.MONITORING_PHASE_VI),
            _text_area("findings", "Kết quả kiểm tra"),
        ),
        "Đã ghi chuyến kiểm tra, giám sát.",
    ),
    Command(
        Step.ACCEPT,
        "nghiem-thu",
        "acceptance",
        "Nghiệm thu",
        (
            _day("accepted_on", "Ngày nghiệm thu"),
            Field("actual_outputs", "Kết quả thực tế", "outputs", default=_planned),
        ),
        "Đã nghiệm thu đề án.",
    ),
    Command(
        Step.SETTLE,
        "quyet-toan",
        "settlement",
        "Quyết toán",
        (
            Field("settled_vnd", "Số tiền được quyết toán (đ)", "vnd", default=_held),
            _day("settled_on", "Ngày quyết toán"),
        ),
        "Đã quyết toán đề án.",
        "Phần đã giải ngân không được quyết toán sẽ được ghi hoàn trả ngân sách.",
    ),
    Command(
        Step.PAUSE,
        "tam-dung",
        "pause",
        "Tạm dừng",
        (_day("paused_on", "Ngày tạm dừng"), _text_area()),
        "Đã tạm dừng đề án.",
    ),
    Command(
        Step.RESUME,
        "tiep-tuc",
        "resumption",
        "Cho thực hiện tiếp",
        (_day("resumed_on", "Ngày thực hiện tiếp"),),
        "Đề án được thực hiện tiếp.",
    ),
    Command(
        Step.RESCHEDULE,
        "dieu-chinh-thoi-gian",
        "reschedule",
        "Điều chỉnh ngày kết thúc",
        (Field("end_date", "Ngày kết thúc mới", "day"), _text_area()),
        "Đã điều chỉnh ngày kết thúc.",
    ),
    Command(
        Step.CANCEL,
        "huy",
        "cancellation",
        "Hủy đề án",
        (_day("cancelled_on", "Ngày hủy"), _text_area()),
        "Đã hủy đề án.",
        "Kinh phí đơn vị thụ hưởng còn giữ được ghi hoàn trả; không thể hoàn tác.",
    ),
    Command(
        Step.RETURN_FUNDS,
        "hoan-tra",
        "fund-returns",
        "Hoàn trả kinh phí chưa sử dụng",
        (
            Field("amount_vnd", "Số tiền (đ)", "vnd"),
            _day("returned_on", "Ngày hoàn trả"),
            _text_area("note", "Ghi chú", required=False),
        ),
        "Đã ghi khoản hoàn trả.",
    ),
)
BY_SLUG = {c.slug: c for c in COMMANDS}


def proposal_fields(
    plans: Mapping[str, str], facilities: Mapping[str, str], communes: Mapping[str, str]
) -> tuple[Field, ...]:
    """A new project's form: `plans` and `facilities` are the choices of the province's; an
    official of some communes only also chooses which of them (`communes`) it is filed under."""
    where = (Field("commune_code", "Xã, phường", "choice", communes),) if communes else ()
    return (
        Field("name", "Tên đề án"),
        *where,
        Field("funding_source", "Nguồn kinh phí", "choice", labels.FUNDING_SOURCE_VI),
        Field("content_group", "Nội dung", "choice", labels.CONTENT_GROUP_VI),
        Field("plan_id", "Kế hoạch năm", "choice", plans, required=False),
        Field("beneficiary_facility_id", "Cơ sở thụ hưởng", "choice", facilities, required=False),
        Field("total_cost_vnd", "Tổng kinh phí (đ)", "vnd"),
        Field("requested_support_vnd", "Kinh phí khuyến công đề nghị (đ)", "vnd"),
        Field("counterpart_vnd", "Vốn đối ứng (đ)", "vnd"),
        Field("start_date", "Ngày bắt đầu", "day"),
        Field("end_date", "Ngày kết thúc", "day"),
        Field("planned_outputs", "Kết quả dự kiến", "outputs"),
    )
