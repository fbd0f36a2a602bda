"""Hostile input is refused with a named field: header bytes, crafted cursors, huge versions."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.apis import problem
from tests.registry.factory import Registry

BAD_BYTES = b"\xff\xfe"
ESTABLISHMENT = {
    "decision_number": "1234/QĐ-UBND",
    "decision_date": "2009-05-12",
    "investor_name": "Ban quản lý dự án thành phố Sơn La",
    "area_ha": "12.5",
    "industrial_land_area_ha": "10",
}


@asynccontextmanager
async def lenient(registry: Registry) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the registry's app that shows a crash as the 500 a caller would get."""
    transport = httpx.ASGITransport(app=registry.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        yield client


def bearer(registry: Registry, **claims: object) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {registry.mint(**claims)}".encode())


def field_errors(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


# -- header bytes -----------------------------------------------------------------------------


async def test_a_non_utf8_byte_in_an_unrelated_header_is_ignored(registry: Registry) -> None:
    async with lenient(registry) as client:
        response = await client.get(
            "/api/v1/clusters", headers=[bearer(registry), (b"x-note", BAD_BYTES)]
        )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_a_non_utf8_correlation_id_is_replaced_by_a_fresh_one(registry: Registry) -> None:
    async with lenient(registry) as client:
        response = await client.get(
            "/api/v1/clusters", headers=[bearer(registry), (b"x-correlation-id", BAD_BYTES)]
        )
    assert response.status_code == 200, response.text
    echoed = [v for k, v in response.headers.raw if k.lower() == b"x-correlation-id"]
    assert len(echoed) == 1, response.headers.raw
    cid = echoed[0]
    assert cid and all(0x20 < b < 0x7F for b in cid), cid
    assert BAD_BYTES[:1] not in cid and BAD_BYTES[1:] not in cid


async def test_a_non_utf8_authorization_header_is_401(registry: Registry) -> None:
    token = registry.mint().encode()
    async with lenient(registry) as client:
        response = await client.get(
            "/api/v1/clusters", headers=[(b"authorization", b"Bearer " + token + BAD_BYTES)]
        )
    problem(response, 401, "unauthorized")


async def test_a_non_utf8_idempotency_key_is_422(registry: Registry) -> None:
    body = {"name": "Cụm công nghiệp Mường La", "province_code": "14", "planned_area_ha": "20"}
    async with lenient(registry) as client:
        response = await client.post(
            "/api/v1/clusters",
            json=body,
            headers=[bearer(registry), (b"idempotency-key", b"plan-" + BAD_BYTES)],
        )
    assert "Idempotency-Key" in field_errors(problem(response, 422, "validation-error"))
    assert (await registry.ok("GET", "/clusters"))["items"] == []


async def test_a_non_utf8_if_match_is_422(registry: Registry) -> None:
    cluster = await registry.planned_cluster()
    async with lenient(registry) as client:
        response = await client.post(
            f"/api/v1/clusters/{cluster['id']}/establishment",
            json=ESTABLISHMENT,
            headers=[
                bearer(registry, roles=("officer", "approver")),
                (b"if-match", b'"1' + BAD_BYTES + b'"'),
            ],
        )
    assert "If-Match" in field_errors(problem(response, 422, "validation-error"))
    assert (await registry.ok("GET", f"/clusters/{cluster['id']}"))["status"] == "planned"


# -- cursors ----------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _long_cursor() -> str:
    """A well-formed cursor (name, id) of exactly 10,000 characters."""
    cursor = _b64(json.dumps(["a" * 7490, "id"]))
    assert len(cursor) == 10_000
    return cursor


@pytest.mark.parametrize(
    "cursor",
    [
        _b64(json.dumps({"a": 1})),
        _b64(json.dumps([["x"], "id"])),
        _b64("[" * 5000 + "]" * 5000),
        _b64('[NaN, "x"]'),
        _b64('[1e999, "x"]'),
        _b64(json.dumps(["x", 1])),
        _long_cursor(),
    ],
    ids=["object", "list-as-name", "deeply-nested", "nan", "infinity", "number-as-id", "10k-long"],
)
async def test_a_crafted_cursor_is_422_naming_the_cursor(registry: Registry, cursor: str) -> None:
    await registry.planned_cluster()
    async with lenient(registry) as client:
        response = await client.get(
            "/api/v1/clusters",
            params={"cursor": cursor},
            headers=[bearer(registry)],
        )
    fields = field_errors(problem(response, 422, "validation-error"))
    assert any(f.endswith("cursor") for f in fields), fields


# -- versions and totals ----------------------------------------------------------------------


async def test_an_if_match_too_long_for_a_version_is_422_but_a_weak_etag_works(
    registry: Registry,
) -> None:
    cluster = await registry.planned_cluster()
    path = f"/api/v1/clusters/{cluster['id']}/establishment"
    approver = registry.approver
    async with lenient(registry) as client:
        huge = await client.post(
            path, json=ESTABLISHMENT, headers={**approver, "If-Match": '"' + "9" * 5000 + '"'}
        )
    assert "If-Match" in field_errors(problem(huge, 422, "validation-error"))
    weak = await registry.client.post(
        path, json=ESTABLISHMENT, headers={**approver, "If-Match": 'W/"1"'}
    )
    assert weak.status_code == 200, weak.text
    assert weak.headers["etag"] == '"2"' and weak.json()["status"] == "established"


async def test_construction_investment_cannot_total_past_the_vnd_limit(
    registry: Registry,
) -> None:
    cluster = await registry.established_cluster()
    path = f"/clusters/{cluster['id']}/construction"
    built = await registry.ok(
        "POST", path, {"investment_vnd": 10**16, "report_date": "2010-06-30", "version": 2}
    )
    assert built["infrastructure_investment_vnd"] == 10**16
    over = await registry.post(
        path, {"investment_vnd": 1, "report_date": "2010-12-31", "version": built["version"]}
    )
    assert "investment_vnd" in field_errors(problem(over, 422, "validation-error"))
    after = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert after["infrastructure_investment_vnd"] == 10**16
    assert after["version"] == built["version"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/clusters/a%00b", "cluster_id"),
        ("/clusters?q=pho%00moi", "q"),
        ("/enterprises?tax_code=%00", "tax_code"),
        ("/facilities?cluster_id=%00", "cluster_id"),
    ],
)
async def test_a_nul_character_in_a_path_or_query_is_422(
    registry: Registry, path: str, field: str
) -> None:
    body = problem(await registry.get(path), 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == [field]


async def test_a_nul_character_in_a_body_is_422_naming_the_field(registry: Registry) -> None:
    response = await registry.post(
        "/clusters", {"name": "CCN\u0000", "province_code": "14", "planned_area_ha": "10"}
    )
    body = problem(response, 422, "validation-error")
    assert body["errors"][0]["field"] == "name" and "NUL" in body["errors"][0]["message"]


async def test_a_body_that_is_not_utf8_is_a_documented_400(registry: Registry) -> None:
    response = await registry.client.post(
        "/api/v1/clusters",
        content=b'{"name": "\xff"}',
        headers={**registry.officer, "Content-Type": "application/json"},
    )
    problem(response, 400, "bad-request")
    documented = (await registry.client.get("/openapi.json")).json()
    assert "400" in documented["paths"]["/api/v1/clusters"]["post"]["responses"]
