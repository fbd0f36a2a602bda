"""The console signs officials in through an OIDC identity provider: a small one served here over
real HTTP stands for the agencies' IdP, and the registry, served as its own process, trusts its
JWKS as production services do. The browser's steps are followed by hand, each asserted."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from services.console.app import service as console
from services.console.oidc import ATTEMPT_COOKIE
from services.console.session import COOKIE, ID_TOKEN_COOKIE
from shared.localinfra import PostgresServer
from tests.e2e.conftest import ServedService, serving
from tests.registry.factory import SON_LA, Registry

CLIENT_ID = "ccn-console"
CLIENT_SECRET = "console-client-secret"
AUDIENCE = "ccn-platform"
CONSOLE = "https://console.test"
SON_LA_OFFICER = {
    "sub": "can-bo-son-la",
    "agency": "so-cong-thuong",
    "roles": ["officer"],
    "jurisdiction": {"province": SON_LA, "communes": []},
}


@dataclass
class Grant:
    """What the IdP grants at the next sign-in: whose claims, and what it gets wrong on purpose."""

    claims: dict[str, Any] = field(default_factory=lambda: dict(SON_LA_OFFICER))
    access_ttl_s: int = 600
    refuse: bool = False
    wrong_nonce: bool = False
    id_token_key: rsa.RSAPrivateKey | None = None
    access_token_key: rsa.RSAPrivateKey | None = None


class IdentityProvider:
    """An OIDC provider over HTTP: discovery, /authorize (which signs the chosen official in at
    once), /token (checking the code, the PKCE verifier and the client secret), /jwks, /logout."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grant = Grant()
        self.codes: dict[str, dict[str, Any]] = {}
        self.signed_out: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}/realms/ccn"

    def __enter__(self) -> IdentityProvider:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": "k1"})

    def access_token(self, claims: dict[str, Any], ttl_s: int = 600) -> str:
        now = int(time.time())
        at = {"iss": self.issuer, "aud": AUDIENCE, "iat": now, "exp": now + ttl_s}
        return self.sign({**claims, **at}, self.grant.access_token_key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                asked = {k: v[0] for k, v in parse_qs(url.query).items()}
                path = url.path.removeprefix("/realms/ccn")
                if path == "/.well-known/openid-configuration":
                    self._json(200, idp.discovery())
                elif path == "/jwks":
                    self._json(200, idp.jwks())
                elif path == "/authorize":
                    self._redirect(idp.authorize(asked))
                elif path == "/logout":
                    idp.signed_out.append(asked)
                    self._redirect(asked["post_logout_redirect_uri"])
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = idp.token(form, self.headers.get("authorization", ""))
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("location", location)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def authorize(self, asked: dict[str, str]) -> str:
        back = asked["redirect_uri"]
        assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
        assert asked["code_challenge_method"] == "S256" and "openid" in asked["scope"]
        if self.grant.refuse:
            return f"{back}?{urlencode({'error': 'access_denied', 'state': asked['state']})}"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**asked, "grant": self.grant}
        return f"{back}?{urlencode({'code': code, 'state': asked['state']})}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        """The tokens for a code once, to the client that proves its secret and its verifier."""
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {basic}":
            return 401, {"error": "invalid_client"}
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        grant: Grant = asked["grant"]
        now = int(time.time())
        id_claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": grant.claims["sub"],
            "nonce": "another-nonce" if grant.wrong_nonce else asked["nonce"],
            "iat": now,
            "exp": now + 600,
        }
        return 200, {
            "token_type": "Bearer",
            "access_token": self.access_token(grant.claims, grant.access_ttl_s),
            "id_token": self.sign(id_claims, grant.id_token_key),
            "expires_in": grant.access_ttl_s,
        }


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    with IdentityProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def registry(
    idp: IdentityProvider,
    postgres_server: PostgresServer,
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedService]:
    """The registry, trusting the IdP's tokens alone, with Sơn La's Phố Mới cluster made."""
    trust = {
        "CCN_JWT_JWKS_URL": f"{idp.issuer}/jwks",
        "CCN_JWT_ISSUER": idp.issuer,
        "CCN_JWT_AUDIENCE": AUDIENCE,
    }
    log_dir = tmp_path_factory.mktemp("console-oidc")
    with serving("registry", postgres_server, kafka_bootstrap, log_dir, trust) as served:
        token = idp.access_token({**SON_LA_OFFICER, "roles": ["officer", "approver"]})

        async def made() -> None:
            async with httpx.AsyncClient(base_url=served.url) as http:
                await Registry(http, cast(FastAPI, None), lambda **_: token).planned_cluster()

        asyncio.run(made())
        yield served


@pytest.fixture(autouse=True)
def fresh_grant(idp: IdentityProvider) -> None:
    idp.grant = Grant()


@asynccontextmanager
async def browsing(
    idp: IdentityProvider, registry: ServedService, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A browser's two sides: the console in-process at its public https address (Secure cookies
    go there), and the IdP over HTTP; neither follows redirects."""
    app = console.create_app(
        console.settings(
            **{
                "environment": "production",
                "jwt_jwks_url": f"{idp.issuer}/jwks",
                "jwt_issuer": idp.issuer,
                "jwt_audience": AUDIENCE,
                "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": CLIENT_SECRET,
                "console_url": CONSOLE,
                "registry_url": registry.url,
                **settings,
            }
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url=CONSOLE) as at_console,
        httpx.AsyncClient() as at_idp,
    ):
        yield at_console, at_idp


async def to_callback(
    idp: IdentityProvider, at_console: httpx.AsyncClient, at_idp: httpx.AsyncClient
) -> str:
    """From a console page to the IdP and back: the callback address the IdP sends back."""
    away = await at_console.get("/cum-cong-nghiep")
    assert away.status_code == 303 and away.headers["location"].startswith("/dang-nhap?tiep=")
    to_idp = await at_console.get(away.headers["location"])
    assert to_idp.status_code == 303
    assert to_idp.headers["location"].startswith(f"{idp.issuer}/authorize?")
    back = await at_idp.get(to_idp.headers["location"])
    assert back.status_code == 302 and back.headers["location"].startswith(CONSOLE)
    return back.headers["location"]


def set_cookie(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[0]


def failure(page: httpx.Response) -> str:
    assert "Không đăng nhập được" in page.text and "Traceback" not in page.text
    assert COOKIE not in page.cookies
    return page.text


async def test_an_official_signs_in_at_the_idp_and_the_registry_takes_its_token(
    idp: IdentityProvider, registry: ServedService
) -> None:
    async with browsing(idp, registry) as (at_console, at_idp):
        away = await at_console.get("/cum-cong-nghiep")
        to_idp = await at_console.get(away.headers["location"])
        asked = {k: v[0] for k, v in parse_qs(urlsplit(to_idp.headers["location"]).query).items()}
        assert asked["redirect_uri"] == f"{CONSOLE}/dang-nhap/oidc"
        assert {"state", "nonce", "code_challenge"} <= asked.keys()
        attempt = set_cookie(to_idp, ATTEMPT_COOKIE)
        for flag in ("HttpOnly", "SameSite=lax", "Secure", "Path=/dang-nhap/oidc", "Max-Age=600"):
            assert flag in attempt
        back = await at_idp.get(to_idp.headers["location"])
        signed = await at_console.get(back.headers["location"])
        assert signed.status_code == 303 and signed.headers["location"] == "/cum-cong-nghiep"
        for name in (COOKIE, ID_TOKEN_COOKIE):
            kept = set_cookie(signed, name)
            assert "HttpOnly" in kept and "SameSite=lax" in kept and "Secure" in kept
        assert jwt.get_unverified_header(at_console.cookies[COOKIE])["alg"] == "RS256"

        page = await at_console.get("/cum-cong-nghiep")
        assert page.status_code == 200, page.text
        assert "Cụm công nghiệp Phố Mới" in page.text  # listed by the registry, for this token
        assert "Sở Công Thương · cán bộ nghiệp vụ · Sơn La" in page.text

        id_token = at_console.cookies[ID_TOKEN_COOKIE]
        out = await at_console.post("/dang-xuat")
        assert out.status_code == 303 and out.headers["location"].startswith(f"{idp.issuer}/logout")
        assert COOKIE not in at_console.cookies and ID_TOKEN_COOKIE not in at_console.cookies
        home = await at_idp.get(out.headers["location"])
        assert idp.signed_out[-1]["id_token_hint"] == id_token
        assert home.headers["location"] == f"{CONSOLE}/da-dang-xuat"
        bye = await at_console.get(home.headers["location"])
        assert bye.status_code == 200 and "Bạn đã đăng xuất" in bye.text


async def test_an_expired_session_sends_the_official_back_to_the_idp(
    idp: IdentityProvider, registry: ServedService
) -> None:
    idp.grant = Grant(access_ttl_s=2)
    async with browsing(idp, registry) as (at_console, at_idp):
        signed = await at_console.get(await to_callback(idp, at_console, at_idp))
        assert signed.status_code == 303
        assert (await at_console.get("/cum-cong-nghiep")).status_code == 200
        await asyncio.sleep(2.5)
        away = await at_console.get("/cum-cong-nghiep")
        assert away.headers["location"] == "/dang-nhap?tiep=%2Fcum-cong-nghiep&het_han=1"
        again = await at_console.get(away.headers["location"])
        assert again.headers["location"].startswith(f"{idp.issuer}/authorize?")


async def test_a_callback_with_another_state_is_refused_with_a_page(
    idp: IdentityProvider, registry: ServedService
) -> None:
    async with browsing(idp, registry) as (at_console, at_idp):
        callback = await to_callback(idp, at_console, at_idp)
        forged = callback.replace("state=", "state=x")
        page = await at_console.get(forged)
        assert page.status_code == 400 and "state" in failure(page)
        lost = await at_console.get(callback)
        assert lost.status_code == 400 and "Không thấy yêu cầu đăng nhập" in failure(lost)


async def test_an_idp_that_refuses_or_a_token_endpoint_that_fails_gives_a_page(
    idp: IdentityProvider, registry: ServedService
) -> None:
    idp.grant = Grant(refuse=True)
    async with browsing(idp, registry) as (at_console, at_idp):
        page = await at_console.get(await to_callback(idp, at_console, at_idp))
        assert page.status_code == 403 and "access_denied" in failure(page)
    idp.grant = Grant()
    async with browsing(idp, registry) as (at_console, at_idp):
        callback = await to_callback(idp, at_console, at_idp)
        page = await at_console.get(callback.replace("code=", "code=x"))
        assert page.status_code == 400 and "invalid_grant" in failure(page)


async def test_an_id_token_for_another_sign_in_or_signed_by_another_key_is_refused(
    idp: IdentityProvider, registry: ServedService
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "nonce": Grant(wrong_nonce=True),
        "ID token": Grant(id_token_key=other),
        "Nền tảng không chấp nhận thẻ truy cập": Grant(access_token_key=other),
    }
    for said, grant in cases.items():
        idp.grant = grant
        async with browsing(idp, registry) as (at_console, at_idp):
            page = await at_console.get(await to_callback(idp, at_console, at_idp))
            assert page.status_code == 401 and said in failure(page), said


async def test_without_a_way_to_sign_in_the_page_says_what_to_configure(
    tmp_path: Path,
) -> None:
    production = {"environment": "production", "jwt_secret": "x" * 40, "var_dir": tmp_path}
    cases = {
        "Không dùng được đăng nhập phát triển": {},
        "Chưa cấu hình đủ đăng nhập qua hệ thống định danh": {"oidc_client_id": CLIENT_ID},
    }
    for heading, settings in cases.items():
        app = console.create_app(console.settings(**production, **settings))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=CONSOLE) as http:
            page = await http.get("/dang-nhap")
        assert page.status_code == 403 and heading in page.text
        assert "CCN_CONSOLE_URL" in page.text and "CCN_JWT_ISSUER" in page.text


async def test_with_a_client_at_the_idp_the_development_sign_in_is_refused(
    tmp_path: Path,
) -> None:
    """Even in a test run: its HS256 tokens would not pass a verifier that trusts the IdP."""
    settings = console.settings(
        environment="test",
        jwt_jwks_url="https://idp.invalid/jwks",
        jwt_issuer="https://idp.invalid",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        console_url=CONSOLE,
        var_dir=tmp_path,
    )
    transport = httpx.ASGITransport(app=console.create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url=CONSOLE) as http:
        form = {"subject": "can-bo-1", "agency": "so-cong-thuong", "roles": ["officer"]}
        posted = await http.post("/dang-nhap", data={**form, "province": SON_LA})
    assert posted.status_code == 403 and COOKIE not in http.cookies
    assert "đăng nhập qua hệ thống định danh" in posted.text
