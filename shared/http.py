"""The HTTP app factory of every service: problem+json, correlation ids, health, metrics."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import context, metrics
from shared.auth import TokenVerifier
from shared.db import Database, is_transient
from shared.errors import PlatformError, Unauthorized
from shared.idempotency import Replayed
from shared.kafka import check_broker
from shared.openapi import PROBLEM_JSON, install_problem_documents
from shared.settings import Settings

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://ccn-platform.example/problems/"
CORRELATION_HEADER = "X-Correlation-ID"
UNMETERED = {"/metrics", "/healthz", "/readyz"}

Hook = Callable[[FastAPI], Awaitable[Callable[[], Awaitable[None]] | None]]


def problem(
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem_type,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if (cid := context.correlation_id.get()) is not None:
        body["correlation_id"] = cid
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: Sequence[Any]) -> str:
    """The field as the caller knows it: `planned_area_ha`, `cursor`, `If-Match`."""
    where, *rest = loc or ("body",)
    if where == "header" and rest:
        return str(rest[0])
    parts = [str(p) for p in (rest if where in ("body", "query", "path") else loc)]
    return ".".join(parts) if parts else "body"


async def _platform_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlatformError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return problem(
        exc.status_code,
        exc.problem_type,
        exc.title,
        exc.message,
        instance=request.url.path,
        headers=headers,
        **exc.extensions,
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field_path(e.get("loc", ())),
            "message": e.get("msg", "invalid"),
            "type": e.get("type", "value_error"),
        }
        for e in exc.errors()
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(
        422,
        "validation-error",
        "Invalid input",
        summary or "invalid input",
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}.get(
        exc.status_code, "http-error"
    )
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem(
        exc.status_code,
        slug,
        str(exc.detail),
        str(exc.detail),
        instance=request.url.path,
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (Starlette names only the first route's)."""
    path = request.url.path
    methods = {
        method
        for route in iter_route_contexts(request.app.routes)
        if (regex := getattr(route, "path_regex", None)) is not None and regex.match(path)
        for method in route.methods or ()
    }
    return sorted(methods)


async def _replayed(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    return exc.response()


def _unexpected_error(request_path: str, exc: BaseException) -> Response:
    """A 500 (or a 503 if a dependency is briefly away), logged in the request's context."""
    if is_transient(exc):
        log.warning("dependency unavailable on %s: %r", request_path, exc)
        return problem(
            503,
            "unavailable",
            "A dependency is unavailable",
            "the database or the broker did not answer; retry in a moment",
            instance=request_path,
            headers={"Retry-After": "1"},
        )
    log.error("unhandled error on %s", request_path, exc_info=exc)
    return problem(
        500,
        "internal-error",
        "Internal error",
        "the service failed to handle this request; quote the correlation id",
        instance=request_path,
    )


class RequestContextMiddleware:
    """Binds a correlation id to each request and echoes it; answers errors no handler took
    with a problem inside that context (so the log line and the response both carry the id);
    records metrics by route."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Header bytes are input: HTTP allows any octet, so decode as Latin-1, never fail.
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cid = _checked(headers.get(CORRELATION_HEADER.lower()), _CORRELATION_ID) or context.new_id()
        status = 500
        started = False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (CORRELATION_HEADER.encode(), cid.encode()),
                ]
            await send(message)

        with context.bound(correlation=cid, trace=_checked(headers.get("traceparent"), _TRACE)):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if started:
                    log.error("error after the response started on %s", scope["path"], exc_info=exc)
                    raise
                await _unexpected_error(scope["path"], exc)(scope, receive, send_with_id)
            finally:
                self._observe(scope, status, time.perf_counter() - start)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_template(scope)
        if route not in UNMETERED:
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(self.service, route, method, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self.service, route, method).observe(seconds)


_CORRELATION_ID = re.compile(r"[!-~]{1,128}")
_TRACE = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def _checked(value: str | None, pattern: re.Pattern[str]) -> str | None:
    """A header value if it has the expected form; None (a fresh one is made) otherwise."""
    return value if value is not None and pattern.fullmatch(value) else None


def _route_template(scope: Scope) -> str:
    """The matched route's template (`/clusters/{cluster_id}`), so metrics stay low-cardinality."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


def _health_router(settings: Settings, *, uses_broker: bool) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service}

    @router.get(
        "/readyz",
        summary="The database answers (and whether Kafka and the topics do)",
        description="200 `ready`, or 200 `degraded` while Kafka or the service's topics are "
        "missing (writes are taken and their events wait in the outbox); 503 while the database "
        "does not answer.",
        responses={503: {"description": "the database does not answer"}},
    )
    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        db: Database | None = getattr(request.app.state, "db", None)
        if db is not None:
            try:
                await db.ping()
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"unavailable: {type(exc).__name__}: {exc}"
        if uses_broker:
            try:
                await check_broker(settings.kafka_bootstrap_servers)
                checks["kafka"] = "ok"
            except ConnectionError as exc:
                checks["kafka"] = f"unavailable: {exc}"
        topics = getattr(request.app.state, "topics", None)
        if topics is not None:
            checks["topics"] = topics.missing or "ok"
        if checks.get("database", "ok") != "ok":
            return problem(
                503, "not-ready", "Not ready", "the database does not answer", checks=checks
            )
        # Without Kafka the service still takes writes: its events wait in the outbox.
        status = "ready" if all(v == "ok" for v in checks.values()) else "degraded"
        return JSONResponse({"status": status, "checks": checks})

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(
    settings: Settings,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    db: Database | None = None,
    on_startup: Sequence[Hook] = (),
    version: str = "1.0.0",
    uses_broker: bool = True,
) -> FastAPI:
    """A FastAPI app with the platform's errors, middleware, health, metrics and auth wired in.

    Each startup hook runs in order and may return an async cleanup, run in reverse at shutdown
    (a service uses them to start its outbox relay and consumers). An app that `uses_broker`
    reports Kafka in its readiness.
    """
    _refuse_the_development_secret_in_production(settings)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=_lifespan(on_startup, db),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.db = db
    app.state.token_verifier = TokenVerifier(settings)
    app.add_middleware(RequestContextMiddleware, service=settings.service)
    app.add_exception_handler(PlatformError, _platform_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Replayed, _replayed)
    for router in (_health_router(settings, uses_broker=uses_broker), *routers):
        _serve_routes(app, router)
    install_problem_documents(app)
    return app


_DEFAULT_LIFESPAN = type(APIRouter().lifespan_context)


def _serve_routes(app: FastAPI, router: APIRouter) -> None:
    """Serve the router's routes as the app's own. FastAPI matches an included router's routes
    twice a request, once to choose the router and again inside it: about 25 µs a request, an
    eighth of a write's time in FastAPI. A router gives each route its prefix, tags and
    dependencies as the route is declared; only its limits and lifespan wait for an inclusion,
    and a platform router has neither. (Nor does `app.dependency_overrides` reach the routes:
    the platform's tests run the real dependencies.)"""
    hooks = router.on_startup or router.on_shutdown
    lifespan = not isinstance(router.lifespan_context, _DEFAULT_LIFESPAN)
    if router.form_limits or router.max_body_size is not None or hooks or lifespan:
        raise ValueError("a router with its own limits or lifespan must be included")
    app.router.routes.extend(router.routes)


def _lifespan(
    on_startup: Sequence[Hook], db: Database | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for hook in on_startup:
                cleanup = await hook(app)
                if cleanup is not None:
                    stack.push_async_callback(cleanup)
            if db is not None:
                stack.push_async_callback(db.dispose)
            yield

    return lifespan


def _refuse_the_development_secret_in_production(settings: Settings) -> None:
    if (
        settings.environment == "production"
        and settings.uses_dev_secret
        and not settings.jwt_jwks_url
    ):
        raise RuntimeError(
            "refusing to start in production with the development JWT secret: set "
            "CCN_JWT_JWKS_URL (your identity provider) or a CCN_JWT_SECRET of your own"
        )
