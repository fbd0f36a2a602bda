"""Reporting fixtures: a migrated database per test, and the service with its consumers
running against the real broker (its projections are built only from Kafka).

Every test's service uses the same consumer groups, so each event on the broker is read once
in the whole run; `reporting_drained` (tests/conftest.py) first reads what earlier tests left
unread into a scratch database, so that a test's projections hold its own events only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.promotion.app import service as promotion_service
from services.reporting.app import service
from tests import apis
from tests.reporting.factory import Reporting


@pytest.fixture
def reporting_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(service) as url:
        yield url


@pytest.fixture
def promotion_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(promotion_service) as url:
        yield url


@pytest.fixture
async def reporting(
    reporting_drained: None, reporting_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[Reporting]:
    """The reporting API, its consumers reading the other services' topics."""
    async with apis.live(kafka_bootstrap, (service, reporting_db_url)) as [(app, client)]:
        yield Reporting(client, app, apis.token, kafka_bootstrap)
