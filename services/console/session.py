"""Who uses the console: the signed-in official, from the token kept in the session cookie,
and the development sign-in that mints it (as `ccn token` does) where that is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from shared import geo
from shared.auth import TokenVerifier, mint_token
from shared.errors import Unauthorized
from shared.labels import AGENCY_VI, ROLE_VI
from shared.principal import Principal, Role
from shared.settings import Settings

COOKIE = "ccn_phien"
ID_TOKEN_COOKIE = "ccn_dinh_danh"
SESSION_HOURS = 8
"""A working day: a development token, and the cookie that keeps a session, last this long."""
DEVELOPMENT_ENVIRONMENTS = frozenset({"local", "test"})


@dataclass(frozen=True)
class Official:
    """The signed-in official: who the token says they are, and the token the APIs get."""

    principal: Principal
    token: str

    @property
    def province(self) -> str | None:
        return self.principal.jurisdiction.province

    @property
    def national(self) -> bool:
        return self.principal.jurisdiction.national

    def describe(self) -> str:
        """`Sở Công Thương · cán bộ nghiệp vụ · Sơn La` as the header shows it."""
        roles = ", ".join(ROLE_VI[r] for r in Role if r in self.principal.roles)
        where = "Toàn quốc" if self.national else geo.province_name(self.province or "") or ""
        communes = self.principal.jurisdiction.communes
        if communes:
            names = ", ".join(geo.commune_name(c) or c for c in communes)
            where = f"{where} ({names})"
        return f"{AGENCY_VI[self.principal.agency]} · {roles} · {where}"


class SignInRequired(Exception):
    """The page needs a signed-in official; `reason` says why the last session ended."""

    def __init__(self, next_path: str, reason: str | None = None) -> None:
        super().__init__(reason or "sign in")
        self.next_path = next_path
        self.reason = reason

    def sign_in_url(self) -> str:
        url = f"/dang-nhap?tiep={quote(self.next_path, safe='')}"
        return url + ("&het_han=1" if self.reason else "")


async def signed_in(request: Request) -> Official:
    """FastAPI dependency: the official whose valid token the cookie holds; else to sign-in."""
    token = request.cookies.get(COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise SignInRequired(here)
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(token)
    except Unauthorized as exc:
        raise SignInRequired(here, exc.message) from None
    return Official(principal, token)


CurrentOfficial = Annotated[Official, Depends(signed_in)]


def development_sign_in_allowed(settings: Settings) -> bool:
    """Only a local or test run signs officials in by itself; production has its IdP."""
    return settings.environment in DEVELOPMENT_ENVIRONMENTS


def mint_session_token(
    settings: Settings,
    *,
    subject: str,
    agency: str,
    roles: list[str],
    province: str | None,
    communes: list[str],
) -> str:
    """The token `ccn token` mints for these claims (Unauthorized if they make no principal)."""
    return mint_token(
        settings.jwt_secret.get_secret_value(),
        subject=subject,
        agency=agency,
        roles=roles,
        province=province,
        communes=communes,
        ttl_s=SESSION_HOURS * 3600,
        issuer=settings.jwt_issuer or None,
        audience=settings.jwt_audience or None,
    )


def keep(
    response: Response, token: str, settings: Settings, *, id_token: str | None = None
) -> None:
    """Keep the token in an HttpOnly, SameSite=Lax cookie (Secure outside local runs); an IdP's
    ID token beside it, which signing out shows the IdP (`id_token_hint`)."""
    kept = {COOKIE: token} if id_token is None else {COOKIE: token, ID_TOKEN_COOKIE: id_token}
    for name, value in kept.items():
        response.set_cookie(
            name,
            value,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=not development_sign_in_allowed(settings),
            path="/",
        )


def forget(response: Response) -> None:
    for name in (COOKIE, ID_TOKEN_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="lax")


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path of this console, never another site."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/tong-quan"
