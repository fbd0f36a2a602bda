"""Rendering the console's pages: the templates with their filters, the messages an API's
refusal becomes next to a form's fields, and sending a command form to its service."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.console import formats, forms
from services.console.apis import ApiProblem, Apis
from services.console.session import Official
from shared import geo, labels

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(formats.FILTERS)
templates.env.globals.update(
    status_vi=labels.STATUS_VI,
    plant_vi=labels.PLANT_VI,
    coverage_vi=labels.COVERAGE_VI,
    funding_source_vi=labels.FUNDING_SOURCE_VI,
    content_group_vi=labels.CONTENT_GROUP_VI,
    project_status_vi=labels.PROJECT_STATUS_VI,
    appraisal_result_vi=labels.APPRAISAL_RESULT_VI,
    disbursement_kind_vi=labels.DISBURSEMENT_KIND_VI,
    monitoring_phase_vi=labels.MONITORING_PHASE_VI,
    output_vi=labels.OUTPUT_VI,
    inspection_kind_vi=labels.INSPECTION_KIND_VI,
    inspection_status_vi=labels.INSPECTION_STATUS_VI,
    outcome_vi=labels.OUTCOME_VI,
    violation_kind_vi=labels.VIOLATION_KIND_VI,
    violation_status_vi=labels.VIOLATION_STATUS_VI,
    severity_vi=labels.SEVERITY_VI,
    agency_vi={**labels.AGENCY_VI, "khuyen-cong": "Trung tâm Khuyến công"},
    province_name=geo.province_name,
    commune_name=geo.commune_name,
)

ERROR_VI = {
    "missing": "Chưa nhập",
    "greater_than": "Phải lớn hơn 0",
    "greater_than_equal": "Không được âm",
    "decimal_parsing": "Không phải là số (ví dụ 1,5)",
    "decimal_max_places": "Nhiều nhất 4 chữ số sau dấu phẩy",
    "decimal_max_digits": "Số quá lớn",
    "date_parsing": "Không phải là ngày: viết dd/mm/yyyy",
    "date_from_datetime_parsing": "Không phải là ngày: viết dd/mm/yyyy",
    "int_parsing": "Không phải là số nguyên",
    "string_too_short": "Chưa nhập",
}
"""Vietnamese for the API's validation errors by their type; other messages are the API's."""

PROBLEM_VI = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập lại",
    403: "Bạn không có quyền xem hoặc thực hiện việc này",
    404: "Không tìm thấy",
    409: "Không thực hiện được với trạng thái hiện tại",
    422: "Dữ liệu chưa hợp lệ",
    428: "Thiếu phiên bản dữ liệu đã đọc",
    502: "Dịch vụ không trả lời",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


def field_messages(problem: ApiProblem) -> dict[str, str]:
    """Each field the API named, with its message in Vietnamese where the console knows it."""
    messages: dict[str, str] = {}
    for error in problem.errors:
        name = str(error.get("field", ""))
        kind = str(error.get("type", ""))
        messages.setdefault(name, ERROR_VI.get(kind) or str(error.get("message", "")))
    return messages


def headline(problem: ApiProblem) -> str:
    if problem.slug == "stale-version":
        return "Dữ liệu đã được người khác thay đổi"
    return PROBLEM_VI.get(problem.status, "Yêu cầu không thực hiện được")


@dataclass(frozen=True)
class Refusal:
    """A form the service refused: which one, what it answered, and what the official typed."""

    form: str
    problem: ApiProblem
    entered: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return headline(self.problem)

    @property
    def errors(self) -> dict[str, str]:
        """The service's messages by the form's own field names: a sample's `samples.0.value`
        is the form's `value`, a finding's `findings.2` its `findings`."""
        named: dict[str, str] = {}
        for name, message in field_messages(self.problem).items():
            short = name.removeprefix("samples.0.").split(".")[0]
            named.setdefault(short, message)
        return named


def page(
    request: Request,
    name: str,
    official: Official | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {"official": official, "path": request.url.path, **context},
        status_code=status_code,
    )


def problem_page(request: Request, official: Official | None, problem: ApiProblem) -> HTMLResponse:
    """A whole page for an API's refusal that leaves nothing else to show (403, 404, 502)."""
    return page(
        request,
        "problem.html",
        official,
        status_code=problem.status,
        title=headline(problem),
        problem=problem,
    )


def refused_filters_page(
    request: Request,
    name: str,
    official: Official | None,
    problem: ApiProblem,
    context: dict[str, Any],
    *,
    errors_key: str = "errors",
) -> HTMLResponse:
    """A list or report page whose filters the API refused: with a 422, the page again with
    the messages beside the filters (under `errors_key`); any other refusal, the problem page."""
    if problem.status != 422:
        return problem_page(request, official, problem)
    errors = field_messages(problem) or {"": problem.detail}
    return page(request, name, official, 422, **{**context, errors_key: errors})


def refusal_context(refused: ApiProblem | None) -> dict[str, Any]:
    """What a page with command forms shows of the API's refusal of one: nothing if none."""
    return {
        "refused": refused,
        "refused_title": headline(refused) if refused else None,
        "errors": field_messages(refused) if refused else {},
    }


async def form_of(request: Request) -> dict[str, str]:
    """The form the official sent, its text fields only."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


PageAgain = Callable[[dict[str, str], ApiProblem], Awaitable[HTMLResponse]]
"""The record's page again, with the form as the official typed it and the API's refusal."""


async def send_command(
    request: Request,
    official: Official,
    apis: Apis,
    *,
    commands: Mapping[str, forms.Command],
    slug: str,
    service: str,
    record_path: str,
    page_again: PageAgain,
    back: str,
) -> Response:
    """Send the command `slug` names as its form says, on the version of the record the
    official read: back to the record's page `back` with its notice, or to `page_again`
    with the refusal."""
    command = commands.get(slug)
    if command is None:
        return problem_page(request, official, ApiProblem(404, "Không có thao tác này."))
    sent = await form_of(request)
    body = {**forms.body_of(command.fields, sent), "version": forms.version_of(sent)}
    try:
        await apis.post(
            service,
            f"{record_path}/{command.api}",
            body,
            idempotency_key=sent.get("idempotency_key") or str(uuid.uuid4()),
        )
    except ApiProblem as problem:
        typed = {**forms.entered(command.fields, sent), "version_read": sent.get("version", "")}
        return await page_again(typed, problem)
    return RedirectResponse(f"{back}?thong_bao={slug}", status_code=303)


def provinces() -> list[tuple[str, str]]:
    """Every province's code and name."""
    return [(f"{n:02d}", name) for n in range(1, 100) if (name := geo.province_name(f"{n:02d}"))]
