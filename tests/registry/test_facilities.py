"""Enterprises, facilities, tenancies and relocations through the HTTP API."""

from __future__ import annotations

import asyncio

from services.registry.domain import tax_code_error
from tests.apis import problem
from tests.registry.factory import CHIENG_AN, HA_NOI, SON_LA, TO_HIEU, Registry, new_tax_code


def test_tax_codes_follow_the_check_digit() -> None:
    assert tax_code_error("0300588569") is None  # a real company's code
    assert tax_code_error("0101248141") is None
    assert tax_code_error("0101248141-001") is None  # one of its branches
    assert "check digit" in (tax_code_error("0101248142") or "")
    assert tax_code_error("010124814") is not None
    assert tax_code_error("0101248141-1") is not None
    assert tax_code_error("0101248141-000") is not None


async def test_enterprises_are_registered_once_per_tax_code(registry: Registry) -> None:
    code = new_tax_code()
    enterprise = await registry.enterprise(
        name="Hợp tác xã Chè Tà Xùa", kind="cooperative", tax_code=code
    )
    assert enterprise["kind"] == "cooperative" and enterprise["tax_code"] == code
    again = await registry.post(
        "/enterprises",
        {"name": "Khác", "tax_code": code, "kind": "company", "province_code": SON_LA},
    )
    assert problem(again, 409, "conflict")["enterprise_id"] == enterprise["id"]
    for bad in ("0101248142", "12345", "0101248141-0001"):
        response = await registry.post(
            "/enterprises",
            {"name": "X", "tax_code": bad, "kind": "company", "province_code": SON_LA},
        )
        assert problem(response, 422, "validation-error")["errors"][0]["field"] == "tax_code"
    wrong_kind = await registry.post(
        "/enterprises",
        {"name": "X", "tax_code": new_tax_code(), "kind": "corporation", "province_code": SON_LA},
    )
    assert problem(wrong_kind, 422, "validation-error")["errors"][0]["field"] == "kind"
    found = await registry.ok("GET", "/enterprises?q=che ta xua")
    assert [e["id"] for e in found["items"]] == [enterprise["id"]]
    assert (await registry.ok("GET", f"/enterprises?tax_code={code}"))["items"][0][
        "id"
    ] == enterprise["id"]


async def test_a_tax_code_registered_twice_at_once_makes_one_enterprise(
    registry: Registry,
) -> None:
    codes = [new_tax_code() for _ in range(3)]
    bodies = [
        {"name": f"Công ty {i}", "tax_code": code, "kind": "company", "province_code": SON_LA}
        for code in codes
        for i in range(2)
    ]
    answers = await asyncio.gather(*(registry.post("/enterprises", body) for body in bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 3 + [409] * 3, [a.text for a in answers if a.status_code != 201]
    for code in codes:
        found = await registry.ok("GET", f"/enterprises?tax_code={code}")
        assert len(found["items"]) == 1
    registered = [t for t in await registry.outbox_types() if t == "EnterpriseRegistered"]
    assert len(registered) == 3


async def test_a_facility_starts_in_a_residential_area(registry: Registry) -> None:
    facility = await registry.facility(name="Cơ sở mạ kẽm Chiềng An", commune_code=CHIENG_AN)
    assert facility["location"] == "residential_area" and facility["cluster_id"] is None
    fetched = await registry.ok("GET", f"/facilities/{facility['id']}")
    assert fetched == facility
    assert (await registry.ok("GET", "/facilities?q=ma kem"))["items"][0]["id"] == facility["id"]
    assert await registry.outbox_types() == ["EnterpriseRegistered", "FacilityRegistered"]


async def test_a_facility_needs_a_known_enterprise_and_a_commune_of_its_province(
    registry: Registry,
) -> None:
    body = {
        "enterprise_id": "missing",
        "name": "X",
        "province_code": SON_LA,
        "commune_code": TO_HIEU,
        "address": "a",
        "sector": "s",
        "workers": 1,
        "annual_output_vnd": 1,
    }
    problem(await registry.post("/facilities", body), 404, "not-found")
    enterprise = await registry.enterprise()
    wrong_commune = await registry.post(
        "/facilities", {**body, "enterprise_id": enterprise["id"], "commune_code": "00004"}
    )
    problem(wrong_commune, 422, "validation-error")
    negative = await registry.post(
        "/facilities", {**body, "enterprise_id": enterprise["id"], "workers": -3}
    )
    assert problem(negative, 422, "validation-error")["errors"][0]["field"] == "workers"


async def test_tenancies_fill_the_cluster_and_ending_one_frees_the_land(registry: Registry) -> None:
    cluster = await registry.operating_cluster()  # 10 ha of industrial land
    first = await registry.facility(workers=40)
    second = await registry.facility(workers=15)
    lease = await registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": first["id"], "leased_area_ha": "6.5", "start_date": "2012-01-01"},
        status=201,
    )
    assert (lease["cluster_leased_area_ha"], lease["cluster_occupancy_rate"]) == (
        "6.5000",
        "0.6500",
    )
    await registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": second["id"], "leased_area_ha": "3.5", "start_date": "2012-02-01"},
        status=201,
    )
    full = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert (full["leased_area_ha"], full["occupancy_rate"]) == ("10.0000", "1.0000")
    assert (full["tenant_count"], full["workers"]) == (2, 55)
    moved = await registry.ok("GET", f"/facilities/{first['id']}")
    assert moved["location"] == "cluster" and moved["cluster_id"] == cluster["id"]

    ended = await registry.ok(
        "POST", f"/clusters/{cluster['id']}/tenancies/{lease['id']}/end", {"end_date": "2020-12-31"}
    )
    assert ended["end_date"] == "2020-12-31" and ended["cluster_occupancy_rate"] == "0.3500"
    after = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert (after["leased_area_ha"], after["tenant_count"], after["workers"]) == ("3.5000", 1, 15)
    twice = await registry.post(
        f"/clusters/{cluster['id']}/tenancies/{lease['id']}/end", {"end_date": "2021-01-01"}
    )
    problem(twice, 409, "conflict")
    active = await registry.ok("GET", f"/clusters/{cluster['id']}/tenancies")
    assert [t["facility_id"] for t in active] == [second["id"]]
    assert (await registry.outbox_types()).count("TenancyStarted") == 2
    assert (await registry.outbox_types())[-1] == "TenancyEnded"


async def test_a_lease_sent_with_a_stale_version_of_the_cluster_is_refused(
    registry: Registry,
) -> None:
    """An official decides on the free land they read: if another lease came first, theirs is
    refused (409) rather than taken on a cluster they have not seen; without a version, a
    lease is taken as before (occupancy never passes 100 % either way)."""
    cluster = await registry.operating_cluster()
    read = cluster["version"]
    first, second, third = [await registry.facility() for _ in range(3)]
    path = f"/clusters/{cluster['id']}/tenancies"

    def lease(facility: dict[str, object], **version: object) -> dict[str, object]:
        return {
            "facility_id": facility["id"],
            "leased_area_ha": "1.5",
            "start_date": "2012-01-01",
            **version,
        }

    await registry.ok("POST", path, lease(first, version=read), status=201)
    stale = await registry.post(path, lease(second, version=read))
    assert problem(stale, 409, "stale-version")["current_version"] == read + 1
    by_header = await registry.post(
        path, lease(second), headers={**registry.officer, "If-Match": f'"{read}"'}
    )
    problem(by_header, 409, "stale-version")
    await registry.ok("POST", path, lease(second, version=read + 1), status=201)
    await registry.ok("POST", path, lease(third), status=201)
    assert (await registry.ok("GET", f"/clusters/{cluster['id']}"))["tenant_count"] == 3


async def test_a_lease_past_full_occupancy_is_refused(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    big, small = await registry.facility(), await registry.facility()
    await registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": big["id"], "leased_area_ha": "9.9999", "start_date": "2012-01-01"},
        status=201,
    )
    over = await registry.post(
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": small["id"], "leased_area_ha": "0.0002", "start_date": "2012-01-01"},
    )
    detail = problem(over, 409, "over-lease")
    assert detail["free_area_ha"] == "0.0001" and "100 %" in detail["detail"]
    unchanged = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert unchanged["leased_area_ha"] == "9.9999"
    assert (await registry.ok("GET", f"/facilities/{small['id']}"))["cluster_id"] is None


async def test_concurrent_leases_never_overfill_a_cluster(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    facilities = [await registry.facility() for _ in range(6)]
    responses = await asyncio.gather(
        *(
            registry.post(
                f"/clusters/{cluster['id']}/tenancies",
                {"facility_id": f["id"], "leased_area_ha": "3", "start_date": "2012-01-01"},
            )
            for f in facilities
        )
    )
    assert sorted(r.status_code for r in responses).count(201) == 3
    # A lease that met another ran again after it: refused for want of land, never for a
    # version changed meanwhile.
    for refused in (r for r in responses if r.status_code != 201):
        problem(refused, 409, "over-lease")
    after = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert after["leased_area_ha"] == "9.0000" and after["tenant_count"] == 3


async def test_land_is_leased_only_in_an_operating_cluster(registry: Registry) -> None:
    cluster = await registry.established_cluster()
    facility = await registry.facility()
    response = await registry.post(
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": facility["id"], "leased_area_ha": "1", "start_date": "2012-01-01"},
    )
    problem(response, 409, "illegal-transition")


async def test_relocation_moves_a_facility_into_a_cluster_in_one_step(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    facility = await registry.facility(name="Lò mổ Chiềng Cơi")
    moved = await registry.ok(
        "POST",
        f"/facilities/{facility['id']}/relocation",
        {"cluster_id": cluster["id"], "leased_area_ha": "0.75", "date": "2013-04-01"},
        status=201,
    )
    assert moved["facility"]["location"] == "cluster"
    assert moved["facility"]["relocated_on"] == "2013-04-01"
    assert moved["tenancy"]["relocation"] is True
    assert moved["tenancy"]["cluster_leased_area_ha"] == "0.7500"
    assert (await registry.outbox_types())[-2:] == ["TenancyStarted", "FacilityRelocated"]
    again = await registry.post(
        f"/facilities/{facility['id']}/relocation",
        {"cluster_id": cluster["id"], "leased_area_ha": "0.75", "date": "2013-04-01"},
    )
    assert "already in cluster" in problem(again, 409, "conflict")["detail"]


async def test_a_relocation_sent_with_a_stale_version_of_the_facility_is_refused(
    registry: Registry,
) -> None:
    """As a lease with the cluster's: a version sent must be the facility's current one."""
    cluster = await registry.operating_cluster()
    facility = await registry.facility(name="Lò vôi Chiềng Sinh")
    path = f"/facilities/{facility['id']}/relocation"
    move = {"cluster_id": cluster["id"], "leased_area_ha": "0.5", "date": "2013-04-01"}
    stale = await registry.post(path, {**move, "version": facility["version"] + 1})
    assert problem(stale, 409, "stale-version")["current_version"] == facility["version"]
    moved = await registry.ok("POST", path, {**move, "version": facility["version"]}, status=201)
    assert moved["facility"]["version"] > facility["version"]


async def test_a_tenancy_ended_on_a_stale_version_of_the_cluster_is_refused(
    registry: Registry,
) -> None:
    cluster = await registry.operating_cluster()
    facility = await registry.facility()
    lease = {"facility_id": facility["id"], "leased_area_ha": "1.5", "start_date": "2012-01-01"}
    tenancy = await registry.ok("POST", f"/clusters/{cluster['id']}/tenancies", lease, status=201)
    read = (await registry.ok("GET", f"/clusters/{cluster['id']}"))["version"]
    path = f"/clusters/{cluster['id']}/tenancies/{tenancy['id']}/end"
    stale = await registry.post(path, {"end_date": "2020-12-31", "version": read - 1})
    assert problem(stale, 409, "stale-version")["current_version"] == read
    ended = await registry.ok("POST", path, {"end_date": "2020-12-31", "version": read})
    assert ended["end_date"] == "2020-12-31"


async def test_relocation_stays_inside_the_province(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    ha_noi = registry.auth(province=HA_NOI)
    enterprise = await registry.ok(
        "POST",
        "/enterprises",
        {
            "name": "Công ty Đông Anh",
            "tax_code": new_tax_code(),
            "kind": "company",
            "province_code": HA_NOI,
        },
        headers=ha_noi,
        status=201,
    )
    facility = await registry.ok(
        "POST",
        "/facilities",
        {
            "enterprise_id": enterprise["id"],
            "name": "Xưởng Đông Anh",
            "province_code": HA_NOI,
            "commune_code": "00004",
            "address": "Hà Nội",
            "sector": "dệt",
            "workers": 10,
            "annual_output_vnd": 1,
        },
        headers=ha_noi,
        status=201,
    )
    response = await registry.post(
        f"/facilities/{facility['id']}/relocation",
        {"cluster_id": cluster["id"], "leased_area_ha": "1", "date": "2013-04-01"},
        headers=ha_noi,
    )
    detail = problem(response, 422, "validation-error")
    assert detail["errors"][0]["field"] == "cluster_id" and "province 14" in detail["detail"]


async def test_a_tenancy_is_found_where_its_location_says(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    facility = await registry.facility()
    leased = await registry.post(
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": facility["id"], "leased_area_ha": "2", "start_date": "2012-01-01"},
    )
    assert leased.status_code == 201
    fetched = await registry.client.get(leased.headers["location"], headers=registry.officer)
    assert fetched.status_code == 200 and fetched.json() == leased.json()
    elsewhere = await registry.operating_cluster(name="CCN Mai Sơn")
    problem(
        await registry.get(f"/clusters/{elsewhere['id']}/tenancies/{leased.json()['id']}"),
        404,
        "not-found",
    )
