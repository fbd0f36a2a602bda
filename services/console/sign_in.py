"""The console's sign-in: the home page sends an official to the dashboard or to sign in; the
development sign-in picks agency, roles and province and mints the token `ccn token` mints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.session import (
    SignInRequired,
    development_sign_in_allowed,
    forget,
    keep,
    mint_session_token,
    safe_next,
    signed_in,
)
from services.console.views import page, provinces
from shared import labels
from shared.errors import Unauthorized
from shared.principal import NATIONAL_AGENCIES, Agency, Role
from shared.settings import Settings

router = APIRouter(include_in_schema=False)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/")
async def home(request: Request) -> Response:
    try:
        await signed_in(request)
    except SignInRequired:
        return RedirectResponse("/dang-nhap", status_code=303)
    return RedirectResponse("/tong-quan", status_code=303)


# -- signing in ------------------------------------------------------------------------------

SIGN_IN_AGENCIES = [a for a in Agency if a is not Agency.DOANH_NGHIEP]
"""The agencies whose officials use the console (an enterprise files through its own tools)."""


def _sign_in_form(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    if not development_sign_in_allowed(_settings(request)):
        return page(request, "sign_in_refused.html", None, status_code=403)
    form = {"subject": "can-bo-1", "agency": "so-cong-thuong", "roles": ["officer"]}
    return page(
        request,
        "sign_in.html",
        None,
        status_code,
        **{
            "form": form,
            "agencies": [(a.value, labels.AGENCY_VI[a.value]) for a in SIGN_IN_AGENCIES],
            "roles": [(r.value, labels.ROLE_VI[r.value]) for r in Role],
            "provinces": sorted(provinces(), key=lambda p: p[1]),
            "errors": {},
            **context,
        },
    )


@router.get("/dang-nhap")
async def sign_in_page(
    request: Request, tiep: str | None = None, het_han: str | None = None
) -> HTMLResponse:
    expired = "Phiên đăng nhập đã hết hạn hoặc không hợp lệ; mời đăng nhập lại." if het_han else ""
    return _sign_in_form(request, next_path=safe_next(tiep), notice=expired)


@router.post("/dang-nhap")
async def sign_in(
    request: Request,
    subject: Annotated[str, Form()] = "",
    agency: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    province: Annotated[str, Form()] = "",
    communes: Annotated[str, Form()] = "",
    tiep: Annotated[str, Form()] = "",
) -> Response:
    settings = _settings(request)
    if not development_sign_in_allowed(settings):
        return page(request, "sign_in_refused.html", None, status_code=403)
    form: dict[str, Any] = {
        "subject": subject.strip(),
        "agency": agency,
        "roles": roles or [],
        "province": province,
        "communes": communes,
    }
    errors = _sign_in_errors(form)
    if not errors:
        try:
            token = mint_session_token(
                settings,
                subject=subject.strip(),
                agency=agency,
                roles=roles or [],
                province=province or None,
                communes=[c.strip() for c in communes.split(",") if c.strip()],
            )
        except Unauthorized as exc:
            errors[""] = exc.message
    if errors:
        return _sign_in_form(request, 422, form=form, errors=errors, next_path=safe_next(tiep))
    response = RedirectResponse(safe_next(tiep), status_code=303)
    keep(response, token, settings)
    return response


def _sign_in_errors(form: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if not form["subject"]:
        errors["subject"] = "Nhập tên hoặc mã cán bộ"
    if form["agency"] not in {a.value for a in SIGN_IN_AGENCIES}:
        errors["agency"] = "Chọn cơ quan"
    if not form["roles"]:
        errors["roles"] = "Chọn ít nhất một vai trò"
    national = form["agency"] in {a.value for a in NATIONAL_AGENCIES}
    if not form["province"] and not national:
        errors["province"] = (
            "Chọn tỉnh, thành phố (chỉ Bộ Công Thương và nhóm dữ liệu là toàn quốc)"
        )
    return errors


@router.post("/dang-xuat")
async def sign_out() -> Response:
    response = RedirectResponse("/dang-nhap", status_code=303)
    forget(response)
    return response
