"""The forms of an inspection's lifecycle: its samples, its closing, and a violation's remedy or
escalation. Each sends one command to the environment service with the version the official
read and the form's Idempotency-Key, then goes back to the inspection's page: with a notice
once done, or with the service's refusal beside the form's fields."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console import formats, forms
from services.console.apis import ApiProblem, Apis
from services.console.inspection_pages import inspection_page
from services.console.pages import ServiceApis
from services.console.session import CurrentOfficial, Official
from services.console.views import Refusal, form_of

router = APIRouter(include_in_schema=False)


def _optional(text: str) -> str | None:
    return formats.read_decimal(text) or None


async def _command(
    request: Request,
    official: Official,
    apis: Apis,
    inspection_id: str,
    *,
    refusal_form: str,
    path: str,
    body: dict[str, Any],
    entered: dict[str, str],
    notice: str,
) -> Response:
    """Send one command on the inspection or one of its violations, on the version the
    official read; back to its page."""
    key = entered.pop("idempotency_key", "") or str(uuid.uuid4())
    try:
        sent = {**body, "version": forms.version_of(entered)}
        await apis.post("environment", path, sent, idempotency_key=key)
    except ApiProblem as problem:
        refusal = Refusal(refusal_form, problem, entered)
        return await inspection_page(request, official, apis, inspection_id, refusal=refusal)
    return RedirectResponse(f"/thanh-tra/{inspection_id}?thong_bao={notice}", status_code=303)


@router.post("/thanh-tra/{inspection_id}/quan-trac")
async def record_sample(
    request: Request, official: CurrentOfficial, apis: ServiceApis, inspection_id: str
) -> Response:
    """One sample, for the service to judge against the limit table that applies."""
    form = await form_of(request)
    sample = {
        "parameter": form.get("parameter", ""),
        "value": formats.read_decimal(form.get("value", "")),
        "unit": form.get("unit", ""),
        "sampled_on": formats.read_day(form.get("sampled_on", "")),
        "discharge_point": form.get("discharge_point", ""),
        "column": form.get("column", ""),
        "kq": _optional(form.get("kq", "")),
        "kf": _optional(form.get("kf", "")),
    }
    return await _command(
        request,
        official,
        apis,
        inspection_id,
        refusal_form="measurements",
        path=f"/inspections/{inspection_id}/measurements",
        body={"samples": [sample]},
        entered=form,
        notice="da-ghi-mau",
    )


@router.post("/thanh-tra/{inspection_id}/ket-thuc")
async def complete(
    request: Request, official: CurrentOfficial, apis: ServiceApis, inspection_id: str
) -> Response:
    """Close the inspection; the findings, one a line, become violations with its exceedances."""
    form = await form_of(request)
    findings = [line.strip() for line in form.get("findings", "").splitlines() if line.strip()]
    body = {
        "carried_out_on": formats.read_day(form.get("carried_out_on", "")),
        "findings": findings,
    }
    return await _command(
        request,
        official,
        apis,
        inspection_id,
        refusal_form="completion",
        path=f"/inspections/{inspection_id}/completion",
        body=body,
        entered=form,
        notice="da-ket-thuc",
    )


@router.post("/thanh-tra/{inspection_id}/vi-pham/{violation_id}/khac-phuc")
async def remediate(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    inspection_id: str,
    violation_id: str,
) -> Response:
    """The facility put the violation right: the day, and the evidence the inspectors saw."""
    form = await form_of(request)
    body = {
        "remediated_on": formats.read_day(form.get("remediated_on", "")),
        "evidence": form.get("evidence", ""),
    }
    return await _command(
        request,
        official,
        apis,
        inspection_id,
        refusal_form=f"remediation-{violation_id}",
        path=f"/violations/{violation_id}/remediation",
        body=body,
        entered=form,
        notice="da-khac-phuc",
    )


@router.post("/thanh-tra/{inspection_id}/vi-pham/{violation_id}/chuyen-xu-ly")
async def escalate(
    request: Request,
    official: CurrentOfficial,
    apis: ServiceApis,
    inspection_id: str,
    violation_id: str,
) -> Response:
    """The violation goes to be dealt with elsewhere (a fine, the inspectorate), with why."""
    form = await form_of(request)
    body = {
        "reason": form.get("reason", ""),
        "escalated_on": formats.read_day(form.get("escalated_on", "")) or None,
    }
    return await _command(
        request,
        official,
        apis,
        inspection_id,
        refusal_form=f"escalation-{violation_id}",
        path=f"/violations/{violation_id}/escalation",
        body=body,
        entered=form,
        notice="da-chuyen",
    )
