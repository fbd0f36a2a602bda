"""The registry's published contract: OpenAPI documents its problems, and 405 lists all methods."""

from __future__ import annotations

from typing import Any

from tests.apis import problem
from tests.registry.factory import Registry

PROBLEM_JSON = "application/problem+json"
Operation = tuple[str, str, dict[str, Any]]
LIFECYCLE = (
    "establishment",
    "construction",
    "infrastructure",
    "operation",
    "expansion",
    "removal",
)


async def _operations(registry: Registry) -> tuple[dict[str, Any], list[Operation]]:
    response = await registry.client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    operations = [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert operations, "the registry documents no /api/v1 operations"
    return document, operations


def _expected_problems(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    expected = {"401", "403", "422"}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        expected.add("404")
    if method == "POST":
        expected.add("409")
    if any(path == f"/api/v1/clusters/{{cluster_id}}/{command}" for command in LIFECYCLE):
        expected.add("428")
    return expected


async def test_every_operation_documents_its_problems_as_problem_json(
    registry: Registry,
) -> None:
    _, operations = await _operations(registry)
    missing: list[str] = []
    for method, path, operation in operations:
        responses = operation["responses"]
        for status in sorted(_expected_problems(method, path, operation)):
            if status not in responses:
                missing.append(f"{method} {path}: no {status}")
            elif set(responses[status].get("content", {})) != {PROBLEM_JSON}:
                content = sorted(responses[status].get("content", {}))
                missing.append(f"{method} {path}: {status} is {content}")
    assert not missing, "\n".join(missing)


async def test_the_lifecycle_commands_document_428(registry: Registry) -> None:
    _, operations = await _operations(registry)
    documented = {path for method, path, op in operations if "428" in op["responses"]}
    for command in LIFECYCLE:
        assert f"/api/v1/clusters/{{cluster_id}}/{command}" in documented, command


async def test_error_statuses_are_never_documented_as_plain_json(registry: Registry) -> None:
    _, operations = await _operations(registry)
    plain = [
        f"{method} {path}: {status}"
        for method, path, operation in operations
        for status, response in operation["responses"].items()
        if status[0] in "45" and "application/json" in response.get("content", {})
    ]
    assert not plain, plain


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/components/schemas/"), ref
    return document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]


async def test_the_problem_schema_has_the_rfc_9457_members(registry: Registry) -> None:
    document, operations = await _operations(registry)
    schemas = [
        (f"{method} {path} {status}", response["content"][PROBLEM_JSON]["schema"])
        for method, path, operation in operations
        for status, response in operation["responses"].items()
        if PROBLEM_JSON in response.get("content", {})
    ]
    assert schemas, "no operation documents a problem+json response"
    for where, schema in schemas:
        properties = set(_resolve(document, schema).get("properties", {}))
        assert {"type", "title", "status", "detail"} <= properties, (where, properties)


async def test_a_wrong_method_lists_every_allowed_one(registry: Registry) -> None:
    response = await registry.client.request("PUT", "/api/v1/clusters", headers=registry.officer)
    problem(response, 405, "method-not-allowed")
    allowed = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed, response.headers["allow"]


async def test_the_etag_and_location_a_client_gets_are_documented(registry: Registry) -> None:
    document, _ = await _operations(registry)
    paths = document["paths"]
    planned = paths["/api/v1/clusters"]["post"]["responses"]["201"]["headers"]
    one = paths["/api/v1/clusters/{cluster_id}"]["get"]["responses"]["200"]["headers"]
    lease = paths["/api/v1/clusters/{cluster_id}/tenancies"]["post"]["responses"]["201"]["headers"]
    assert set(planned) == {"ETag", "Location"} and set(one) == {"ETag"}
    assert set(lease) == {"Location"}  # a tenancy has no version of its own
    created = await registry.post(
        "/clusters", {"name": "CCN Nà Sản", "province_code": "14", "planned_area_ha": "20"}
    )
    assert {"etag", "location"} <= set(created.headers)
