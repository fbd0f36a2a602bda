"""The environment service with the registry, through the real broker: facilities reach the
environment's read model, and its classifications reach the registry's relocation list."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.environment import seed as environment_seed
from services.environment.app import service as environment_service
from services.registry import seed as registry_seed
from services.registry.app import service as registry_service
from shared.kafka import topic_offsets
from tests import apis
from tests.environment.factory import Environment, sample
from tests.kafka_tools import wait_until
from tests.registry.factory import Registry


@pytest.fixture
async def services(
    registry_db_url: str, environment_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[tuple[Registry, Environment]]:
    """Both services with their outbox relays and consumers running against the broker."""
    pairs = ((registry_service, registry_db_url), (environment_service, environment_db_url))
    async with apis.live(kafka_bootstrap, *pairs) as [(r_app, r), (e_app, e)]:
        yield Registry(r, r_app, apis.token), Environment(e, e_app, apis.token)


async def test_a_polluter_found_by_inspection_reaches_the_relocation_list_and_leaves_it(
    services: tuple[Registry, Environment],
) -> None:
    registry, environment = services
    facility = await registry.facility(name="Cơ sở mạ kẽm Chiềng Lề")

    async def known_here() -> bool:
        return (await environment.get(f"/facilities/{facility['id']}")).status_code == 200

    assert await wait_until(known_here), "FacilityRegistered never reached the environment"

    inspection = await environment.inspection(facility["id"])
    await environment.measured(inspection, sample("cod", "400"))
    await environment.completed(inspection)

    async def candidates() -> list[str]:
        listed = await registry.ok("GET", "/relocation-candidates")
        return [c["facility_id"] for c in listed]

    async def listed() -> bool:
        return facility["id"] in await candidates()

    assert await wait_until(listed), "FacilityClassifiedPolluting never reached the registry"
    entry = next(
        c
        for c in await registry.ok("GET", "/relocation-candidates")
        if c["facility_id"] == facility["id"]
    )
    assert (entry["severity"], entry["relocation_priority"]) == ("seriously_polluting", 1)
    assert entry["facility_name"] == "Cơ sở mạ kẽm Chiềng Lề"

    await environment.ok(
        "POST",
        f"/facilities/{facility['id']}/declassification",
        {"declassified_on": "2024-09-01", "reason": "Đã lắp hệ thống xử lý", "version": 2},
        environment.approver,
    )

    async def gone() -> bool:
        return facility["id"] not in await candidates()

    assert await wait_until(gone), "FacilityDeclassified never took it off the relocation list"


async def _published_once_drained(environment: Environment, bootstrap: str) -> int:
    """How many records the environment's topics hold, once its relay has published all it
    recorded (a published row leaves the outbox)."""

    async def drained() -> bool:
        return await environment.outbox_types() == []

    assert await wait_until(drained, timeout_s=60), "the environment's outbox never drained"
    _begin, end = await topic_offsets(bootstrap, environment_service.published_topics())
    return sum(end.values())


async def test_the_sample_data_puts_son_las_polluters_on_the_relocation_list_once(
    services: tuple[Registry, Environment], kafka_bootstrap: str
) -> None:
    registry, environment = services
    await registry_seed.load_sample(registry.app.state.commands, progress=lambda _: None)
    await environment_seed.load(environment.app.state.commands, progress=lambda _: None)
    published_after_first = await _published_once_drained(environment, kafka_bootstrap)

    async def candidates() -> list[dict[str, object]]:
        return await registry.ok("GET", "/relocation-candidates?province_code=14")  # type: ignore[return-value]

    async def all_listed() -> bool:
        return len(await candidates()) == 23

    assert await wait_until(all_listed, timeout_s=60), f"{len(await candidates())} listed"
    severities = sorted({(c["severity"], c["relocation_priority"]) for c in await candidates()})
    assert severities == [("polluting", 3), ("seriously_polluting", 1)]
    overdue = await environment.ok("GET", "/violations?overdue=true&limit=200")
    remedied = await environment.ok("GET", "/violations?status=remediated&limit=200")
    assert (len(overdue["items"]), len(remedied["items"])) == (33, 10)

    await environment_seed.load(environment.app.state.commands, progress=lambda _: None)
    published = await _published_once_drained(environment, kafka_bootstrap)
    assert published == published_after_first  # nothing twice
