"""Who is calling: JWT verification and the FastAPI dependencies that guard routes."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import ValidationError

from shared.errors import Unauthorized
from shared.openapi import answers
from shared.principal import Jurisdiction, Permit, Place, Principal, Role
from shared.settings import Settings

__all__ = [
    "CurrentPrincipal",
    "Jurisdiction",
    "Principal",
    "TokenVerifier",
    "current_principal",
    "mint_token",
    "principal_from_claims",
    "require_jurisdiction",
    "require_roles",
]


REMEMBER_S = 300.0
"""How long a verified token is taken on trust before its signature is checked again."""


class TokenVerifier:
    """Verifies bearer tokens: HS256 with a shared secret, or RS256 against a JWKS URL.

    A token verified once is remembered, with the caller it names, until it expires or for
    REMEMBER_S at most (so a signing key withdrawn from the key server stops being honoured
    soon): a caller sends the same token with every request, and checking its signature and
    claims again each time would cost more than most writes. Only tokens that passed every
    check are kept, the `cached` most recently used of them.
    """

    def __init__(self, settings: Settings, *, cached: int = 1024) -> None:
        self._secret = settings.jwt_secret.get_secret_value()
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cached = cached

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        claims = await self._claims(token)
        principal = principal_from_claims(claims)
        self._verified[token] = (principal, min(float(claims["exp"]), time.time() + REMEMBER_S))
        if len(self._verified) > self._cached:
            self._verified.popitem(last=False)
        return principal

    async def _claims(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature, expiry, issuer and audience hold; or 401."""
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
        return claims


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
            tax_code=claims.get("tax_code"),
        )
    except (ValidationError, AttributeError, TypeError) as exc:
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
    tax_code: str | None = None,
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
    identity: dict[str, Any] = {
        "sub": subject,
        "agency": agency,
        "roles": list(roles),
        "jurisdiction": jurisdiction,
    }
    if tax_code is not None:
        identity["tax_code"] = tax_code
    principal_from_claims(identity)  # refuse to mint nonsense
    now = int(time.time())
    claims: dict[str, Any] = {**identity, "iat": now, "exp": now + ttl_s}
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


@answers(401, 403)
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
    wanted = frozenset(Role(r) for r in roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_role(wanted)
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
        Permit(Place(str(province), params.get(commune_param))).check(principal)
        return principal

    return dependency
