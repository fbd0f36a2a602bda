"""Placement applications through the HTTP API: ranked by the province's criteria (polluting
facilities by their relocation priority first), approved with the land allocated in one step,
rejected or withdrawn, and the criteria themselves as data each province may approve."""

from __future__ import annotations

from typing import Any

import pytest

from services.registry.projections import on_facility_classified_polluting
from shared.events import Envelope
from shared.events.environment import FacilityClassifiedPolluting, PollutionSeverity
from tests.apis import field_of, problem
from tests.registry.factory import CHIENG_AN, HA_NOI, SON_LA, TO_HIEU, Registry, new_tax_code


async def _classify(registry: Registry, facility: dict[str, Any], priority: int) -> None:
    """The environment agency's classification, as the registry's consumer applies it."""
    event = FacilityClassifiedPolluting(
        facility_id=facility["id"],
        province_code=facility["province_code"],
        commune_code=facility["commune_code"],
        severity=PollutionSeverity.SERIOUSLY_POLLUTING,
        relocation_priority=priority,
        classified_on="2025-10-03",
        inspection_id="insp-placement",
        reasons=["COD 310 mg/L > 150"],
    )
    async with registry.db.transaction() as session:
        await on_facility_classified_polluting(session, event, Envelope.wrap(event))


async def _apply(
    registry: Registry, cluster_ids: list[str], purpose: str, **body: Any
) -> dict[str, Any]:
    request = {
        "purpose": purpose,
        "requested_area_ha": "0.5",
        "cluster_ids": cluster_ids,
        "applied_on": "2026-03-02",
        **body,
    }
    return await registry.ok("POST", "/placement-applications", request, status=201)


def _new_enterprise(name: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": name,
        "tax_code": new_tax_code(),
        "kind": "company",
        "province_code": SON_LA,
        "commune_code": CHIENG_AN,
        "address": "Bản Lay, Chiềng An",
        "sector": "chế biến nông sản",
        **overrides,
    }


async def _queue(registry: Registry, query: str = "") -> list[dict[str, Any]]:
    page = await registry.ok("GET", f"/placement-applications?{query}")
    return page["items"]  # type: ignore[no-any-return]


@pytest.fixture
async def queue(registry: Registry) -> dict[str, Any]:
    """Six applications to Sơn La's operating cluster, made in an order the criteria undo."""
    cluster = await registry.operating_cluster()
    ids = [cluster["id"]]
    made: dict[str, Any] = {"cluster": cluster}
    made["new"] = await _apply(
        registry,
        ids,
        "new_without_premises",
        new_enterprise=_new_enterprise("Công ty CP Nông sản Tây Bắc"),
        annual_output_vnd=2_000_000_000,
        applied_on="2026-01-05",
    )
    for key, output, purpose in [
        ("big", 9_000_000_000, "expansion"),
        ("small", 1_000_000_000, "expansion"),
        ("claims", 5_000_000_000, "relocation_polluting"),
        ("dyeing", 700_000_000, "relocation_polluting"),
        ("plating", 600_000_000, "relocation_polluting"),
    ]:
        facility = await registry.facility(name=f"Cơ sở {key}", annual_output_vnd=output)
        made[f"{key}_facility"] = facility
        made[key] = await _apply(registry, ids, purpose, facility_id=facility["id"])
    await _classify(registry, made["dyeing_facility"], priority=2)
    await _classify(registry, made["plating_facility"], priority=1)
    return made


async def test_the_queue_follows_the_criteria_not_the_order_of_arrival(
    registry: Registry, queue: dict[str, Any]
) -> None:
    ranked = await _queue(registry)
    names = [a["id"] for a in ranked]
    expected = ["plating", "dyeing", "big", "small", "new", "claims"]
    assert names == [queue[k]["id"] for k in expected]
    assert [a["rank"] for a in ranked] == [1, 2, 3, 4, 5, 6]
    assert [a["group"] for a in ranked] == [
        "polluting_in_residential_area",
        "polluting_in_residential_area",
        "expansion",
        "expansion",
        "new_without_premises",
        "other",
    ]
    first = ranked[0]
    assert first["why"][0] == "group 1 of 4: a polluting facility in a residential area"
    assert "relocation priority 1" in first["why"]
    claims = ranked[-1]
    assert any("not on the environment agency's relocation list" in w for w in claims["why"])
    pages, cursor = [], ""
    while True:
        page = await registry.ok("GET", f"/placement-applications?limit=4{cursor}")
        pages.append([a["rank"] for a in page["items"]])
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert pages == [[1, 2, 3, 4], [5, 6]]
    forged = await registry.get("/placement-applications?cursor=WyItMSJd")  # ["-1"]
    assert field_of(problem(forged, 422, "validation-error")) == "cursor"
    one = await registry.ok("GET", f"/placement-applications/{queue['big']['id']}")
    assert (one["rank"], one["group"]) == (3, "expansion")
    assert "annual production value 9,000,000,000 VND" in one["why"]


async def test_approval_moves_the_facility_into_the_cluster_and_the_queue_closes_up(
    registry: Registry, queue: dict[str, Any]
) -> None:
    plating = queue["plating"]
    approved = await registry.ok(
        "POST",
        f"/placement-applications/{plating['id']}/approval",
        {"cluster_id": queue["cluster"]["id"], "approved_on": "2026-04-01", "version": 1},
        headers=registry.approver,
    )
    assert approved["status"] == "approved" and approved["rank"] is None
    assert approved["cluster_id"] == queue["cluster"]["id"] and approved["tenancy_id"]
    facility = await registry.ok("GET", f"/facilities/{queue['plating_facility']['id']}")
    assert facility["location"] == "cluster" and facility["relocated_on"] == "2026-04-01"
    cluster = await registry.ok("GET", f"/clusters/{queue['cluster']['id']}")
    assert cluster["leased_area_ha"] == "0.5000" and cluster["tenant_count"] == 1
    assert (await registry.outbox_types())[-3:] == [
        "TenancyStarted",
        "FacilityRelocated",
        "PlacementApproved",
    ]
    ranked = await _queue(registry)
    assert [a["id"] for a in ranked][:1] == [queue["dyeing"]["id"]]
    assert [a["rank"] for a in ranked] == [1, 2, 3, 4, 5]


async def test_approving_a_new_enterprise_registers_it_and_its_facility_in_the_cluster(
    registry: Registry, queue: dict[str, Any]
) -> None:
    new = queue["new"]
    approved = await registry.ok(
        "POST",
        f"/placement-applications/{new['id']}/approval",
        {
            "cluster_id": queue["cluster"]["id"],
            "leased_area_ha": "0.3",
            "approved_on": "2026-04-01",
            "version": 1,
        },
        headers=registry.approver,
    )
    tenancy = await registry.ok(
        "GET", f"/clusters/{queue['cluster']['id']}/tenancies/{approved['tenancy_id']}"
    )
    assert tenancy["leased_area_ha"] == "0.3000" and tenancy["relocation"] is False
    facility = await registry.ok("GET", f"/facilities/{tenancy['facility_id']}")
    assert facility["name"] == "Công ty CP Nông sản Tây Bắc"
    assert facility["cluster_id"] == queue["cluster"]["id"]
    assert facility["annual_output_vnd"] == 2_000_000_000
    owner = await registry.ok("GET", f"/enterprises/{facility['enterprise_id']}")
    assert owner["tax_code"] == new["applicant_tax_code"]
    assert (await registry.outbox_types())[-4:] == [
        "EnterpriseRegistered",
        "FacilityRegistered",
        "TenancyStarted",
        "PlacementApproved",
    ]


async def test_an_approval_the_cluster_cannot_take_is_refused_and_changes_nothing(
    registry: Registry, queue: dict[str, Any]
) -> None:
    path = f"/placement-applications/{queue['big']['id']}/approval"
    too_much = {
        "cluster_id": queue["cluster"]["id"],
        "leased_area_ha": "11",  # the cluster has 10 ha of industrial land
        "approved_on": "2026-04-01",
        "version": 1,
    }
    problem(await registry.post(path, too_much, headers=registry.approver), 409, "over-lease")
    built = await registry.established_cluster(name="CCN Mường La")
    not_open = {**too_much, "cluster_id": built["id"], "leased_area_ha": "1"}
    refused = await registry.post(path, not_open, headers=registry.approver)
    assert problem(refused, 409, "illegal-transition")["current_status"] == "established"
    still = await registry.ok("GET", f"/placement-applications/{queue['big']['id']}")
    assert (still["status"], still["version"], still["rank"]) == ("applied", 1, 3)
    officer = await registry.post(path, {**too_much, "leased_area_ha": "1"})
    problem(officer, 403, "forbidden")  # approving is an approver's


async def test_rejected_and_withdrawn_applications_leave_the_queue_for_good(
    registry: Registry, queue: dict[str, Any]
) -> None:
    small, claims = queue["small"], queue["claims"]
    rejected = await registry.ok(
        "POST",
        f"/placement-applications/{small['id']}/rejection",
        {"rejected_on": "2026-03-20", "reason": "Ngành nghề không phù hợp", "version": 1},
    )
    assert rejected["status"] == "rejected" and rejected["reason"] == "Ngành nghề không phù hợp"
    await registry.ok(
        "POST",
        f"/placement-applications/{claims['id']}/withdrawal",
        {"withdrawn_on": "2026-03-21", "version": 1},
    )
    again = await registry.post(
        f"/placement-applications/{small['id']}/withdrawal",
        {"withdrawn_on": "2026-03-22", "version": 2},
    )
    assert problem(again, 409, "placement-decided")["current_status"] == "rejected"
    assert len(await _queue(registry)) == 4
    closed = await _queue(registry, "status=rejected")
    assert [a["id"] for a in closed] == [small["id"]]
    early = await registry.post(
        f"/placement-applications/{queue['big']['id']}/rejection",
        {"rejected_on": "2026-03-01", "reason": "x", "version": 1},
    )
    assert field_of(problem(early, 422, "validation-error")) == "rejected_on"


async def test_an_application_is_checked_against_every_record_it_names(
    registry: Registry,
) -> None:
    son_la = await registry.operating_cluster()
    ha_noi = await registry.ok(
        "POST",
        "/clusters",
        {"name": "CCN Ngọc Hồi", "province_code": HA_NOI, "planned_area_ha": "30"},
        headers=registry.auth(province=HA_NOI),
        status=201,
    )
    facility = await registry.facility()
    base = {
        "purpose": "expansion",
        "requested_area_ha": "1",
        "cluster_ids": [son_la["id"]],
        "applied_on": "2026-03-02",
    }

    async def refused(status: int, slug: str, **body: Any) -> dict[str, Any]:
        response = await registry.post("/placement-applications", {**base, **body})
        return problem(response, status, slug)

    both = await refused(
        422,
        "validation-error",
        facility_id=facility["id"],
        new_enterprise=_new_enterprise("Hai chủ"),
    )
    assert field_of(both) == "facility_id"
    elsewhere = await refused(
        422, "validation-error", facility_id=facility["id"], cluster_ids=[ha_noi["id"]]
    )
    assert field_of(elsewhere) == "cluster_ids"
    planned = await registry.planned_cluster()
    not_yet = await refused(
        422, "validation-error", facility_id=facility["id"], cluster_ids=[planned["id"]]
    )
    assert field_of(not_yet) == "cluster_ids"
    twice = await refused(
        422, "validation-error", facility_id=facility["id"], cluster_ids=[son_la["id"]] * 2
    )
    assert field_of(twice) == "cluster_ids"
    bad_tax = await refused(
        422, "validation-error", new_enterprise=_new_enterprise("X", tax_code="0100109107")
    )
    assert field_of(bad_tax) == "new_enterprise.tax_code"
    other_province = registry.auth(province=HA_NOI)
    response = await registry.post(
        "/placement-applications", {**base, "facility_id": facility["id"]}, headers=other_province
    )
    problem(response, 403, "forbidden")  # another province's facility, whatever the clusters


async def test_a_facility_already_in_a_cluster_does_not_apply(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    facility = await registry.facility()
    await registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": facility["id"], "leased_area_ha": "1", "start_date": "2020-01-01"},
        status=201,
    )
    response = await registry.post(
        "/placement-applications",
        {
            "facility_id": facility["id"],
            "purpose": "expansion",
            "requested_area_ha": "1",
            "cluster_ids": [cluster["id"]],
            "applied_on": "2026-03-02",
        },
    )
    assert problem(response, 409, "conflict")["cluster_id"] == cluster["id"]


async def test_a_province_approves_its_own_criteria_and_its_queue_follows_them(
    registry: Registry, queue: dict[str, Any]
) -> None:
    ha_noi = registry.auth(province=HA_NOI)
    default = await registry.ok("GET", f"/placement-criteria/{HA_NOI}", headers=ha_noi)
    assert default["province_code"] == "00" and default["groups"][0] == (
        "polluting_in_residential_area"
    )
    own = await registry.ok("GET", f"/placement-criteria/{SON_LA}")
    body = {
        "groups": ["expansion", "polluting_in_residential_area", "new_without_premises", "other"],
        "tie_breakers": ["annual_output_vnd", "applied_on"],
        "basis": "Quyết định 999/QĐ-UBND (ví dụ)",
        "version": own["version"],
    }
    path = f"/placement-criteria/{SON_LA}/approval"
    khdt = registry.auth(agency="so-khdt", roles=("officer", "approver"))
    problem(await registry.post(path, body, headers=registry.approver), 403, "forbidden")
    approved = await registry.ok("POST", path, body, headers=khdt)
    assert approved["groups"][0] == "expansion" and approved["version"] == own["version"] + 1
    ranked = await _queue(registry)
    assert [a["id"] for a in ranked][:3] == [queue[k]["id"] for k in ("big", "small", "dyeing")]
    assert (await registry.outbox_types())[-1] == "PlacementCriteriaApproved"
    stale = await registry.post(path, body, headers=khdt)
    problem(stale, 409, "stale-version")
    repeated = {**body, "groups": ["expansion"] * 4, "version": approved["version"]}
    assert (
        field_of(
            problem(await registry.post(path, repeated, headers=khdt), 422, "validation-error")
        )
        == "groups"
    )
    ha_noi_khdt = registry.auth(agency="so-khdt", roles=("approver",), province=HA_NOI)
    problem(await registry.post(path, body, headers=ha_noi_khdt), 403, "forbidden")


async def test_a_ubnd_of_one_commune_sees_only_its_communes_applications_with_their_ranks(
    registry: Registry, queue: dict[str, Any]
) -> None:
    ubnd = registry.auth(agency="ubnd", communes=(CHIENG_AN,), roles=("viewer",))
    seen = await registry.ok("GET", "/placement-applications", headers=ubnd)
    assert [(a["id"], a["rank"]) for a in seen["items"]] == [(queue["new"]["id"], 5)]
    assert TO_HIEU != CHIENG_AN
