"""Tenants' half-year and annual reports through the HTTP API: filed by Sở Công Thương or by a
tenant for itself, corrected with every revision kept, late and missing reports, the output
statistics they are a share of, and an enterprise's token kept to its own records."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from prometheus_client import REGISTRY

from shared.domain import today
from tests.apis import SECRET, field_of, problem
from tests.registry.factory import HA_NOI, SON_LA, Registry

RECORDED_AGAIN = {"service": "registry", "command": "record_statistics", "reason": "conflict"}


def _row(facility: dict[str, Any], value: int, **overrides: Any) -> dict[str, Any]:
    return {
        "facility_id": facility["id"],
        "production_value_vnd": value,
        "workers": 20,
        "budget_paid_vnd": value // 10,
        "wastewater_to_plant": True,
        **overrides,
    }


@pytest.fixture
async def park(registry: Registry) -> dict[str, Any]:
    """An operating cluster with three tenants since 2020, each of its own enterprise."""
    cluster = await registry.operating_cluster()
    made: dict[str, Any] = {"cluster": cluster}
    for key in ("a", "b", "c"):
        enterprise = await registry.enterprise(name=f"Công ty {key.upper()}")
        facility = await registry.facility(enterprise["id"], name=f"Xưởng {key.upper()}")
        await registry.ok(
            "POST",
            f"/clusters/{cluster['id']}/tenancies",
            {"facility_id": facility["id"], "leased_area_ha": "1", "start_date": "2020-01-01"},
            status=201,
        )
        made[key], made[f"{key}_tax_code"] = facility, enterprise["tax_code"]
    return made


def _path(park: dict[str, Any]) -> str:
    return f"/clusters/{park['cluster']['id']}/period-reports"


def _enterprise(registry: Registry, tax_code: str, province: str = SON_LA) -> dict[str, str]:
    return registry.auth(
        agency="doanh-nghiep", roles=("officer",), province=province, tax_code=tax_code
    )


async def test_a_report_is_filed_corrected_and_every_revision_kept(
    registry: Registry, park: dict[str, Any]
) -> None:
    first = await registry.ok(
        "POST",
        _path(park),
        {
            "period": "2025-H1",
            "filed_on": "2025-06-18",
            "rows": [_row(park["a"], 40_000_000_000), _row(park["b"], 60_000_000_000)],
        },
        status=201,
    )
    assert (first["starts_on"], first["ends_on"], first["due_on"]) == (
        "2024-12-15",
        "2025-06-14",
        "2025-06-19",
    )
    assert first["production_value_vnd"] == 100_000_000_000 and first["workers"] == 40
    assert all(r["late"] is False and r["revision"] == 1 for r in first["rows"])

    corrected = await registry.ok(
        "POST",
        _path(park),
        {
            "period": "2025-H1",
            "filed_on": "2025-06-23",
            "rows": [_row(park["b"], 65_000_000_000, workers=31)],
        },
        status=201,
    )
    assert corrected["production_value_vnd"] == 105_000_000_000 and corrected["workers"] == 51
    b = next(r for r in corrected["rows"] if r["facility_id"] == park["b"]["id"])
    assert (b["revision"], b["late"], b["filed_on"]) == (2, True, "2025-06-23")
    revisions = await registry.ok(
        "GET", f"{_path(park)}/{park['b']['id']}/revisions?period=2025-H1"
    )
    assert [(r["revision"], r["production_value_vnd"], r["current"]) for r in revisions] == [
        (1, 60_000_000_000, False),
        (2, 65_000_000_000, True),
    ]
    assert (await registry.outbox_types())[-2:] == [
        "ClusterPeriodReportFiled",
        "ClusterPeriodReportFiled",
    ]


async def test_compliance_shows_who_filed_on_time_late_or_not_at_all(
    registry: Registry, park: dict[str, Any]
) -> None:
    for key, filed_on in (("a", "2025-06-19"), ("b", "2025-06-20")):  # before 20 Jun, or not
        await registry.ok(
            "POST",
            _path(park),
            {"period": "2025-H1", "filed_on": filed_on, "rows": [_row(park[key], 1_000_000)]},
            status=201,
        )
    view = await registry.ok("GET", "/reporting-compliance?period=2025-H1&province_code=14")
    [cluster] = view["clusters"]
    assert (cluster["tenants"], cluster["on_time"], cluster["late"], cluster["missing"]) == (
        3,
        1,
        1,
        1,
    )
    standing = {t["facility_id"]: t["standing"] for t in cluster["standings"]}
    assert standing == {
        park["a"]["id"]: "on_time",
        park["b"]["id"]: "late",
        park["c"]["id"]: "missing",
    }
    ahead = str(today().year + 1)
    later = await registry.ok("GET", f"/reporting-compliance?period={ahead}")
    assert later["clusters"][0]["not_yet_due"] == 3 and later["clusters"][0]["missing"] == 0


async def test_a_report_names_tenants_of_the_period_after_its_cut(
    registry: Registry, park: dict[str, Any]
) -> None:
    stranger = await registry.facility(name="Cơ sở ngoài cụm")

    async def refused(body: dict[str, Any]) -> str:
        return field_of(problem(await registry.post(_path(park), body), 422, "validation-error"))

    rows = [_row(park["a"], 1)]
    assert await refused({"period": "2025-H2", "rows": rows}) == "period"
    assert await refused({"period": "2025-H1", "filed_on": "2025-06-10", "rows": rows}) == (
        "filed_on"
    )
    assert await refused({"period": "2025-H1", "rows": [_row(stranger, 1)]}) == (
        "rows.0.facility_id"
    )
    assert await refused({"period": "2025-H1", "rows": rows * 2}) == "rows"
    ahead = str(today().year + 1)
    assert await refused({"period": ahead, "rows": rows}) == "period"


async def test_an_enterprise_files_and_reads_only_its_own_rows(
    registry: Registry, park: dict[str, Any]
) -> None:
    a = _enterprise(registry, park["a_tax_code"])
    await registry.ok(
        "POST",
        _path(park),
        {"period": "2025-H1", "filed_on": "2025-06-18", "rows": [_row(park["b"], 7)]},
        status=201,
    )
    mine = await registry.post(
        _path(park),
        {"period": "2025-H1", "filed_on": "2025-06-01", "rows": [_row(park["a"], 9)]},
        headers=a,
    )
    assert mine.status_code == 201, mine.text
    [row] = mine.json()["rows"]  # its own only, though b's is filed too
    assert row["facility_id"] == park["a"]["id"] and row["filed_on"] == today().isoformat()
    assert row["filed_by_agency"] == "doanh-nghiep" and row["late"] is True

    others = await registry.post(
        _path(park), {"period": "2025-H1", "rows": [_row(park["b"], 1)]}, headers=a
    )
    problem(others, 403, "forbidden")
    seen = await registry.ok("GET", f"{_path(park)}?period=2025-H1", headers=a)
    assert [r["facility_id"] for r in seen["rows"]] == [park["a"]["id"]]
    history = await registry.get(
        f"{_path(park)}/{park['b']['id']}/revisions?period=2025-H1", headers=a
    )
    problem(history, 403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/clusters"),
        ("GET", "/clusters/{cluster}"),
        ("GET", "/facilities/{b}"),
        ("GET", "/facilities"),
        ("GET", "/enterprises"),
        ("GET", "/clusters/{cluster}/tenancies"),
        ("GET", "/reporting-compliance?period=2025-H1"),
        ("GET", "/dossiers"),
        ("GET", "/placement-applications"),
        ("GET", "/relocation-candidates"),
        ("GET", "/provinces/14/statistics"),
        ("POST", "/clusters"),
        ("POST", "/provinces/14/statistics"),
    ],
)
async def test_an_enterprise_reaches_nothing_of_the_agencies(
    registry: Registry, park: dict[str, Any], method: str, path: str
) -> None:
    a = _enterprise(registry, park["a_tax_code"])
    url = path.format(cluster=park["cluster"]["id"], b=park["b"]["id"])
    body = {"name": "x", "province_code": SON_LA, "planned_area_ha": "10"}
    response = await (
        registry.get(url, headers=a) if method == "GET" else registry.post(url, body, headers=a)
    )
    assert response.status_code in (403, 422), response.text
    if response.status_code == 422:  # a body the route refused before asking who calls
        response = await registry.post(
            url,
            {"year": 2010, "small_industry_output_vnd": 1, "statistics_source": "x"},
            headers=a,
        )
    problem(response, 403, "forbidden")


async def test_an_enterprise_token_must_name_its_tax_code_and_province(
    registry: Registry, park: dict[str, Any]
) -> None:
    now = int(time.time())
    claims = {
        "sub": "dn-1",
        "agency": "doanh-nghiep",
        "roles": ["officer"],
        "jurisdiction": {"province": SON_LA},
        "iat": now,
        "exp": now + 600,
    }
    bare = jwt.encode(claims, SECRET, algorithm="HS256")
    response = await registry.get(
        f"{_path(park)}?period=2025-H1", headers={"Authorization": f"Bearer {bare}"}
    )
    assert "tax_code" in problem(response, 401, "unauthorized")["detail"]
    elsewhere = _enterprise(registry, park["a_tax_code"], province=HA_NOI)
    response = await registry.post(
        _path(park), {"period": "2025-H1", "rows": [_row(park["a"], 1)]}, headers=elsewhere
    )
    problem(response, 403, "forbidden")


async def test_statistics_give_the_share_of_output_inside_clusters(
    registry: Registry, park: dict[str, Any]
) -> None:
    await registry.ok(
        "POST",
        _path(park),
        {
            "period": "2021",
            "filed_on": "2021-12-18",
            "rows": [_row(park["a"], 60_000_000_000), _row(park["b"], 40_000_000_000)],
        },
        status=201,
    )
    body = {
        "year": 2021,
        "area": "Thành phố Sơn La",
        "small_industry_output_vnd": 285_714_285_714,
        "statistics_source": "Chi cục Thống kê thành phố Sơn La",
        "cluster_ids": [park["cluster"]["id"]],
    }
    recorded = await registry.ok("POST", "/provinces/14/statistics", body, status=201)
    assert recorded["cluster_production_value_vnd"] == 100_000_000_000
    assert recorded["cluster_share"] == "0.3500"
    again = await registry.ok(
        "POST",
        "/provinces/14/statistics",
        {**body, "small_industry_output_vnd": 250_000_000_000},
        status=201,
    )
    assert (again["id"], again["version"], again["cluster_share"]) == (
        recorded["id"],
        2,
        "0.4000",
    )
    listed = await registry.ok("GET", "/provinces/14/statistics?year=2021")
    assert [s["version"] for s in listed["items"]] == [2]
    assert (await registry.outbox_types())[-1] == "ProvinceStatisticsRecorded"
    bad = await registry.post("/provinces/99/statistics", body)
    assert field_of(problem(bad, 422, "validation-error")) == "province_code"
    other = await registry.post("/provinces/01/statistics", {**body, "cluster_ids": []})
    problem(other, 403, "forbidden")


async def test_the_same_year_and_area_recorded_at_once_refuses_one_and_keeps_the_other(
    registry: Registry,
) -> None:
    def figure(year: int, output: int) -> dict[str, Any]:
        return {
            "year": year,
            "area": "Huyện Mai Sơn",
            "small_industry_output_vnd": output,
            "statistics_source": "Chi cục Thống kê",
            "cluster_ids": [],
        }

    # Two officials each record a year that has no figure yet, at once (three years: each
    # pair may or may not meet inside the race).
    run_again = ("ccn_commands_run_again_total", RECORDED_AGAIN)
    before = REGISTRY.get_sample_value(*run_again) or 0
    pairs = [(figure(year, 1_000), figure(year, 2_000)) for year in (2019, 2020, 2021)]
    answers = await asyncio.gather(
        *(registry.post("/provinces/14/statistics", body) for pair in pairs for body in pair)
    )
    for i, (first, _) in enumerate(pairs):
        answered = answers[2 * i : 2 * i + 2]
        statuses = sorted(a.status_code for a in answered)
        assert statuses in ([201, 201], [201, 409]), [a.text for a in answered]
        for refused in (a for a in answered if a.status_code == 409):
            problem(refused, 409, "stale-version")
        listed = await registry.ok("GET", f"/provinces/14/statistics?year={first['year']}")
        (kept,) = listed["items"]
        last = max((a.json() for a in answered if a.status_code == 201), key=lambda r: r["version"])
        assert (kept["id"], kept["version"]) == (last["id"], last["version"])
    # Where two met, the second was refused, or ran again after the first and replaced it.
    met = (REGISTRY.get_sample_value(*run_again) or 0) > before
    assert met or 409 in (a.status_code for a in answers), "no two met inside the race"
