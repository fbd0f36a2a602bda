"""A service's API in tests: its migrated database copied from a template per test, the app
in-process with its lifespan, and a thin client that mints tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import column, select, table

from shared.auth import mint_token
from shared.db import Database
from shared.localinfra import PostgresServer
from shared.migrations import upgrade
from shared.service import ServiceSpec
from shared.settings import Settings

SECRET = "service-test-secret-0123456789abcdef"


class Templates:
    """A database per test, copied from one migrated template per service (made once)."""

    def __init__(self, postgres_server: PostgresServer) -> None:
        self.server = postgres_server
        self.made: dict[str, str] = {}

    def template(self, spec: ServiceSpec[Any]) -> str:
        if spec.name not in self.made:
            name = self.server.create_database(name=f"{spec.name}_template")
            upgrade(spec, self.server.url(name))
            self.made[spec.name] = name
        return self.made[spec.name]

    @contextmanager
    def database(self, spec: ServiceSpec[Any]) -> Iterator[str]:
        """The URL of a fresh copy of the service's migrated database, dropped afterwards."""
        name = self.server.create_database(template=self.template(spec))
        try:
            yield self.server.url(name)
        finally:
            self.server.drop_database(name)


def settings_for(
    spec: ServiceSpec[Any], url: str, kafka_bootstrap: str, *, background: bool = False
) -> Settings:
    """Settings for a test: background work (relay, consumers) only when asked for."""
    return spec.settings(
        database_url=url,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        migrate_on_start=False,
        run_relay=background,
        run_consumers=background,
        outbox_poll_interval_s=0.1,
    )


def token(
    agency: str = "so-cong-thuong",
    roles: tuple[str, ...] = ("officer",),
    province: str | None = "14",
    communes: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    return mint_token(
        SECRET,
        subject=claims.get("subject", "officer-1"),
        agency=agency,
        roles=roles,
        province=province,
        communes=communes,
        tax_code=claims.get("tax_code"),
    )


@dataclass
class Api:
    """A service's HTTP API in-process; requests go as a Sở Công Thương officer of Sơn La
    unless they say otherwise."""

    client: httpx.AsyncClient
    app: FastAPI
    mint: Callable[..., str]

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    def auth(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kw)}"}

    @property
    def approver(self) -> dict[str, str]:
        return self.auth(roles=("officer", "approver"))

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1{path}", json=body, headers=self._headers(headers), **kw
        )

    async def get(
        self, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.client.get(f"/api/v1{path}", headers=self._headers(headers), **kw)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        """The caller's own headers (none at all, if empty), else the default caller's token."""
        return headers if headers is not None else self.auth()

    async def ok(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        response = await (
            self.post(path, body, headers) if method == "POST" else self.get(path, headers)
        )
        assert response.status_code == status, response.text
        return response.json()  # type: ignore[no-any-return]

    async def outbox_types(self) -> list[str]:
        """The names of the events the service recorded, in order (in its outbox)."""
        async with self.db.sessions() as session:
            rows = await session.execute(select(OUTBOX.c.type).order_by(OUTBOX.c.seq))
        return [r.type.split(".")[3] for r in rows]


OUTBOX = table("outbox", column("type"), column("seq"))
"""Every service's outbox, as far as the tests read it."""


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The problem+json body of an error answer, checked for its status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + slug), body
    return body


def field_of(body: dict[str, Any]) -> str:
    """The field the first error of a problem names."""
    return str(body["errors"][0]["field"])


@asynccontextmanager
async def served(
    spec: ServiceSpec[Any], settings: Settings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The service's app with its lifespan running, and a client to it."""
    app = spec.create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        base_url = f"http://{spec.name}"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield app, client


@asynccontextmanager
async def live(
    kafka_bootstrap: str, *services: tuple[ServiceSpec[Any], str]
) -> AsyncIterator[list[tuple[FastAPI, httpx.AsyncClient]]]:
    """Several services, each on its database URL, with their outbox relays and consumers
    running against the broker: they talk through Kafka as in production."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                served(spec, settings_for(spec, url, kafka_bootstrap, background=True))
            )
            for spec, url in services
        ]


async def drain_reporting(scratch_database_url: str, kafka_bootstrap: str) -> None:
    """What earlier tests left unread of the reporting service's topics, read into a scratch
    database and committed, so that a reporting service started next reads only newer events."""
    from services.reporting.app import service as reporting
    from tests.kafka_tools import unread, wait_until

    if await unread(kafka_bootstrap, reporting) == 0:
        return
    async with live(kafka_bootstrap, (reporting, scratch_database_url)):

        async def caught_up() -> bool:
            return await unread(kafka_bootstrap, reporting) == 0

        assert await wait_until(caught_up, timeout_s=300), "earlier events never drained"
