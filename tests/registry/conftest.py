"""Registry fixtures: a migrated database per test (copied from a template), the app, tokens."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from services.registry.app import service
from shared.migrations import upgrade
from tests import apis
from tests.apis import token
from tests.registry.factory import Registry


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "template.db"
    upgrade(service, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def registry_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def serving(url: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    """The registry API on `url`, without background work (events stay in the outbox)."""
    async with apis.served(service, apis.settings_for(service, url, kafka_bootstrap)) as served:
        app, client = served
        yield Registry(client, app, token)


@pytest.fixture
async def registry(registry_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    """The registry API on PostgreSQL."""
    async with serving(registry_db_url, kafka_bootstrap) as api:
        yield api


@pytest.fixture
async def registry_sqlite(
    registry_sqlite_url: str, kafka_bootstrap: str
) -> AsyncIterator[Registry]:
    """The registry API on SQLite."""
    async with serving(registry_sqlite_url, kafka_bootstrap) as api:
        yield api
