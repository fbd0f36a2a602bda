"""The services' public APIs as the console calls them: over HTTP, with the signed-in official's
bearer token, an answer's problem+json turned into an `ApiProblem` the pages can show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.settings import Settings

SERVICE_VI = {
    "registry": "Dịch vụ cụm công nghiệp (registry)",
    "promotion": "Dịch vụ khuyến công (promotion)",
    "environment": "Dịch vụ môi trường (environment)",
    "reporting": "Dịch vụ báo cáo (reporting)",
}


@dataclass(eq=False)
class ApiProblem(Exception):
    """An API's refusal (its problem+json), or a service that did not answer (status 502)."""

    status: int
    detail: str
    slug: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    current_version: int | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.slug}: {self.detail}"

    @classmethod
    def of(cls, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            status=response.status_code,
            detail=str(body.get("detail") or response.reason_phrase),
            slug=str(body.get("type", "")).rsplit("/", 1)[-1],
            errors=[e for e in body.get("errors") or [] if isinstance(e, dict)],
            current_version=body.get("current_version"),
        )

    @property
    def field_errors(self) -> dict[str, str]:
        """The first message for each field the API named (`leased_area_ha`, `period`)."""
        found: dict[str, str] = {}
        for error in self.errors:
            found.setdefault(str(error.get("field", "")), str(error.get("message", "")))
        return found


@dataclass(frozen=True)
class Apis:
    """The services' APIs for one request, as the official whose `token` it carries."""

    http: httpx.AsyncClient
    settings: Settings
    token: str

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, token: str) -> AsyncIterator[Apis]:
        async with httpx.AsyncClient(timeout=settings.api_timeout_s) as http:
            yield cls(http, settings, token)

    def _url(self, service: str, path: str) -> str:
        base: str = getattr(self.settings, f"{service}_url")
        return f"{base.rstrip('/')}/api/v1{path}"

    async def _send(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        try:
            response = await self.http.request(
                method, self._url(service, path), headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise ApiProblem(
                502,
                f"{SERVICE_VI[service]} không trả lời ({type(exc).__name__}); thử lại sau ít phút",
                slug="unavailable",
            ) from None
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        return response

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """The JSON an API answers to `GET path?params` (None-valued parameters left out)."""
        sent = {k: v for k, v in params.items() if v is not None and v != ""}
        return (await self._send(service, "GET", path, params=sent)).json()

    async def all_pages(self, service: str, path: str, **params: Any) -> list[Any]:
        """Every item of a paginated list, page after page."""
        items: list[Any] = []
        cursor = None
        while True:
            page = await self.get(service, path, limit=200, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def post(
        self, service: str, path: str, body: dict[str, Any], *, idempotency_key: str
    ) -> Any:
        """Send a command once: a retry with the same key gets the first answer back."""
        headers = {"Idempotency-Key": idempotency_key}
        return (await self._send(service, "POST", path, json=body, headers=headers)).json()

    async def download(self, service: str, path: str, **params: Any) -> httpx.Response:
        """A report as a file (`format=xlsx`), as the API answers it."""
        sent = {k: v for k, v in params.items() if v is not None and v != ""}
        return await self._send(service, "GET", path, params=sent)
