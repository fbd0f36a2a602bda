"""The promotion service with the registry, through the real broker: beneficiaries reach its
read model, and a redelivered event changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from services.promotion import tables
from services.promotion.app import service as promotion_service
from services.registry.app import service as registry_service
from shared.events import Envelope
from shared.events.registry import EnterpriseKind, EnterpriseRegistered
from tests import apis
from tests.kafka_tools import produce_raw, wait_until
from tests.promotion.factory import Promotion
from tests.registry.factory import Registry


@pytest.fixture
async def services(
    registry_db_url: str, promotion_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[tuple[Registry, Promotion]]:
    """Both services with their outbox relays and consumers running against the broker."""
    pairs = ((registry_service, registry_db_url), (promotion_service, promotion_db_url))
    async with apis.live(kafka_bootstrap, *pairs) as [(r_app, r), (p_app, p)]:
        yield Registry(r, r_app, apis.token), Promotion(p, p_app, apis.token)


async def test_a_facility_registered_in_the_registry_can_be_a_projects_beneficiary(
    services: tuple[Registry, Promotion], kafka_bootstrap: str
) -> None:
    registry, promotion = services
    facility = await registry.facility(name="Xưởng mây tre đan Chiềng An")
    body = {
        "name": "Hỗ trợ máy chẻ nan",
        "province_code": "14",
        "funding_source": "national",
        "content_group": "demonstration_and_technology_transfer",
        "beneficiary_facility_id": facility["id"],
        "beneficiary_enterprise_id": facility["enterprise_id"],
        "total_cost_vnd": 400_000_000,
        "requested_support_vnd": 200_000_000,
        "counterpart_vnd": 200_000_000,
        "start_date": "2024-03-01",
        "end_date": "2024-10-31",
    }

    async def proposed() -> bool:
        return (await promotion.post("/projects", body)).status_code == 201

    assert await wait_until(proposed, timeout_s=60), "the beneficiary never reached promotion"

    again = EnterpriseRegistered(
        enterprise_id=facility["enterprise_id"],
        name="renamed by a replay",
        tax_code="5500000000",
        kind=EnterpriseKind.HOUSEHOLD,
        province_code="14",
    )
    envelope = Envelope.wrap(again)
    record = (envelope.key, envelope.value(), envelope.headers())
    await produce_raw(kafka_bootstrap, again.topic(), record, record)  # delivered twice

    async def applied_once() -> bool:
        async with promotion.db.sessions() as session:
            inbox, people = tables.platform.inbox, tables.enterprises
            seen = await session.execute(
                select(func.count()).select_from(inbox).where(inbox.c.event_id == envelope.id)
            )
            name = await session.execute(
                select(people.c.name).where(people.c.id == facility["enterprise_id"])
            )
            dead = await session.execute(
                select(func.count()).select_from(tables.platform.dead_letters)
            )
            return (seen.scalar_one(), name.scalar_one(), dead.scalar_one()) == (
                1,
                "renamed by a replay",
                0,
            )

    assert await wait_until(applied_once, timeout_s=30), "the redelivery was not absorbed"
