"""Clusters through the HTTP API: planning, lifecycle, rules, roles, jurisdiction, versions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.registry import tables
from shared.db import Database
from tests.apis import problem
from tests.registry.factory import CHIENG_AN, HA_NOI, SON_LA, TO_HIEU, Registry


async def test_planning_a_cluster_stores_it_nfc_and_records_the_event(registry: Registry) -> None:
    decomposed = "Cu\u0323m co\u0302ng nghie\u0323\u0302p Duye\u0302n Ha\u0309i"  # NFD input
    cluster = await registry.planned_cluster(name=decomposed, planned_area_ha="10.0001")
    assert cluster["name"] == "Cụm công nghiệp Duyên Hải"
    assert cluster["status"] == "planned" and cluster["version"] == 1
    assert cluster["planned_area_ha"] == "10.0001"
    fetched = await registry.get(f"/clusters/{cluster['id']}")
    assert fetched.json() == cluster and fetched.headers["etag"] == '"1"'
    assert await registry.outbox_types() == ["ClusterPlanned"]


async def test_the_whole_lifecycle_to_operation_and_expansion(registry: Registry) -> None:
    cluster = await registry.established_cluster()
    assert cluster["status"] == "established" and cluster["industrial_land_area_ha"] == "10.0000"
    cid = cluster["id"]
    built = await registry.ok(
        "POST",
        f"/clusters/{cid}/construction",
        {"investment_vnd": 3_200_000_000, "report_date": "2010-06-30", "version": 2},
    )
    built = await registry.ok(
        "POST",
        f"/clusters/{cid}/construction",
        {"investment_vnd": 2_500_000_000, "report_date": "2010-12-31", "version": built["version"]},
    )
    assert built["status"] == "under_construction"
    assert built["infrastructure_investment_vnd"] == 5_700_000_000
    operating = await registry.ok(
        "POST",
        f"/clusters/{cid}/operation",
        {"start_date": "2011-01-01", "version": built["version"]},
    )
    expansion = {
        "decision_number": "88/QĐ-UBND",
        "decision_date": "2015-03-01",
        "added_area_ha": "5",
        "added_industrial_land_area_ha": "4.25",
    }
    path = f"/clusters/{cid}/expansion"
    too_empty = await registry.post(
        path, {**expansion, "version": operating["version"]}, headers=registry.approver
    )
    assert "60%" in problem(too_empty, 409, "conflict")["detail"]  # Decree 32: 60 % leased first
    tenant = await registry.facility()
    await registry.ok(
        "POST",
        f"/clusters/{cid}/tenancies",
        {"facility_id": tenant["id"], "leased_area_ha": "6", "start_date": "2012-01-01"},
        status=201,
    )
    version = (await registry.ok("GET", f"/clusters/{cid}"))["version"]
    past_75 = await registry.post(
        path, {**expansion, "added_area_ha": "63", "version": version}, headers=registry.approver
    )
    assert problem(past_75, 422, "validation-error")["errors"][0]["field"] == "added_area_ha"
    expanded = await registry.ok(
        "POST", path, {**expansion, "version": version}, headers=registry.approver
    )
    assert (expanded["area_ha"], expanded["industrial_land_area_ha"]) == ("17.5000", "14.2500")
    assert expanded["status"] == "operating" and expanded["occupancy_rate"] == "0.4211"
    assert await registry.outbox_types() == [
        "ClusterPlanned",
        "ClusterEstablished",
        "ClusterConstructionProgressed",
        "ClusterConstructionProgressed",
        "ClusterOperationStarted",
        "EnterpriseRegistered",
        "FacilityRegistered",
        "TenancyStarted",
        "ClusterExpanded",
    ]


async def test_an_operating_cluster_records_the_construction_of_its_second_phase(
    registry: Registry,
) -> None:
    cluster = await registry.operating_cluster()
    built = await registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/construction",
        {
            "investment_vnd": 4_000_000_000,
            "report_date": "2021-09-01",
            "note": "Giai đoạn 2",
            "version": cluster["version"],
        },
    )
    assert (built["status"], built["infrastructure_investment_vnd"]) == ("operating", 4_000_000_000)
    assert (await registry.outbox_types())[-1] == "ClusterConstructionProgressed"


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("operation", {"start_date": "2011-01-01"}),
        ("construction", {"investment_vnd": 1, "report_date": "2010-01-01"}),
        (
            "expansion",
            {
                "decision_number": "1",
                "decision_date": "2015-01-01",
                "added_area_ha": "1",
                "added_industrial_land_area_ha": "1",
            },
        ),
    ],
)
async def test_commands_out_of_lifecycle_order_are_409(
    registry: Registry, command: str, body: dict
) -> None:
    cluster = await registry.planned_cluster()
    response = await registry.post(
        f"/clusters/{cluster['id']}/{command}", {**body, "version": 1}, headers=registry.approver
    )
    detail = problem(response, 409, "illegal-transition")
    assert detail["current_status"] == "planned"
    assert await registry.outbox_types() == ["ClusterPlanned"]  # nothing half-written


async def test_an_operating_cluster_cannot_be_removed_from_the_plan(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    response = await registry.post(
        f"/clusters/{cluster['id']}/removal",
        {"reason": "đổi quy hoạch", "version": cluster["version"]},
        headers=registry.approver,
    )
    assert "operating" in problem(response, 409, "illegal-transition")["detail"]
    planned = await registry.planned_cluster(name="Cụm công nghiệp Chiềng Sinh")
    removed = await registry.ok(
        "POST",
        f"/clusters/{planned['id']}/removal",
        {"reason": "không đủ quỹ đất", "version": 1},
        headers=registry.approver,
    )
    assert removed["status"] == "removed" and removed["removal_reason"] == "không đủ quỹ đất"


async def test_approvals_need_the_approver_role(registry: Registry) -> None:
    cluster = await registry.planned_cluster()
    response = await registry.post(
        f"/clusters/{cluster['id']}/establishment",
        {
            "decision_number": "1",
            "decision_date": "2009-05-12",
            "investor_name": "X",
            "area_ha": "12",
            "industrial_land_area_ha": "10",
            "version": 1,
        },
    )
    assert "approver" in problem(response, 403, "forbidden")["detail"]


async def test_other_agencies_and_provinces_cannot_write(registry: Registry) -> None:
    body = {"name": "Cụm X", "province_code": SON_LA, "planned_area_ha": "10"}
    tnmt = registry.auth(agency="so-tnmt", roles=("officer",))
    problem(await registry.post("/clusters", body, headers=tnmt), 403, "forbidden")
    ha_noi = registry.auth(province=HA_NOI)
    problem(await registry.post("/clusters", body, headers=ha_noi), 403, "forbidden")
    viewer = registry.auth(roles=("viewer",))
    problem(await registry.post("/clusters", body, headers=viewer), 403, "forbidden")


async def test_ubnd_records_construction_only_in_its_communes(registry: Registry) -> None:
    cluster = await registry.established_cluster()
    body = {"investment_vnd": 700_000_000, "report_date": "2010-06-30", "version": 2}
    elsewhere = registry.auth(agency="ubnd", communes=(CHIENG_AN,))
    problem(
        await registry.post(f"/clusters/{cluster['id']}/construction", body, headers=elsewhere),
        403,
        "forbidden",
    )
    own = registry.auth(agency="ubnd", communes=(TO_HIEU,))
    built = await registry.ok("POST", f"/clusters/{cluster['id']}/construction", body, headers=own)
    assert built["infrastructure_investment_vnd"] == 700_000_000
    # ...but UBND may not take other steps of the lifecycle.
    problem(
        await registry.post(
            f"/clusters/{cluster['id']}/operation",
            {"start_date": "2011-01-01", "version": 3},
            headers=own,
        ),
        403,
        "forbidden",
    )


async def test_reads_stay_inside_the_jurisdiction_but_the_ministry_reads_all(
    registry: Registry,
) -> None:
    cluster = await registry.planned_cluster()
    problem(
        await registry.get(
            f"/clusters/{cluster['id']}", headers=registry.auth(province=HA_NOI, roles=("viewer",))
        ),
        403,
        "forbidden",
    )
    problem(
        await registry.get(
            "/clusters?province_code=14", headers=registry.auth(province=HA_NOI, roles=("viewer",))
        ),
        403,
        "forbidden",
    )
    ministry = registry.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    assert (await registry.get(f"/clusters/{cluster['id']}", headers=ministry)).status_code == 200
    listed = await registry.ok("GET", "/clusters", headers=ministry)
    assert [c["id"] for c in listed["items"]] == [cluster["id"]]


async def test_a_stale_version_is_409_and_a_missing_one_428(registry: Registry) -> None:
    cluster = await registry.planned_cluster()
    path = f"/clusters/{cluster['id']}/establishment"
    body = {
        "decision_number": "1",
        "decision_date": "2009-05-12",
        "investor_name": "X",
        "area_ha": "12",
        "industrial_land_area_ha": "10",
    }
    problem(
        await registry.post(path, body, headers=registry.approver), 428, "precondition-required"
    )
    stale = await registry.post(path, {**body, "version": 7}, headers=registry.approver)
    assert problem(stale, 409, "stale-version")["current_version"] == 1
    via_header = await registry.post(path, body, headers={**registry.approver, "If-Match": '"1"'})
    assert via_header.status_code == 200 and via_header.headers["etag"] == '"2"'
    again = await registry.post(path, body, headers={**registry.approver, "If-Match": '"1"'})
    problem(again, 409, "stale-version")


async def test_invalid_input_names_the_field(registry: Registry) -> None:
    cases = [
        ({"province_code": "99"}, "province_code"),
        ({"commune_code": "00004"}, "commune_code"),  # a Hà Nội ward, not in Sơn La
        ({"planned_area_ha": "-1"}, "planned_area_ha"),
        ({"planned_area_ha": "1.00001"}, "planned_area_ha"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        body = {"name": "Cụm X", "province_code": SON_LA, "planned_area_ha": "10", **change}
        response = await registry.post("/clusters", body)
        detail = problem(response, 422, "validation-error")
        assert any(field in e["field"] or field in e["message"] for e in detail["errors"]), detail
    cluster = await registry.planned_cluster()
    bigger_land = await registry.post(
        f"/clusters/{cluster['id']}/establishment",
        {
            "decision_number": "1",
            "decision_date": "2009-05-12",
            "investor_name": "X",
            "area_ha": "10",
            "industrial_land_area_ha": "12",
            "version": 1,
        },
        headers=registry.approver,
    )
    assert (
        problem(bigger_land, 422, "validation-error")["errors"][0]["field"]
        == "industrial_land_area_ha"
    )
    too_big = await registry.post(
        f"/clusters/{cluster['id']}/establishment",
        {
            "decision_number": "1",
            "decision_date": "2009-05-12",
            "investor_name": "X",
            "area_ha": "80",
            "industrial_land_area_ha": "60",
            "version": 1,
        },
        headers=registry.approver,
    )
    assert problem(too_big, 422, "validation-error")["errors"][0]["field"] == "area_ha"
    problem(await registry.get("/clusters/nope"), 404, "not-found")


async def test_a_repeated_idempotency_key_replays_the_first_response(registry: Registry) -> None:
    body = {"name": "Cụm công nghiệp Mường La", "province_code": SON_LA, "planned_area_ha": "20"}
    headers = {**registry.officer, "Idempotency-Key": "plan-muong-la-1"}
    first = await registry.post("/clusters", body, headers=headers)
    second = await registry.post("/clusters", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await registry.outbox_types() == ["ClusterPlanned"]
    listed = await registry.ok("GET", "/clusters?q=muong la")
    assert len(listed["items"]) == 1
    other = await registry.post("/clusters", {**body, "planned_area_ha": "21"}, headers=headers)
    assert "different request" in problem(other, 409, "conflict")["detail"]


async def test_search_ignores_accents_and_lists_paginate(registry: Registry) -> None:
    names = [
        "Cụm công nghiệp Phố Mới",
        "Cụm công nghiệp Duyên Hải",
        "CCN Đông Anh",
        "CCN Sơn La 2",
        "CCN Mai Sơn",
        "CCN Chiềng Sinh",
        "CCN Yên Châu",
    ]
    for name in names:
        await registry.planned_cluster(name=name)
    found = await registry.ok("GET", "/clusters?q=pho moi")
    assert [c["name"] for c in found["items"]] == ["Cụm công nghiệp Phố Mới"]
    assert [c["name"] for c in (await registry.ok("GET", "/clusters?q=DONG ANH"))["items"]] == [
        "CCN Đông Anh"
    ]
    assert len((await registry.ok("GET", "/clusters?q=son"))["items"]) == 2  # Sơn La 2, Mai Sơn
    seen, cursor = [], None
    while True:
        page = await registry.ok(
            "GET", "/clusters?limit=3" + (f"&cursor={cursor}" if cursor else "")
        )
        assert len(page["items"]) <= 3
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(names) and len(seen) == len(set(seen))
    problem(await registry.get("/clusters?cursor=garbage"), 422, "validation-error")
    problem(await registry.get("/clusters?status=flying"), 422, "validation-error")


async def test_a_status_filter_and_commune_officers_see_their_communes(registry: Registry) -> None:
    await registry.planned_cluster(name="CCN A", commune_code=TO_HIEU)
    other = await registry.planned_cluster(name="CCN B", commune_code=CHIENG_AN)
    assert (await registry.ok("GET", "/clusters?status=operating"))["items"] == []
    ubnd = registry.auth(agency="ubnd", communes=(CHIENG_AN,), roles=("viewer",))
    listed = await registry.ok("GET", "/clusters", headers=ubnd)
    assert [c["id"] for c in listed["items"]] == [other["id"]]


async def test_sqlite_runs_the_same_lifecycle(registry_sqlite: Registry) -> None:
    cluster = await registry_sqlite.operating_cluster(name="CCN Thuận Châu")
    assert cluster["status"] == "operating"
    events = await registry_sqlite.outbox_types()
    assert events == ["ClusterPlanned", "ClusterEstablished", "ClusterOperationStarted"]
    db: Database = registry_sqlite.app.state.db
    async with db.sessions() as session:
        payload = (await session.execute(select(tables.platform.outbox.c.payload))).first()
    assert json.loads(payload.payload)["name"] == "CCN Thuận Châu"


async def test_a_new_record_answers_with_its_location(registry: Registry) -> None:
    body = {"name": "CCN Mường Bú", "province_code": SON_LA, "planned_area_ha": "30"}
    created = await registry.post("/clusters", body)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location == f"/api/v1/clusters/{created.json()['id']}"
    fetched = await registry.client.get(location, headers=registry.officer)
    assert fetched.json() == created.json() and fetched.headers["etag"] == '"1"'
