"""Registry fixtures: a migrated database per test (copied from a template), the app, tokens."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.registry.app import create_app, service
from shared.auth import mint_token
from shared.localinfra import PostgresServer
from shared.migrations import upgrade
from shared.settings import Settings
from tests.registry.factory import Registry

SECRET = "registry-test-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def registry_template(postgres_server: PostgresServer) -> str:
    """A PostgreSQL database with the registry's migrations applied, to copy per test."""
    name = postgres_server.create_database(name="registry_template")
    upgrade(service, postgres_server.url(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "template.db"
    upgrade(service, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def registry_db_url(postgres_server: PostgresServer, registry_template: str) -> Iterator[str]:
    name = postgres_server.create_database(template=registry_template)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def registry_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def registry_settings(url: str, kafka_bootstrap: str, *, background: bool = False) -> Settings:
    return Settings(
        service="registry",
        database_url=url,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        migrate_on_start=False,
        run_relay=background,
        run_consumers=background,
        outbox_poll_interval_s=0.1,
    )


async def _client(settings: Settings) -> AsyncIterator[Registry]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield Registry(client, app, token)


@pytest.fixture
async def registry(registry_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    """The registry API on PostgreSQL, without background work (events stay in the outbox)."""
    async for api in _client(registry_settings(registry_db_url, kafka_bootstrap)):
        yield api


@pytest.fixture
async def registry_sqlite(
    registry_sqlite_url: str, kafka_bootstrap: str
) -> AsyncIterator[Registry]:
    async for api in _client(registry_settings(registry_sqlite_url, kafka_bootstrap)):
        yield api


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
    )


Token = Callable[..., str]
