"""Environment fixtures: a migrated database per test, and the app on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.environment.app import service
from tests import apis
from tests.environment.factory import Environment


@pytest.fixture
def environment_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(service) as url:
        yield url


@pytest.fixture
async def environment(environment_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Environment]:
    """The environment API on PostgreSQL, without background work (events stay in the outbox)."""
    settings = apis.settings_for(service, environment_db_url, kafka_bootstrap)
    async with apis.served(service, settings) as (app, client):
        yield Environment(client, app, apis.token)
