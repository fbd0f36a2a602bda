"""A cluster's shared infrastructure through the HTTP API: reported, shown, and refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.registry import tables
from shared.db import Database
from shared.domain import today
from tests.apis import problem
from tests.registry.factory import CHIENG_AN, HA_NOI, TO_HIEU, Registry

REPORT = {
    "treatment_plant": "operating",
    "treatment_capacity_m3_per_day": 300,
    "solid_waste_collection": "partial",
    "fire_safety": "full",
    "reported_on": "2024-12-14",
}
TOMORROW = "tomorrow"

NOTHING_YET = {
    "treatment_plant": "none",
    "treatment_capacity_m3_per_day": None,
    "solid_waste_collection": "none",
    "fire_safety": "none",
    "reported_on": None,
}


def _path(cluster: dict[str, Any]) -> str:
    return f"/clusters/{cluster['id']}/infrastructure"


async def _last_event(registry: Registry) -> dict[str, Any]:
    db: Database = registry.app.state.db
    outbox = tables.platform.outbox
    async with db.sessions() as session:
        row = (
            await session.execute(select(outbox.c.payload).order_by(outbox.c.seq.desc()))
        ).first()
    assert row is not None
    return json.loads(row.payload)  # type: ignore[no-any-return]


async def test_a_report_shows_on_the_cluster_bumps_its_version_and_records_the_event(
    registry: Registry,
) -> None:
    cluster = await registry.operating_cluster()
    assert cluster["infrastructure"] == NOTHING_YET  # nothing reported: no plant, no coverage
    response = await registry.post(
        _path(cluster),
        {**REPORT, "note": "Trạm xử lý nước thải vận hành từ 2012"},
        headers={**registry.officer, "If-Match": f'"{cluster["version"]}"'},
    )
    assert response.status_code == 200, response.text
    reported = response.json()
    assert reported["infrastructure"] == {key: REPORT[key] for key in NOTHING_YET}
    assert reported["version"] == cluster["version"] + 1
    assert response.headers["etag"] == f'"{cluster["version"] + 1}"'
    assert (reported["status"], reported["area_ha"]) == ("operating", cluster["area_ha"])
    assert (await registry.ok("GET", f"/clusters/{cluster['id']}")) == reported

    assert (await registry.outbox_types())[-1] == "ClusterInfrastructureUpdated"
    event = await _last_event(registry)
    assert {key: event[key] for key in REPORT} == REPORT
    assert (event["cluster_id"], event["commune_code"]) == (cluster["id"], TO_HIEU)
    assert event["note"] == "Trạm xử lý nước thải vận hành từ 2012"


async def test_a_later_report_replaces_the_last_and_no_plant_has_no_capacity(
    registry: Registry,
) -> None:
    cluster = await registry.operating_cluster()
    first = await registry.ok("POST", _path(cluster), {**REPORT, "version": cluster["version"]})
    closed = {
        "treatment_plant": "none",
        "solid_waste_collection": "full",
        "fire_safety": "partial",
        "reported_on": "2025-06-14",
    }
    second = await registry.ok("POST", _path(cluster), {**closed, "version": first["version"]})
    assert second["infrastructure"] == {**closed, "treatment_capacity_m3_per_day": None}
    assert (await _last_event(registry))["treatment_capacity_m3_per_day"] is None


async def test_infrastructure_is_reported_in_every_status_but_removed(registry: Registry) -> None:
    planned = await registry.planned_cluster()
    building = {**REPORT, "treatment_plant": "under_construction", "version": 1}
    reported = await registry.ok("POST", _path(planned), building)
    assert reported["infrastructure"]["treatment_plant"] == "under_construction"

    removed = await registry.ok(
        "POST",
        f"/clusters/{planned['id']}/removal",
        {"reason": "không đủ quỹ đất", "version": reported["version"]},
        headers=registry.approver,
    )
    refused = await registry.post(_path(planned), {**REPORT, "version": removed["version"]})
    assert problem(refused, 409, "illegal-transition")["current_status"] == "removed"
    assert (await registry.outbox_types())[-1] == "ClusterRemovedFromPlan"  # nothing recorded


async def test_a_report_needs_the_version_read_and_a_stale_one_is_409(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    problem(await registry.post(_path(cluster), REPORT), 428, "precondition-required")
    stale = await registry.post(_path(cluster), {**REPORT, "version": cluster["version"] - 1})
    assert problem(stale, 409, "stale-version")["current_version"] == cluster["version"]
    assert "ClusterInfrastructureUpdated" not in await registry.outbox_types()


async def test_only_writers_of_the_province_and_ubnd_of_its_commune_report(
    registry: Registry,
) -> None:
    cluster = await registry.operating_cluster()
    body = {**REPORT, "version": cluster["version"]}
    for outsider in (
        registry.auth(province=HA_NOI),
        registry.auth(agency="ubnd", communes=(CHIENG_AN,)),
        registry.auth(agency="so-tnmt"),
        registry.auth(roles=("viewer",)),
    ):
        problem(await registry.post(_path(cluster), body, headers=outsider), 403, "forbidden")
    own_commune = registry.auth(agency="ubnd", communes=(TO_HIEU,))
    reported = await registry.ok("POST", _path(cluster), body, headers=own_commune)
    assert reported["infrastructure"]["fire_safety"] == "full"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"treatment_capacity_m3_per_day": None}, "treatment_capacity_m3_per_day"),
        ({"treatment_capacity_m3_per_day": 0}, "treatment_capacity_m3_per_day"),
        (
            {"treatment_plant": "under_construction", "treatment_capacity_m3_per_day": None},
            "treatment_capacity_m3_per_day",
        ),
        ({"treatment_plant": "none"}, "treatment_capacity_m3_per_day"),  # 300 m³/day of nothing
        ({"fire_safety": "some"}, "fire_safety"),
        ({"reported_on": TOMORROW}, "reported_on"),
    ],
)
async def test_an_incoherent_or_future_report_is_422_naming_the_field(
    registry: Registry, change: dict[str, Any], field: str
) -> None:
    cluster = await registry.operating_cluster()
    if change.get("reported_on") == TOMORROW:  # tomorrow as the test runs, not as it was listed
        change = {"reported_on": (today() + timedelta(days=1)).isoformat()}
    body = {**REPORT, **change, "version": cluster["version"]}
    detail = problem(await registry.post(_path(cluster), body), 422, "validation-error")
    assert [e["field"] for e in detail["errors"]] == [field], detail
    assert "ClusterInfrastructureUpdated" not in await registry.outbox_types()


async def test_a_report_older_than_the_one_on_record_is_422(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    first = await registry.ok("POST", _path(cluster), {**REPORT, "version": cluster["version"]})
    older = {
        **REPORT,
        "treatment_plant": "none",
        "treatment_capacity_m3_per_day": None,
        "reported_on": "2020-01-01",
        "version": first["version"],
    }
    detail = problem(await registry.post(_path(cluster), older), 422, "validation-error")
    assert [e["field"] for e in detail["errors"]] == ["reported_on"]
    kept = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert kept["infrastructure"]["treatment_plant"] == "operating"
