"""The khuyến công forms, declared rather than written: each project command's fields, how an
official's input becomes the promotion API's body, and what the form shows before anything is
typed. One template draws every form from these declarations, so a command the API adds is a
few lines here, its permit and status still decided by the promotion service's own rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.console import formats
from services.promotion.domain import Step
from shared import labels
from shared.domain import today

Project = dict[str, Any]
Form = Mapping[str, str]


def _today(_project: Project) -> str:
    return formats.day(today())


@dataclass(frozen=True)
class Field:
    """One field of a form, named as the API names it. `kind` says how it is typed and read:
    `day` (dd/mm/yyyy), `vnd` (whole đồng), `text`, `long`, `choice` or `outputs` (one count
    per output, sent as an object)."""

    name: str
    label: str
    kind: str = "text"
    choices: Mapping[str, str] = field(default_factory=dict)
    required: bool = True
    default: Callable[[Project], Any] | None = None

    def inputs(self) -> list[str]:
        """The names of the inputs the official fills in for it."""
        if self.kind == "outputs":
            return [f"{self.name}.{output}" for output in labels.OUTPUT_VI]
        return [self.name]

    def read(self, form: Form) -> Any:
        """What the API gets for what the official typed (None: left out)."""
        if self.kind == "outputs":
            return {o: form.get(f"{self.name}.{o}", "").strip() or "0" for o in labels.OUTPUT_VI}
        typed = form.get(self.name, "").strip()
        if not typed and not self.required:
            return None
        if self.kind == "day":
            return formats.read_day(typed)
        if self.kind == "vnd":
            return formats.read_vnd(typed)
        return typed

    def start(self, project: Project) -> dict[str, str]:
        """What its inputs hold before the official types anything."""
        if self.default is None:
            return {}
        value = self.default(project)
        if self.kind == "outputs":
            return {f"{self.name}.{o}": str(n) for o, n in value.items()}
        return {self.name: str(value)}


def body_of(fields: tuple[Field, ...], form: Form) -> dict[str, Any]:
    """The request body a form makes: every field read, those left empty left out."""
    read = {f.name: f.read(form) for f in fields}
    return {name: value for name, value in read.items() if value is not None}


def entered(fields: tuple[Field, ...], form: Form) -> dict[str, str]:
    """What the official typed, kept to show the form again as it was sent."""
    return {name: form.get(name, "") for f in fields for name in f.inputs()}


@dataclass(frozen=True)
class Command:
    """A project command as a form: `slug` in the console's address, `api` the promotion
    API's step, `notice` what the page says once it is done."""

    step: Step
    slug: str
    api: str
    title: str
    fields: tuple[Field, ...]
    notice: str
    hint: str = ""

    def start(self, project: Project) -> dict[str, str]:
        return {k: v for f in self.fields for k, v in f.start(project).items()}


def _requested(project: Project) -> str:
    return formats.number(project["requested_support_vnd"])


def _held(project: Project) -> str:
    return formats.number(project["money"]["held_vnd"])


def _planned(project: Project) -> dict[str, int]:
    return dict(project["planned_outputs"])


def _day(name: str, label: str) -> Field:
    return Field(name, label, "day", default=_today)


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
