"""Classification through the API: the province's rule after each inspection, an approver's
decision by hand, and declassification."""

from __future__ import annotations

import asyncio

from tests.apis import problem
from tests.environment.factory import Environment, sample


async def _inspected(environment: Environment, facility_id: str, day: str, cod: str) -> None:
    inspection = await environment.inspection(facility_id, scheduled_on=day)
    await environment.measured(inspection, sample("cod", cod, sampled_on=day))
    await environment.completed(inspection, on=day)


async def test_a_sample_at_twice_its_limit_classifies_the_facility_seriously_polluting(
    environment: Environment,
) -> None:
    facility_id = await environment.facility()
    await _inspected(environment, facility_id, "2024-05-06", "400")  # 2.69× Cmax 148.5
    facility = await environment.ok("GET", f"/facilities/{facility_id}")
    standing = facility["classification"]
    assert standing["severity"] == "seriously_polluting"
    assert standing["relocation_priority"] == 1  # serious, and its violation is overdue
    assert standing["classified_on"] == "2024-05-06"
    assert (await environment.outbox_types())[-1] == "FacilityClassifiedPolluting"


async def test_exceedances_in_two_inspections_within_24_months_make_it_polluting(
    environment: Environment,
) -> None:
    facility_id = await environment.facility()
    await _inspected(environment, facility_id, "2022-01-10", "160")
    await _inspected(environment, facility_id, "2024-06-10", "160")  # outside the window
    assert (await environment.ok("GET", f"/facilities/{facility_id}"))["classification"][
        "severity"
    ] is None
    await _inspected(environment, facility_id, "2025-03-10", "170")
    standing = (await environment.ok("GET", f"/facilities/{facility_id}"))["classification"]
    assert standing["severity"] == "polluting"
    assert standing["relocation_priority"] == 3  # polluting, with overdue violations
    types = await environment.outbox_types()
    assert types.count("FacilityClassifiedPolluting") == 1


async def test_an_approver_classifies_and_declassifies_by_hand(environment: Environment) -> None:
    facility_id = await environment.facility()
    decision = {
        "severity": "polluting",
        "relocation_priority": 2,
        "classified_on": "2024-02-01",
        "reasons": ["Khiếu nại của người dân về mùi và nước thải"],
        "version": 1,
    }
    path = f"/facilities/{facility_id}/classification"
    problem(await environment.post(path, decision), 403, "forbidden")  # an officer
    classified = await environment.ok("POST", path, decision, environment.approver)
    assert classified["classification"]["decided_by_hand"] is True
    assert classified["version"] == 2
    lifted = await environment.ok(
        "POST",
        f"/facilities/{facility_id}/declassification",
        {"declassified_on": "2024-09-01", "reason": "Đã di dời vào cụm", "version": 2},
        environment.approver,
    )
    assert lifted["classification"]["severity"] is None
    assert lifted["classification"]["declassified_on"] == "2024-09-01"
    types = await environment.outbox_types()
    assert types[-2:] == ["FacilityClassifiedPolluting", "FacilityDeclassified"]


async def test_declassifying_a_facility_never_classified_is_409(environment: Environment) -> None:
    facility_id = await environment.facility()
    response = await environment.post(
        f"/facilities/{facility_id}/declassification",
        {"declassified_on": "2024-09-01", "reason": "x", "version": 1},
        environment.approver,
    )
    problem(response, 409, "not-classified")


async def test_inspections_before_a_declassification_no_longer_count(
    environment: Environment,
) -> None:
    facility_id = await environment.facility()
    await _inspected(environment, facility_id, "2024-01-10", "400")
    await environment.ok(
        "POST",
        f"/facilities/{facility_id}/declassification",
        {"declassified_on": "2024-03-01", "reason": "Đã lắp hệ thống xử lý", "version": 2},
        environment.approver,
    )
    await _inspected(environment, facility_id, "2024-06-10", "160")  # one minor exceedance
    standing = (await environment.ok("GET", f"/facilities/{facility_id}"))["classification"]
    assert standing["severity"] is None


async def test_two_inspections_of_a_facility_never_classified_close_at_once(
    environment: Environment,
) -> None:
    facilities = [await environment.facility() for _ in range(3)]
    inspections = []
    for facility_id in facilities * 2:
        inspection = await environment.inspection(facility_id, scheduled_on="2024-05-06")
        inspections.append(await environment.measured(inspection, sample("cod", "400")))
    # Each finds its facility without a standing and makes one: the second of a facility must
    # take the first's, not fail on its key (a race each pair may or may not run into).
    closed = await asyncio.gather(
        *(environment.completed(inspection) for inspection in inspections)
    )
    assert [c["outcome"] for c in closed] == ["violations_found"] * 6
    for facility_id in facilities:
        facility = await environment.ok("GET", f"/facilities/{facility_id}")
        assert facility["classification"]["severity"] == "seriously_polluting"
    assert (await environment.outbox_types()).count("FacilityClassifiedPolluting") == 3
