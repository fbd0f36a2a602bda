"""The officials' web console: server-rendered pages in Vietnamese over the services' public
APIs. It keeps no data and publishes no events: a spec without tables."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from services.console import (
    cluster_pages,
    dashboard_tables,
    inspection_commands,
    inspection_pages,
    pages,
    promotion_pages,
    relocation_pages,
    sign_in,
)
from services.console.apis import ApiProblem
from services.console.oidc import IdentityProvider
from services.console.session import SignInRequired
from services.console.views import HERE, problem_page
from shared.service import ServiceSpec
from shared.settings import Settings


async def _to_sign_in(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(exc.sign_in_url(), status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = "Không có trang này." if exc.status_code == 404 else str(exc.detail)
    return problem_page(request, None, ApiProblem(exc.status_code, detail))


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    wrong = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()[:3])
    return problem_page(request, None, ApiProblem(400, f"Địa chỉ trang không hợp lệ ({wrong})."))


def finish(app: FastAPI, settings: Settings) -> None:
    """Its static files, its errors as pages rather than problem+json, and the IdP officials
    sign in at (asked nothing until the first sign-in)."""
    app.state.identity_provider = IdentityProvider(settings)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)


service: ServiceSpec[None] = ServiceSpec(
    name="console",
    port=8000,
    title="ccn-platform console",
    description="The officials' web console (Vietnamese), over the services' public APIs.",
    routers=[
        sign_in.router,
        pages.router,
        dashboard_tables.router,
        cluster_pages.router,
        promotion_pages.router,
        inspection_pages.router,
        inspection_commands.router,
        relocation_pages.router,
    ],
    finish=finish,
)


def create_app(settings: Settings) -> FastAPI:
    return service.create_app(settings)
