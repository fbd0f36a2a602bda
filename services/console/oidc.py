"""The console as a client of the agencies' identity provider: the OIDC authorization-code flow
with PKCE against the issuer the services already trust (CCN_JWT_ISSUER).

The services verify the access token; the console only has to obtain it for an official and
prove, through the ID token, that the IdP issued it for this sign-in: the state ties the
callback to the browser that started it, the nonce ties the ID token to it, and the PKCE
verifier ties the code to it. The three travel to the callback in a short-lived signed cookie,
so any replica of the console can finish a sign-in another started.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt

from shared.settings import Settings

CALLBACK_PATH = "/dang-nhap/oidc"
SIGNED_OUT_PATH = "/da-dang-xuat"
ATTEMPT_COOKIE = "ccn_dang_nhap"
ATTEMPT_MINUTES = 10
"""Time enough to type a password at the IdP; a callback later than this starts again."""
IDP_TIMEOUT_S = 10.0
ID_TOKEN_ALGORITHMS = ["RS256"]
"""The algorithm the platform's TokenVerifier accepts for access tokens, for ID tokens too."""


class SignInFailed(Exception):
    """A sign-in through the IdP that cannot finish; `message` is shown to the official."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def chosen(settings: Settings) -> bool:
    """Setting the console's client id chooses sign-in through the IdP."""
    return bool(settings.oidc_client_id)


def ready(settings: Settings) -> bool:
    """Chosen, and configured enough to sign officials in."""
    return chosen(settings) and not missing_settings(settings)


def missing_settings(settings: Settings) -> list[str]:
    """The settings the OIDC sign-in still needs, by their environment variables."""
    needed = {
        "CCN_JWT_ISSUER": settings.jwt_issuer,
        "CCN_JWT_JWKS_URL": settings.jwt_jwks_url,
        "CCN_OIDC_CLIENT_ID": settings.oidc_client_id,
        "CCN_CONSOLE_URL": settings.console_url,
        "CCN_OIDC_CLIENT_SECRET hoặc CCN_CONSOLE_COOKIE_SECRET": _cookie_secret(settings),
    }
    return [name for name, value in needed.items() if not value]


def _cookie_secret(settings: Settings) -> str:
    own = settings.console_cookie_secret.get_secret_value()
    return own or settings.oidc_client_secret.get_secret_value()


@dataclass(frozen=True)
class Attempt:
    """One sign-in under way: what the callback must find again, and where to go after."""

    state: str
    nonce: str
    verifier: str
    next_path: str

    @classmethod
    def start(cls, next_path: str) -> Attempt:
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next_path=next_path,
        )

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge: the verifier's SHA-256, base64url without padding."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Discovery:
    """What the issuer's `/.well-known/openid-configuration` says the console needs."""

    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint granted: the access token the services take, the ID token."""

    access_token: str
    id_token: str


class IdentityProvider:
    """The IdP as the console uses it; its discovery document is fetched once and kept."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._issuer = settings.jwt_issuer.rstrip("/")
        self._redirect_uri = settings.console_url.rstrip("/") + CALLBACK_PATH
        secret = _cookie_secret(settings).encode()
        self._cookie_key = hmac.new(secret, b"ccn console sign-in attempt", "sha256").digest()
        self._discovery: Discovery | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    async def discovery(self) -> Discovery:
        async with self._lock:
            if self._discovery is None:
                self._discovery = await self._discover()
                self._jwks = jwt.PyJWKClient(self._discovery.jwks_uri)
            return self._discovery

    async def _discover(self) -> Discovery:
        url = f"{self._issuer}/.well-known/openid-configuration"
        try:
            async with httpx.AsyncClient(timeout=IDP_TIMEOUT_S) as http:
                answer = await http.get(url)
            answer.raise_for_status()
            found: dict[str, Any] = answer.json()
            if str(found.get("issuer", "")).rstrip("/") != self._issuer:
                raise ValueError(f"its issuer is {found.get('issuer')!r}")
            return Discovery(
                authorization_endpoint=str(found["authorization_endpoint"]),
                token_endpoint=str(found["token_endpoint"]),
                jwks_uri=str(found["jwks_uri"]),
                end_session_endpoint=found.get("end_session_endpoint"),
            )
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SignInFailed(
                400,
                f"Không đọc được cấu hình của hệ thống định danh tại {url} "
                f"({type(exc).__name__}: {exc}); thử lại sau ít phút.",
            ) from None

    async def authorization_url(self, attempt: Attempt) -> str:
        """Where the browser goes to sign in at the IdP for this attempt."""
        endpoint = (await self.discovery()).authorization_endpoint
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._settings.oidc_client_id,
                "redirect_uri": self._redirect_uri,
                "scope": self._settings.oidc_scopes,
                "state": attempt.state,
                "nonce": attempt.nonce,
                "code_challenge": attempt.challenge,
                "code_challenge_method": "S256",
            },
            quote_via=quote,
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def seal(self, attempt: Attempt) -> str:
        """The attempt as the signed value of its cookie, good for ATTEMPT_MINUTES."""
        claims = {
            "state": attempt.state,
            "nonce": attempt.nonce,
            "verifier": attempt.verifier,
            "next": attempt.next_path,
            "exp": int(time.time()) + ATTEMPT_MINUTES * 60,
        }
        return jwt.encode(claims, self._cookie_key, algorithm="HS256")

    def unseal(self, sealed: str | None, state: str | None) -> Attempt:
        """The attempt the cookie carries, if the callback's `state` is its own."""
        if not sealed:
            raise SignInFailed(400, "Không thấy yêu cầu đăng nhập đã gửi đi từ trình duyệt này.")
        try:
            claims = jwt.decode(sealed, self._cookie_key, algorithms=["HS256"])
        except jwt.ExpiredSignatureError:
            raise SignInFailed(400, "Yêu cầu đăng nhập đã quá hạn.") from None
        except jwt.InvalidTokenError:
            raise SignInFailed(400, "Yêu cầu đăng nhập đã bị sửa đổi.") from None
        if not state or not hmac.compare_digest(str(claims["state"]).encode(), state.encode()):
            raise SignInFailed(
                400, "Mã trạng thái (state) không khớp với yêu cầu đăng nhập của trình duyệt này."
            )
        return Attempt(claims["state"], claims["nonce"], claims["verifier"], claims["next"])

    async def redeem(self, code: str, attempt: Attempt) -> Tokens:
        """Exchange the code for tokens and check the ID token; SignInFailed if anything fails."""
        answer = await self._token_answer(code, attempt)
        access_token, id_token = answer.get("access_token"), answer.get("id_token")
        if not isinstance(access_token, str) or not isinstance(id_token, str):
            raise SignInFailed(
                400, "Hệ thống định danh không trả về đủ thẻ truy cập và thẻ định danh."
            )
        await self._check_id_token(id_token, attempt.nonce)
        return Tokens(access_token=access_token, id_token=id_token)

    async def _token_answer(self, code: str, attempt: Attempt) -> dict[str, Any]:
        settings = self._settings
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._redirect_uri,
            "code_verifier": attempt.verifier,
            "client_id": settings.oidc_client_id,
        }
        secret = settings.oidc_client_secret.get_secret_value()
        auth = httpx.BasicAuth(quote(settings.oidc_client_id, safe=""), quote(secret, safe=""))
        endpoint = (await self.discovery()).token_endpoint
        try:
            async with httpx.AsyncClient(
                timeout=IDP_TIMEOUT_S, auth=auth if secret else None
            ) as http:
                answer = await http.post(endpoint, data=form)
            body = answer.json() if answer.content else {}
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed(
                400, f"Hệ thống định danh không trả lời khi đổi mã đăng nhập ({exc})."
            ) from None
        if answer.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", answer.status_code) if isinstance(body, dict) else ""
            raise SignInFailed(
                400, f"Hệ thống định danh từ chối đổi mã đăng nhập lấy thẻ truy cập ({error})."
            )
        return body

    async def _check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, if the IdP signed it for this client and this attempt."""
        client_id = self._settings.oidc_client_id
        await self.discovery()
        assert self._jwks is not None
        try:
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                signing_key.key,
                algorithms=ID_TOKEN_ALGORITHMS,
                audience=client_id,
                issuer=self._settings.jwt_issuer,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise SignInFailed(401, "Thẻ định danh (ID token) đã hết hạn.") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise SignInFailed(401, f"Thẻ định danh (ID token) không hợp lệ: {exc}.") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SignInFailed(401, "Thẻ định danh (ID token) cấp cho ứng dụng khác.")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise SignInFailed(
                401, "Thẻ định danh (ID token) không thuộc yêu cầu đăng nhập này (nonce)."
            )
        return claims

    async def end_session_url(self, id_token: str | None) -> str | None:
        """Where the browser signs out at the IdP too, if it says so; then back to the console."""
        try:
            endpoint = (await self.discovery()).end_session_endpoint
        except SignInFailed:
            return None
        if not endpoint:
            return None
        asked = {
            "client_id": self._settings.oidc_client_id,
            "post_logout_redirect_uri": self._settings.console_url.rstrip("/") + SIGNED_OUT_PATH,
        }
        if id_token:
            asked["id_token_hint"] = id_token
        query = urlencode(asked, quote_via=quote)
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
