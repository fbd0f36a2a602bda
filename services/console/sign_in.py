"""The console's sign-in: the home page sends an official to the dashboard or to sign in. Where
the console has a client at the IdP, officials sign in there (`services/console/oidc.py`) and
the console keeps the access token it grants; in local and test runs without one, the
development sign-in picks agency, roles and province and mints the token `ccn token` mints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import oidc
from services.console.oidc import ATTEMPT_COOKIE, CALLBACK_PATH, SIGNED_OUT_PATH, SignInFailed
from services.console.session import (
    ID_TOKEN_COOKIE,
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
from shared.auth import TokenVerifier
from shared.errors import Unauthorized
from shared.principal import NATIONAL_AGENCIES, Agency, Role
from shared.settings import Settings

router = APIRouter(include_in_schema=False)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _development(settings: Settings) -> bool:
    """The development sign-in, where it is allowed and no IdP client is configured."""
    return development_sign_in_allowed(settings) and not oidc.chosen(settings)


def _refused(request: Request) -> HTMLResponse:
    """Neither sign-in is possible here: the page says what to configure."""
    settings = _settings(request)
    missing = oidc.missing_settings(settings)
    return page(
        request,
        "sign_in_refused.html",
        None,
        status_code=403,
        oidc_chosen=oidc.chosen(settings),
        missing=missing,
    )


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
    if not _development(_settings(request)):
        return _refused(request)
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
) -> Response:
    settings = _settings(request)
    if oidc.ready(settings):
        return await _to_identity_provider(request, safe_next(tiep))
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
    if not _development(settings):
        return _refused(request)
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


# -- signing in at the identity provider -----------------------------------------------------


def _provider(request: Request) -> oidc.IdentityProvider:
    provider: oidc.IdentityProvider = request.app.state.identity_provider
    return provider


def _sign_in_failed(request: Request, failed: SignInFailed) -> HTMLResponse:
    response = page(request, "sign_in_failed.html", None, failed.status, failure=failed)
    _forget_attempt(response)
    return response


def _forget_attempt(response: Response) -> None:
    """An attempt serves one callback, whatever its outcome."""
    response.delete_cookie(ATTEMPT_COOKIE, path=CALLBACK_PATH, httponly=True, samesite="lax")


async def _to_identity_provider(request: Request, next_path: str) -> Response:
    """Send the browser to the IdP, the attempt's state, nonce and verifier in its cookie."""
    provider = _provider(request)
    attempt = oidc.Attempt.start(next_path)
    try:
        response: Response = RedirectResponse(
            await provider.authorization_url(attempt), status_code=303
        )
    except SignInFailed as failed:
        return _sign_in_failed(request, failed)
    response.set_cookie(
        ATTEMPT_COOKIE,
        provider.seal(attempt),
        max_age=oidc.ATTEMPT_MINUTES * 60,
        httponly=True,
        samesite="lax",
        secure=not development_sign_in_allowed(_settings(request)),
        path=CALLBACK_PATH,
    )
    return response


def _identity_provider_error(error: str, description: str) -> SignInFailed:
    """The IdP's `error=` answer: refused (`access_denied`) or another failure it reports."""
    because = (f"{error}: {description}" if description else error)[:300]
    if error == "access_denied":
        return SignInFailed(403, f"Hệ thống định danh từ chối đăng nhập ({because}).")
    return SignInFailed(400, f"Hệ thống định danh báo lỗi khi đăng nhập ({because}).")


@router.get(CALLBACK_PATH)
async def signed_in_at_identity_provider(
    request: Request,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """The IdP's answer: the code redeemed for tokens the platform accepts, kept as a session."""
    settings = _settings(request)
    provider = _provider(request)
    try:
        if error:
            raise _identity_provider_error(error, error_description)
        attempt = provider.unseal(request.cookies.get(ATTEMPT_COOKIE), state)
        if not code:
            raise SignInFailed(400, "Hệ thống định danh không gửi lại mã đăng nhập (code).")
        tokens = await provider.redeem(code, attempt)
        verifier: TokenVerifier = request.app.state.token_verifier
        await verifier.verify(tokens.access_token)
    except SignInFailed as failed:
        return _sign_in_failed(request, failed)
    except Unauthorized as exc:
        return _sign_in_failed(
            request, SignInFailed(401, f"Nền tảng không chấp nhận thẻ truy cập: {exc.message}.")
        )
    response = RedirectResponse(safe_next(attempt.next_path), status_code=303)
    keep(response, tokens.access_token, settings, id_token=tokens.id_token)
    _forget_attempt(response)
    return response


# -- signing out -----------------------------------------------------------------------------


@router.post("/dang-xuat")
async def sign_out(request: Request) -> Response:
    """Forget the session; signed in at the IdP, sign out there too where it allows."""
    settings = _settings(request)
    target = "/dang-nhap"
    if oidc.ready(settings):
        id_token = request.cookies.get(ID_TOKEN_COOKIE)
        target = await _provider(request).end_session_url(id_token) or SIGNED_OUT_PATH
    response = RedirectResponse(target, status_code=303)
    forget(response)
    return response


@router.get(SIGNED_OUT_PATH)
async def signed_out(request: Request) -> HTMLResponse:
    """Where the IdP sends the browser back after signing out (no sign-in again at once)."""
    return page(request, "signed_out.html", None)
