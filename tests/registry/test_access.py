"""Who may act on what: facilities across provinces, UBND communes, replays, national tokens."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from typer.testing import CliRunner

from shared.auth import mint_token
from shared.cli import app as ccn
from shared.errors import Unauthorized
from tests.apis import SECRET, problem
from tests.registry.factory import HA_NOI, SON_LA, TO_HIEU, Registry, new_tax_code

ESTABLISHMENT = {
    "decision_number": "1234/QĐ-UBND",
    "decision_date": "2009-05-12",
    "investor_name": "Ban quản lý dự án thành phố Sơn La",
    "area_ha": "12.5",
    "industrial_land_area_ha": "10",
}


async def _ha_noi_facility(registry: Registry) -> dict[str, Any]:
    """A facility in a residential area of Hà Nội, registered by a Hà Nội officer."""
    ha_noi = registry.auth(province=HA_NOI)
    enterprise = await registry.ok(
        "POST",
        "/enterprises",
        {
            "name": "Công ty Dệt Đông Anh",
            "tax_code": new_tax_code(),
            "kind": "company",
            "province_code": HA_NOI,
        },
        headers=ha_noi,
        status=201,
    )
    return await registry.ok(
        "POST",
        "/facilities",
        {
            "enterprise_id": enterprise["id"],
            "name": "Xưởng dệt Đông Anh",
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


async def test_a_lease_of_another_provinces_facility_is_refused(registry: Registry) -> None:
    cluster = await registry.operating_cluster()
    facility = await _ha_noi_facility(registry)
    response = await registry.post(
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": facility["id"], "leased_area_ha": "1", "start_date": "2012-01-01"},
    )
    problem(response, 403, "forbidden")
    unchanged = await registry.ok(
        "GET", f"/facilities/{facility['id']}", headers=registry.auth(province=HA_NOI)
    )
    assert unchanged["cluster_id"] is None and unchanged["location"] == "residential_area"
    after = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert after["leased_area_ha"] == cluster["leased_area_ha"] == "0.0000"
    assert "TenancyStarted" not in await registry.outbox_types()


async def test_a_ubnd_officer_without_communes_may_not_record_construction(
    registry: Registry,
) -> None:
    cluster = await registry.established_cluster()
    province_wide_ubnd = registry.auth(agency="ubnd", communes=())
    response = await registry.post(
        f"/clusters/{cluster['id']}/construction",
        {"investment_vnd": 700_000_000, "report_date": "2010-06-30", "version": 2},
        headers=province_wide_ubnd,
    )
    problem(response, 403, "forbidden")
    after = await registry.ok("GET", f"/clusters/{cluster['id']}")
    assert after["status"] == "established" and after["infrastructure_investment_vnd"] == 0


async def test_an_idempotent_replay_checks_the_callers_rights_again(registry: Registry) -> None:
    body = {"name": "Cụm công nghiệp Mường La", "province_code": SON_LA, "planned_area_ha": "20"}
    key = {"Idempotency-Key": "k1"}
    first = await registry.post("/clusters", body, headers={**registry.officer, **key})
    assert first.status_code == 201, first.text
    as_viewer = {**registry.auth(roles=("viewer",)), **key}
    problem(await registry.post("/clusters", body, headers=as_viewer), 403, "forbidden")
    as_ha_noi = {**registry.auth(province=HA_NOI), **key}
    problem(await registry.post("/clusters", body, headers=as_ha_noi), 403, "forbidden")
    replay = await registry.post("/clusters", body, headers={**registry.officer, **key})
    assert replay.status_code == 201, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert await registry.outbox_types() == ["ClusterPlanned"]


@pytest.mark.parametrize(
    "who",
    [
        {"roles": ("viewer",)},
        {"province": HA_NOI, "roles": ("officer", "approver")},
        {"agency": "ubnd", "communes": (TO_HIEU,)},
    ],
    ids=["viewer-of-14", "ha-noi-approver", "ubnd-of-to-hieu"],
)
async def test_a_caller_without_rights_is_403_before_any_version_check(
    registry: Registry, who: dict[str, Any]
) -> None:
    cluster = await registry.planned_cluster()
    response = await registry.post(
        f"/clusters/{cluster['id']}/establishment", ESTABLISHMENT, headers=registry.auth(**who)
    )
    problem(response, 403, "forbidden")
    assert (await registry.ok("GET", f"/clusters/{cluster['id']}"))["status"] == "planned"


def _national_token(agency: str, roles: list[str]) -> str:
    return jwt.encode(
        {
            "sub": "officer-9",
            "exp": int(time.time()) + 600,
            "agency": agency,
            "roles": roles,
            "jurisdiction": {"national": True},
        },
        SECRET,
        algorithm="HS256",
    )


async def test_a_national_token_of_a_provincial_agency_is_refused_with_401(
    registry: Registry,
) -> None:
    bearer = {
        "Authorization": f"Bearer {_national_token('so-cong-thuong', ['officer', 'approver'])}"
    }
    body = {"name": "CCN Đông Anh", "province_code": HA_NOI, "planned_area_ha": "10"}
    planned = await registry.post("/clusters", body, headers=bearer)
    assert "national" in problem(planned, 401, "unauthorized")["detail"]
    listed = await registry.get("/clusters", headers=bearer)
    assert "national" in problem(listed, 401, "unauthorized")["detail"]
    assert "ClusterPlanned" not in await registry.outbox_types()


async def test_the_ministry_still_reads_nationally(registry: Registry) -> None:
    cluster = await registry.planned_cluster()
    ministry = {"Authorization": f"Bearer {_national_token('bo-cong-thuong', ['viewer'])}"}
    listed = await registry.ok("GET", "/clusters", headers=ministry)
    assert [c["id"] for c in listed["items"]] == [cluster["id"]]


def test_no_national_token_is_minted_for_a_provincial_agency() -> None:
    with pytest.raises(Unauthorized, match="national"):
        mint_token(
            SECRET, subject="officer-1", agency="so-cong-thuong", roles=["officer"], province=None
        )
    mint_token(SECRET, subject="minister", agency="bo-cong-thuong", roles=["viewer"])


def test_ccn_token_refuses_a_national_token_for_a_provincial_agency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CCN_JWT_SECRET", SECRET)
    result = CliRunner().invoke(ccn, ["token", "--agency", "so-cong-thuong", "--roles", "officer"])
    assert result.exit_code == 2, result.output
    assert "national" in result.output
