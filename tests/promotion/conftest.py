"""Promotion fixtures: a migrated database per test, and the app on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.promotion.app import service
from tests import apis
from tests.promotion.factory import Promotion


@pytest.fixture
def promotion_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(service) as url:
        yield url


@pytest.fixture
async def promotion(promotion_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Promotion]:
    """The promotion API on PostgreSQL, without background work (events stay in the outbox)."""
    settings = apis.settings_for(service, promotion_db_url, kafka_bootstrap)
    async with apis.served(service, settings) as (app, client):
        yield Promotion(client, app, apis.token)
