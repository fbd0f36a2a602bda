"""Reporting fixtures: a migrated database per test, and the service with its consumers
running against the real broker (its projections are built only from Kafka).

Every test's service uses the same consumer groups, so each event on the broker is read once
in the whole run. Before a test starts its service, whatever earlier tests (of every service)
left unread is read into a scratch database: a test's projections hold its own events only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.promotion.app import service as promotion_service
from services.reporting.app import service
from tests import apis
from tests.kafka_tools import wait_until
from tests.reporting.factory import Reporting


@pytest.fixture
def reporting_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(service) as url:
        yield url


@pytest.fixture
def promotion_db_url(templates: apis.Templates) -> Iterator[str]:
    with templates.database(promotion_service) as url:
        yield url


async def _unread(bootstrap: str) -> int:
    """How many events the reporting service's consumer groups have not yet committed."""
    unread = 0
    for group_id in (f"{service.name}.{p.name}" for p in service.projections):
        group = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
        )
        await group.start()
        try:
            known = await group.topics()  # also fetches the topics' partitions
            partitions = [
                TopicPartition(topic, p)
                for topic in service.consumed_topics()
                if topic in known
                for p in group.partitions_for_topic(topic) or ()
            ]
            ends = await group.end_offsets(partitions) if partitions else {}
            for tp in partitions:
                unread += ends[tp] - ((await group.committed(tp)) or 0)
        finally:
            await group.stop()
    return unread


@pytest.fixture
async def drained(templates: apis.Templates, kafka_bootstrap: str) -> None:
    """Earlier tests' unread events, read into a scratch database and committed."""
    if await _unread(kafka_bootstrap) == 0:
        return
    with templates.database(service) as scratch:
        async with apis.live(kafka_bootstrap, (service, scratch)):

            async def caught_up() -> bool:
                return await _unread(kafka_bootstrap) == 0

            assert await wait_until(caught_up, timeout_s=120), "earlier events never drained"


@pytest.fixture
async def reporting(
    drained: None, reporting_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[Reporting]:
    """The reporting API, its consumers reading the other services' topics."""
    async with apis.live(kafka_bootstrap, (service, reporting_db_url)) as [(app, client)]:
        yield Reporting(client, app, apis.token, kafka_bootstrap)
