"""Who is calling: JWT verification, the principal, and FastAPI dependencies that guard routes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared import geo
from shared.errors import Forbidden, Unauthorized
from shared.settings import Settings

AGENCIES = ("so-cong-thuong", "so-tnmt", "so-khdt", "ubnd", "bo-cong-thuong", "data-team")
ROLES = ("viewer", "officer", "approver", "admin")
NATIONAL_AGENCIES = ("bo-cong-thuong",)


class Jurisdiction(BaseModel):
    """Where a principal may act: the whole country, one province, or some of its communes."""

    model_config = ConfigDict(frozen=True)

    national: bool = False
    province: str | None = None
    communes: tuple[str, ...] = ()

    @field_validator("province")
    @classmethod
    def _province_exists(cls, code: str | None) -> str | None:
        return geo.check_province_code(code) if code is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Jurisdiction:
        if self.national and (self.province or self.communes):
            raise ValueError("a national jurisdiction names no province or commune")
        if not self.national and self.province is None:
            raise ValueError("jurisdiction needs a province, or national=true")
        for commune in self.communes:
            geo.check_commune_code(commune, province_code=self.province)
        return self

    def covers(self, province_code: str | None, commune_code: str | None = None) -> bool:
        """True if a record filed under this province (and commune) is inside the jurisdiction."""
        if self.national:
            return True
        if province_code != self.province:
            return False
        if not self.communes:
            return True
        return commune_code is not None and commune_code in self.communes

    def describe(self) -> str:
        if self.national:
            return "national"
        if self.communes:
            return f"province {self.province}, communes {', '.join(self.communes)}"
        return f"province {self.province}"


class Principal(BaseModel):
    """The verified caller."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1)
    agency: str
    roles: frozenset[str]
    jurisdiction: Jurisdiction

    @field_validator("agency")
    @classmethod
    def _known_agency(cls, agency: str) -> str:
        if agency not in AGENCIES:
            raise ValueError(f"unknown agency {agency!r}; expected one of {', '.join(AGENCIES)}")
        return agency

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: frozenset[str]) -> frozenset[str]:
        unknown = sorted(roles - set(ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; expected some of {', '.join(ROLES)}")
        return roles

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))

    def require_role(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise Forbidden(
                f"this needs the role {' or '.join(roles)}; you have "
                f"{', '.join(sorted(self.roles)) or 'none'}"
            )

    def require_agency(self, *agencies: str) -> None:
        if self.agency not in agencies:
            raise Forbidden(f"only {', '.join(agencies)} may do this; you act for {self.agency}")

    def require_access(self, province_code: str | None, commune_code: str | None = None) -> None:
        if not self.jurisdiction.covers(province_code, commune_code):
            where = province_code if commune_code is None else f"{province_code}/{commune_code}"
            raise Forbidden(
                f"{where} is outside your jurisdiction ({self.jurisdiction.describe()})"
            )


class TokenVerifier:
    """Verifies bearer tokens: HS256 with a shared secret, or RS256 against a JWKS URL."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret.get_secret_value()
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                key: Any = signing_key.key
                algorithms = ["RS256"]
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "exp"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"the token's signing key cannot be found: {exc}") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"the token is invalid: {exc}") from None
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    raw = claims.get("jurisdiction") or {}
    try:
        return Principal(
            subject=claims.get("sub", ""),
            agency=claims.get("agency", ""),
            roles=frozenset(claims.get("roles") or ()),
            jurisdiction=Jurisdiction(
                national=bool(raw.get("national", False)),
                province=raw.get("province"),
                communes=tuple(raw.get("communes") or ()),
            ),
        )
    except (ValidationError, AttributeError) as exc:
        raise Unauthorized(f"the token's claims are not usable: {_first_error(exc)}") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(map(str, err['loc'])) or 'claims'}: {err['msg']}"
    return str(exc)


def mint_token(
    secret: str,
    *,
    subject: str,
    agency: str,
    roles: Iterable[str],
    province: str | None = None,
    communes: Iterable[str] = (),
    ttl_s: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """A signed HS256 token for local runs and tests; production tokens come from the IdP."""
    jurisdiction: dict[str, Any] = (
        {"national": True}
        if province is None
        else {"province": province, "communes": list(communes)}
    )
    principal_from_claims(
        {"sub": subject, "agency": agency, "roles": list(roles), "jurisdiction": jurisdiction}
    )  # refuse to mint nonsense
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "agency": agency,
        "roles": list(roles),
        "jurisdiction": jurisdiction,
        "iat": now,
        "exp": now + ttl_s,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the verified caller, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send a bearer token in the Authorization header")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[..., Any]:
    """Dependency: the caller, who must hold one of `roles` (admin holds all)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_role(*roles)
        return principal

    return dependency


def require_agency(*agencies: str) -> Callable[..., Any]:
    """Dependency: the caller, who must act for one of `agencies`."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_agency(*agencies)
        return principal

    return dependency


def require_jurisdiction(
    province_param: str = "province_code", commune_param: str = "commune_code"
) -> Callable[..., Any]:
    """Dependency: the caller, whose jurisdiction must cover the province (and commune) named
    by the request's path or query parameters. A non-national caller must name a province."""

    async def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        params = {**request.query_params, **request.path_params}
        province = params.get(province_param)
        if province is None and not principal.jurisdiction.national:
            province = principal.jurisdiction.province
        principal.require_access(province, params.get(commune_param))
        return principal

    return dependency
