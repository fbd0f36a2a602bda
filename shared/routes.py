"""Routes declared rather than written: a kind of record's create, list and get routes and its
commands, each running one handler through the same runners a hand-written route uses.

    clusters = Records(router, "/clusters", "cluster_id", s.ClusterView)
    clusters.create(h.plan_cluster, s.PlanCluster, summary="Plan a cluster")
    clusters.listing(h.list_clusters, s.ClusterQuery, summary="List clusters")
    clusters.one(h.get_cluster, summary="One cluster; its ETag is its version")
    clusters.command("establishment", h.establish_cluster, s.EstablishCluster, summary="...")

A route calls its handler with the path's ids as keywords (`cluster_id=`), the body as `cmd`,
a list's query as `query`, and, for a body that carries a `version`, the `version` the caller
read (`If-Match` or the body's) as a `Precondition`. The OpenAPI operation is named after the
handler, so generated clients read `establish_cluster`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from shared.commands import Read, Run
from shared.pagination import Page
from shared.preconditions import IfMatch, Precondition
from shared.schemas import RecordId, Versioned

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_PATH_IDS = re.compile(r"\{(\w+)\}")


def _parameter(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, _KEYWORD, annotation=annotation)


@dataclass(frozen=True)
class Records:
    """The routes of one kind of record: `POST`/`GET {path}`, `GET {path}/{id}` and
    `POST {path}/{id}/{step}` for each of its commands; `view` is what each answers. The path
    may name its parent's id too (`/clusters/{cluster_id}/tenancies`)."""

    router: APIRouter
    path: str
    id_name: str
    view: type[BaseModel]

    def create(self, handler: Callable[..., Any], body: type[BaseModel], *, summary: str) -> None:
        """`POST {path}`: 201 with the new record's view and its `Location`; a `Versioned` body
        (a record made in a parent it changes) makes the handler receive the caller's `version`
        of the parent."""
        parameters = [_parameter("cmd", body)]
        if issubclass(body, Versioned):
            parameters.append(_parameter("if_match", IfMatch))
        self._add(self.path, handler, parameters, "POST", summary, status_code=201)

    def listing(
        self,
        handler: Callable[..., Any],
        query: type[BaseModel],
        *,
        summary: str,
        view: type[BaseModel] | None = None,
    ) -> None:
        """`GET {path}`: a page of views (or of a shorter `view`), filtered by the query."""
        parameters = [_parameter("query", Annotated[query, Query()])]
        page = _page_of(view or self.view)
        self._add(self.path, handler, parameters, "GET", summary, returns=page)

    def one(self, handler: Callable[..., Any], *, summary: str) -> None:
        """`GET {path}/{id}`: one record's view; its ETag is its version when it has one."""
        self._add(self._item, handler, [], "GET", summary)

    def command(
        self,
        step: str,
        handler: Callable[..., Any],
        body: type[BaseModel],
        *,
        summary: str,
        status_code: int = 200,
        answers: type[BaseModel] | None = None,
    ) -> None:
        """`POST {path}/{id}/{step}`: one command on the record; a `Versioned` body makes the
        handler receive the caller's `version` (If-Match or the body's)."""
        parameters = [_parameter("cmd", body)]
        if issubclass(body, Versioned):
            parameters.append(_parameter("if_match", IfMatch))
        path = f"{self._item}/{step}"
        self._add(path, handler, parameters, "POST", summary, status_code, answers or self.view)

    @property
    def _item(self) -> str:
        return f"{self.path}/{{{self.id_name}}}"

    def _add(
        self,
        path: str,
        handler: Callable[..., Any],
        parameters: list[inspect.Parameter],
        method: str,
        summary: str,
        status_code: int = 200,
        returns: Any = None,
    ) -> None:
        writes = method != "GET"
        runner = _parameter("run" if writes else "read", Run if writes else Read)
        ids = [_parameter(name, RecordId) for name in _PATH_IDS.findall(path)]
        endpoint = _endpoint(handler, [*ids, *parameters, runner], returns or self.view)
        self.router.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=status_code,
            summary=summary,
            name=handler.__name__,
        )


def _page_of(view: type[BaseModel]) -> Any:
    return Page[view]  # type: ignore[valid-type]


def _endpoint(
    handler: Callable[..., Any], parameters: list[inspect.Parameter], returns: Any
) -> Callable[..., Any]:
    """A route function with this signature that runs `handler` with the request's inputs."""

    async def endpoint(**inputs: Any) -> Any:
        runner = inputs.pop("run", None) or inputs.pop("read")
        if "if_match" in inputs:
            inputs["version"] = Precondition.of(inputs.pop("if_match"), inputs["cmd"].version)
        return await runner(handler, **inputs)

    endpoint.__name__ = handler.__name__
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=returns
    )
    return endpoint
