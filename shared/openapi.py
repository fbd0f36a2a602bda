"""The OpenAPI document tells the whole truth about errors.

Every status a route can answer is listed, and every error as `application/problem+json`
with the `Problem` schema. What a route can answer follows from what it depends on: a
dependency marked `@answers(401, 403)` (the bearer token) adds those statuses to every route
that uses it, so the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

F = TypeVar("F", bound=Callable[..., Any])

DESCRIPTIONS = {
    400: "The body cannot be read: it is not UTF-8 JSON",
    401: "No valid bearer token (send `Authorization: Bearer <token>`)",
    403: "Not allowed: the caller's agency, role or jurisdiction does not cover a record "
    "the request touches",
    404: "A record the request names does not exist",
    409: "Conflict with the current state: the lifecycle forbids it, the version is stale, "
    "or the Idempotency-Key was used for another request",
    422: "Invalid input: `errors` names each field (body fields, query parameters, headers)",
    428: "Say which version you are changing: `If-Match` or `version`",
    503: "A dependency (database, broker) is unavailable; retry in a moment",
}

_ANSWERS: dict[Callable[..., Any], frozenset[int]] = {}
_VIEW_HEADERS: dict[Callable[..., Any], bool] = {}
ETAG = {
    "description": "the record's version, to send back as If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
LOCATION = {
    "description": "where the new record can be read",
    "required": True,
    "schema": {"type": "string"},
}


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a FastAPI dependency: every route that uses it can answer these statuses."""

    def mark(dependency: F) -> F:
        _ANSWERS[dependency] = frozenset(statuses)
        return dependency

    return mark


def describes_views(*, location: bool) -> Callable[[F], F]:
    """Mark a FastAPI dependency that answers with a view: its `ETag` when the view has a
    version, and (if `location`) the `Location` of a 201's new record when the view has an id."""

    def mark(dependency: F) -> F:
        _VIEW_HEADERS[dependency] = location
        return dependency

    return mark


class FieldError(BaseModel):
    field: str = Field(description="the body field, query parameter or header at fault")
    message: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details; extension members (e.g. `current_version`) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    correlation_id: str | None = Field(None, description="quote it when you report a problem")
    errors: list[FieldError] | None = None


def install_problem_documents(app: FastAPI) -> None:
    """Make `app.openapi()` list each route's problem statuses as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _document_responses(schema, app)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_responses(schema: dict[str, Any], app: FastAPI) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for route in iter_route_contexts(app.routes):
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        for method in route.methods or ():
            responses = schema["paths"][route.path_format][method.lower()]["responses"]
            success = responses.get(str(route.status_code or 200))
            if success is not None:
                success.setdefault("headers", {}).update(_view_headers(route))
            for status in sorted(statuses_of(route)):
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def statuses_of(route: Any) -> set[int]:
    """The problem statuses a route can answer, from its dependencies and parameters."""
    found = {s for dependant in _walk(route.dependant) for s in _ANSWERS.get(dependant.call, ())}  # type: ignore[arg-type]
    if route.dependant.path_params:
        found.add(404)
    if any(_walk_params(route.dependant)) or route.body_field is not None:
        found.add(422)
    if route.body_field is not None:
        found.add(400)  # a body that is not UTF-8 cannot even be parsed as JSON
    return found


def _view_headers(route: Any) -> dict[str, Any]:
    """The headers a route's success carries: the view's ETag and a new record's Location."""
    fields = getattr(route.response_model, "model_fields", {})
    marks = [_VIEW_HEADERS[d.call] for d in _walk(route.dependant) if d.call in _VIEW_HEADERS]
    headers: dict[str, Any] = {}
    if marks and "version" in fields:
        headers["ETag"] = ETAG
    if any(marks) and route.status_code == 201 and "id" in fields:
        headers["Location"] = LOCATION
    return headers


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _walk_params(dependant: Dependant) -> Iterator[object]:
    for d in _walk(dependant):
        yield from (*d.path_params, *d.query_params, *d.header_params, *d.body_params)
