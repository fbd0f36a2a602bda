"""Registry fixtures: a migrated database per test (copied from a template), the app, tokens."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.registry.app import service
from shared.migrations import upgrade
from shared.settings import Settings
from tests import apis
from tests.apis import SECRET, token
from tests.registry.factory import Registry

__all__ = ["SECRET", "token"]


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


def registry_settings(url: str, kafka_bootstrap: str, *, background: bool = False) -> Settings:
    return apis.settings_for(service, url, kafka_bootstrap, background=background)


async def _client(settings: Settings) -> AsyncIterator[Registry]:
    async with apis.served(service, settings) as (app, client):
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
