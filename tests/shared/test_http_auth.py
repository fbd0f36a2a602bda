"""The service app factory and auth: problem+json, tokens, jurisdiction, health and metrics."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from shared.auth import Principal, mint_token, require_jurisdiction, require_roles
from shared.db import Database
from shared.errors import Conflict
from shared.http import create_service_app
from shared.localinfra import free_port
from shared.settings import Settings

SECRET = "test-secret-for-http-tests-0123456789"


class ThingIn(BaseModel):
    name: str = Field(min_length=1)
    area_ha: float = Field(gt=0)


def _router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/provinces/{province_code}/things")
    async def list_things(
        province_code: str,
        principal: Annotated[Principal, Depends(require_jurisdiction())],
    ) -> dict[str, str]:
        return {"province": province_code, "caller": principal.subject}

    @router.post("/things", status_code=201)
    async def create_thing(
        body: ThingIn, principal: Annotated[Principal, Depends(require_roles("officer"))]
    ) -> dict[str, str]:
        return {"name": body.name}

    @router.post("/things/{thing_id}/approval")
    async def approve(
        thing_id: str, principal: Annotated[Principal, Depends(require_roles("approver"))]
    ) -> dict[str, str]:
        if thing_id == "approved":
            raise Conflict("thing approved already is in state approved")
        return {"approved": thing_id}

    return router


def _token(
    *,
    province: str | None = "14",
    roles: tuple[str, ...] = ("officer",),
    communes: tuple[str, ...] = (),
    ttl_s: int = 600,
    secret: str = SECRET,
    agency: str = "so-cong-thuong",
) -> str:
    return mint_token(
        secret,
        subject="u1",
        agency=agency,
        roles=roles,
        province=province,
        communes=communes,
        ttl_s=ttl_s,
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(sqlite_url: str, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        service="things", jwt_secret=SECRET, kafka_bootstrap_servers=kafka_bootstrap
    )
    db = Database(sqlite_url)
    app = create_service_app(settings, title="things", routers=[_router()], db=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://things"
    ) as c:
        yield c
    await db.dispose()


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].endswith("/" + slug)
    assert body["detail"] and body["title"]
    return body


async def test_a_request_without_a_token_is_refused_with_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/provinces/14/things")
    body = _assert_problem(response, 401, "unauthorized")
    assert "bearer token" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: _token(ttl_s=-10), "expired"),
        (lambda: _token(secret="another-secret-of-another-issuer-xyz"), "invalid"),
        (lambda: "not.a.jwt", "invalid"),
        (
            lambda: jwt.encode(
                {
                    "sub": "u1",
                    "exp": int(time.time()) + 60,
                    "agency": "so-x",
                    "roles": ["viewer"],
                    "jurisdiction": {"province": "14"},
                },
                SECRET,
                algorithm="HS256",
            ),
            "agency",
        ),
    ],
)
async def test_expired_forged_or_malformed_tokens_are_refused_with_401(
    client: httpx.AsyncClient,
    token,
    why: str,  # type: ignore[no-untyped-def]
) -> None:
    response = await client.get("/api/v1/provinces/14/things", headers=_bearer(token()))
    assert why in _assert_problem(response, 401, "unauthorized")["detail"]


async def test_a_token_accepted_before_is_refused_once_it_expires_or_is_altered(
    client: httpx.AsyncClient,
) -> None:
    expires = int(time.time()) + 2
    token = jwt.encode(
        {
            "sub": "u1",
            "exp": expires,
            "agency": "so-cong-thuong",
            "roles": ["viewer"],
            "jurisdiction": {"province": "14"},
        },
        SECRET,
        algorithm="HS256",
    )
    for _ in range(2):
        response = await client.get("/api/v1/provinces/14/things", headers=_bearer(token))
        assert response.status_code == 200, response.text
    header, claims, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    altered = f"{header}.{claims}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    response = await client.get("/api/v1/provinces/14/things", headers=_bearer(altered))
    assert "invalid" in _assert_problem(response, 401, "unauthorized")["detail"]
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.1)
    response = await client.get("/api/v1/provinces/14/things", headers=_bearer(token))
    assert "expired" in _assert_problem(response, 401, "unauthorized")["detail"]


async def test_another_provinces_records_are_refused_with_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/provinces/01/things", headers=_bearer(_token()))
    assert "outside your jurisdiction" in _assert_problem(response, 403, "forbidden")["detail"]
    ok = await client.get("/api/v1/provinces/14/things", headers=_bearer(_token()))
    assert ok.status_code == 200 and ok.json() == {"province": "14", "caller": "u1"}


async def test_the_ministry_reads_every_province(client: httpx.AsyncClient) -> None:
    token = _token(province=None, roles=("viewer",), agency="bo-cong-thuong")
    for code in ("01", "14", "79"):
        response = await client.get(f"/api/v1/provinces/{code}/things", headers=_bearer(token))
        assert response.status_code == 200


async def test_a_commune_officer_acts_only_in_their_communes(client: httpx.AsyncClient) -> None:
    token = _token(communes=("03646",), agency="ubnd")
    inside = await client.get(
        "/api/v1/provinces/14/things?commune_code=03646", headers=_bearer(token)
    )
    outside = await client.get(
        "/api/v1/provinces/14/things?commune_code=03667", headers=_bearer(token)
    )
    assert inside.status_code == 200
    _assert_problem(outside, 403, "forbidden")


async def test_a_missing_role_is_refused_with_403(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/things/t1/approval", headers=_bearer(_token()))
    assert "approver" in _assert_problem(response, 403, "forbidden")["detail"]
    approver = _bearer(_token(roles=("approver",)))
    assert (await client.post("/api/v1/things/t1/approval", headers=approver)).status_code == 200
    _assert_problem(
        await client.post("/api/v1/things/approved/approval", headers=approver), 409, "conflict"
    )


async def test_invalid_input_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/things", json={"name": "Phố Mới", "area_ha": -2}, headers=_bearer(_token())
    )
    body = _assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["area_ha"]
    assert "area_ha" in body["detail"]
    malformed = await client.post(
        "/api/v1/things",
        content=b"{",
        headers={**_bearer(_token()), "content-type": "application/json"},
    )
    _assert_problem(malformed, 422, "validation-error")


async def test_unknown_routes_are_problems_too(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.get("/api/v1/nowhere"), 404, "not-found")


async def test_the_correlation_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert given.headers["x-correlation-id"] == "abc-123"
    made = await client.get("/api/v1/provinces/01/things", headers=_bearer(_token()))
    assert made.json()["correlation_id"] == made.headers["x-correlation-id"]


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}
    await client.get("/api/v1/provinces/14/things", headers=_bearer(_token()))
    text = (await client.get("/metrics")).text
    assert (
        'ccn_http_requests_total{method="GET",route="/api/v1/provinces/{province_code}/things",'
        'service="things",status="200"}'
    ) in text
    assert "ccn_http_request_duration_seconds_bucket" in text


async def test_readiness_says_kafka_is_missing_and_stays_ready_for_writes(sqlite_url: str) -> None:
    settings = Settings(service="things", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    db = Database(sqlite_url)
    app = create_service_app(settings, title="things", db=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await db.dispose()
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["kafka"].startswith("unavailable")


async def test_readiness_fails_when_the_database_does_not_answer(kafka_bootstrap: str) -> None:
    settings = Settings(service="things", kafka_bootstrap_servers=kafka_bootstrap)
    db = Database(f"postgresql+asyncpg://nobody:x@127.0.0.1:{free_port()}/nothing")
    app = create_service_app(settings, title="things", db=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await db.dispose()
    body = _assert_problem(response, 503, "not-ready")
    assert body["checks"]["database"].startswith("unavailable")
    assert body["checks"]["kafka"] == "ok"


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """A local identity provider's JWKS endpoint, as production OIDC would publish it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    server.shutdown()


async def test_rs256_tokens_are_verified_against_the_jwks(
    jwks_server: tuple[str, rsa.RSAPrivateKey], sqlite_url: str
) -> None:
    url, key = jwks_server
    settings = Settings(
        service="things", jwt_jwks_url=url, jwt_issuer="https://idp.local", jwt_audience="ccn"
    )
    app = create_service_app(settings, title="things", routers=[_router()])
    claims = {
        "sub": "u9",
        "agency": "so-tnmt",
        "roles": ["viewer"],
        "jurisdiction": {"province": "14"},
        "exp": int(time.time()) + 60,
        "iss": "https://idp.local",
        "aud": "ccn",
    }
    good = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    hs = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "k1"})
    wrong_aud = jwt.encode(
        {**claims, "aud": "other"}, key, algorithm="RS256", headers={"kid": "k1"}
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.get("/api/v1/provinces/14/things", headers=_bearer(good))
        assert ok.status_code == 200 and ok.json()["caller"] == "u9"
        for bad in (hs, wrong_aud):
            _assert_problem(
                await c.get("/api/v1/provinces/14/things", headers=_bearer(bad)),
                401,
                "unauthorized",
            )


def test_logs_are_json_lines_carrying_the_correlation_id() -> None:
    import logging

    from shared import context
    from shared.logs import JsonFormatter

    record = logging.LogRecord(
        "ccn.test", logging.WARNING, __file__, 1, "lease %s refused", ("L-1",), None
    )
    record.cluster_id = "c-9"
    with context.bound(correlation="corr-42"):
        line = JsonFormatter("registry").format(record)
    doc = json.loads(line)
    assert doc["message"] == "lease L-1 refused" and doc["level"] == "WARNING"
    assert doc["service"] == "registry" and doc["correlation_id"] == "corr-42"
    assert doc["cluster_id"] == "c-9"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(RuntimeError, match="development JWT secret"):
        create_service_app(Settings(service="things", environment="production"), title="t")
    create_service_app(
        Settings(
            service="things",
            environment="production",
            jwt_secret="an-agency-secret-0123456789abcdef",
        ),
        title="t",
    )
    create_service_app(
        Settings(
            service="things", environment="production", jwt_jwks_url="https://idp.example/jwks"
        ),
        title="t",
    )
