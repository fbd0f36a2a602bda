"""Server errors through the service app factory: problem+json, the correlation id, one log line."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from shared.http import create_service_app
from shared.logs import JsonFormatter
from shared.settings import Settings

SECRET = "test-secret-for-http-hardening-0123456789"


class JsonLines(logging.Handler):
    """Formats each record as it is emitted, so the line shows the context in force then."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter("things"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("the disk caught fire")

    return router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(service="things", jwt_secret=SECRET)
    app = create_service_app(settings, title="things", routers=[_router()])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://things") as c:
        yield c


async def test_an_unexpected_error_is_a_500_problem_carrying_the_correlation_id(
    client: httpx.AsyncClient, log_lines: JsonLines
) -> None:
    response = await client.get("/api/v1/boom", headers={"X-Correlation-ID": "corr-500"})
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/internal-error") and body["status"] == 500
    assert "the disk caught fire" not in response.text  # internals stay in the log
    assert response.headers.get("x-correlation-id") == "corr-500"
    assert body.get("correlation_id") == "corr-500"
    errors = [line for line in log_lines.lines if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert errors[0].get("correlation_id") == "corr-500", errors[0]
    assert "the disk caught fire" in errors[0].get("exception", "")


@asynccontextmanager
async def _opening(_router: APIRouter) -> AsyncIterator[None]:
    yield


@pytest.mark.parametrize(
    "router",
    [APIRouter(prefix="/api/v1", max_body_size=1024), APIRouter(lifespan=_opening)],
    ids=["a body-size limit", "a lifespan"],
)
def test_a_router_whose_own_limits_or_lifespan_the_app_would_drop_is_refused(
    router: APIRouter,
) -> None:
    """The app serves a router's routes as its own: what FastAPI adds only when a router is
    included (its limits, its lifespan) would be lost, so such a router is refused."""
    settings = Settings(service="things", jwt_secret=SECRET)
    with pytest.raises(ValueError, match="own limits or lifespan"):
        create_service_app(settings, title="things", routers=[router])
