"""Reporting fixtures: a migrated database per test, and the service with its consumers
running against the real broker (its projections are built only from Kafka)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.reporting.app import service
from tests import apis
from tests.reporting.factory import Reporting


@pytest.fixture
def reporting_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(service) as url:
        yield url


@pytest.fixture
async def reporting(reporting_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Reporting]:
    """The reporting API, its consumers reading the registry's topics."""
    async with apis.live(kafka_bootstrap, (service, reporting_db_url)) as [(app, client)]:
        yield Reporting(client, app, apis.token, kafka_bootstrap)
