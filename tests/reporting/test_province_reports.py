"""A province's report over a period, from the registry's sample data through the real broker:
Sơn La city's 2010 figures and Hà Nội's budget and reporting, as the agencies published them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.promotion import seed as promotion_seed
from services.promotion.app import service as promotion_service
from services.registry import seed as registry_seed
from services.registry.app import service as registry_service
from services.reporting.app import service as reporting_service
from shared.events import environment as env
from tests import apis
from tests.apis import field_of, problem
from tests.reporting.factory import Reporting


@pytest.fixture
async def seeded(
    reporting_drained: None, registry_db_url: str, reporting_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[Reporting]:
    """The registry with its sample data, and the reporting service reading its events."""
    pairs = ((registry_service, registry_db_url), (reporting_service, reporting_db_url))
    async with apis.live(kafka_bootstrap, *pairs) as [(registry_app, _), (app, client)]:
        await registry_seed.load(registry_app.state.commands, progress=lambda _: None)
        yield Reporting(client, app, apis.token, kafka_bootstrap)


MINISTRY = {"agency": "bo-cong-thuong", "province": None, "roles": ("viewer",)}


async def test_son_la_city_2010_and_ha_noi_2024_as_published(seeded: Reporting) -> None:
    ministry = seeded.auth(**MINISTRY)

    def complete(report: dict[str, Any]) -> bool:
        return report["production"]["tenants_reporting"] == 117 and bool(report["output_shares"])

    son_la = await seeded.report_once(
        "/reports/provinces/14?period=2010", complete, headers=ministry
    )
    clusters = son_la["clusters"]
    assert (clusters["clusters"], clusters["area_ha"], clusters["tenants"]) == (
        2,
        "22.5000",
        117,
    )
    assert clusters["infrastructure_investment_vnd"] == 5_700_000_000
    assert son_la["production"]["production_value_vnd"] == 100_000_000_000
    [city] = son_la["output_shares"]
    assert (city["area"], city["cluster_share"]) == ("Thành phố Sơn La", "0.3500")
    assert son_la["reporting"] == [
        {
            "period": "2010",
            "due_on": "2010-12-19",
            "tenants": 117,
            "on_time": 117,
            "late": 0,
            "missing": 0,
            "not_yet_due": 0,
        }
    ]
    assert son_la["relocations"]["done_in_period"] == 0  # they moved in 2008

    ha_noi = await seeded.report_once(
        "/reports/provinces/01?period=2024",
        lambda r: r["production"]["tenants_reporting"] == 18,
        headers=ministry,
    )
    assert ha_noi["production"]["budget_paid_vnd"] == 1_100_000_000_000
    half = await seeded.report_once(
        "/reports/provinces/01?period=2025-H1",
        lambda r: r["production"]["tenants_reporting"] == 15,
        headers=ministry,
    )
    [h1] = half["reporting"]
    assert (h1["tenants"], h1["on_time"], h1["late"], h1["missing"]) == (18, 13, 2, 3)

    now = await seeded.report_once(
        "/reports/provinces/14?period=2026",
        lambda r: r["placements_waiting"] == 6 and r["dossiers_overdue"] == 1,
        headers=seeded.auth(roles=("viewer",)),
    )
    assert now["figures_on"] <= now["ends_on"]
    sheet = await seeded.get("/reports/provinces/14?period=2010&format=xlsx", headers=ministry)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"  # a zip: the workbook

    national = await seeded.ok("GET", "/reports/national?period=2024", headers=ministry)
    by_code = {p["province_code"]: p for p in national["provinces"]}
    assert {"01", "14"} <= set(by_code)
    assert by_code["01"]["production"]["budget_paid_vnd"] == 1_100_000_000_000
    assert by_code["14"]["clusters"]["tenants"] == 117
    officer = await seeded.get("/reports/national?period=2024")
    problem(officer, 403, "forbidden")  # a province's officer


async def test_a_province_report_keeps_to_its_period_and_jurisdiction(seeded: Reporting) -> None:
    elsewhere = await seeded.get("/reports/provinces/01?period=2024")  # a Sơn La officer
    problem(elsewhere, 403, "forbidden")
    bad = await seeded.get("/reports/provinces/14?period=2025-H2")
    assert field_of(problem(bad, 422, "validation-error")) == "period"
    unknown = await seeded.get("/reports/provinces/99?period=2025")
    assert field_of(problem(unknown, 422, "validation-error")) == "province_code"
    early = await seeded.get("/reports/provinces/14?period=2025&as_of=2024-12-01")
    assert field_of(problem(early, 422, "validation-error")) == "period"


@pytest.fixture
async def promoted(
    reporting_drained: None, promotion_db_url: str, reporting_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[Reporting]:
    """The khuyến công centre with its sample data, and the reporting service reading it."""
    pairs = ((promotion_service, promotion_db_url), (reporting_service, reporting_db_url))
    async with apis.live(kafka_bootstrap, *pairs) as [(promotion_app, _), (app, client)]:
        await promotion_seed.load(promotion_app.state.commands, progress=lambda _: None)
        yield Reporting(client, app, apis.token, kafka_bootstrap)


async def test_khuyen_cong_money_and_outputs_as_published(promoted: Reporting) -> None:
    ministry = promoted.auth(**MINISTRY)
    bac_kan = await promoted.report_once(
        "/reports/provinces/19?period=2011-2016",
        lambda r: r["khuyen_cong"]["projects_approved"] == 129,
        headers=ministry,
    )
    money = bac_kan["khuyen_cong"]
    assert money["total"]["approved_vnd"] == 7_375_000_000
    assert money["by_funding_source"]["national"]["approved_vnd"] == 3_140_000_000
    assert money["by_funding_source"]["local"]["approved_vnd"] == 4_235_000_000

    son_la = await promoted.report_once(
        "/reports/provinces/14?period=2016-2020",
        lambda r: r["khuyen_cong"]["outputs"].get("people_trained") == 230,
        headers=ministry,
    )
    outputs = son_la["khuyen_cong"]["outputs"]
    assert (outputs["managers_trained"], outputs["courses"]) == (150, 2)
    assert (outputs["demonstration_models"], outputs["facilities_given_machinery"]) == (1, 16)
    assert (outputs["products_branded"], outputs["product_selections"]) == (28, 2)
    assert outputs["conferences"] == 2
    assert son_la["khuyen_cong"]["total"]["counterpart_vnd"] == 18_560_000_000


async def test_inspections_and_violations_of_the_period(reporting: Reporting) -> None:
    province, commune = "92", "31150"  # Cần Thơ: no other test reports on it
    where = {"province_code": province, "commune_code": commune}
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    fixed, lingering = str(uuid.uuid4()), str(uuid.uuid4())
    facility = str(uuid.uuid4())
    inspection = {"facility_id": facility, **where}
    events = [
        env.InspectionScheduledV2(
            inspection_id=first,
            scheduled_on="2025-02-01",
            kind="periodic",
            team="Đoàn 1",
            **inspection,
        ),
        env.InspectionCompletedV2(
            inspection_id=first, carried_out_on="2025-02-03", outcome="compliant", **inspection
        ),
        env.InspectionScheduledV2(
            inspection_id=second,
            scheduled_on="2025-03-01",
            kind="complaint",
            team="Đoàn 2",
            **inspection,
        ),
        env.InspectionCompletedV2(
            inspection_id=second,
            carried_out_on="2025-03-02",
            outcome="violations_found",
            violation_ids=[fixed, lingering],
            **inspection,
        ),
        *(
            env.ViolationRecordedV2(
                violation_id=v,
                inspection_id=second,
                kind="finding",
                description="x",
                detected_on="2025-03-02",
                remediation_deadline=deadline,
                **inspection,
            )
            for v, deadline in ((fixed, "2025-05-01"), (lingering, "2025-04-01"))
        ),
        env.ViolationRemediatedV2(
            violation_id=fixed,
            inspection_id=second,
            remediated_on="2025-04-15",
            evidence="Biên bản",
            **inspection,
        ),
    ]
    await reporting.publish(*events)
    ministry = reporting.auth(**MINISTRY)
    half = await reporting.report_once(
        f"/reports/provinces/{province}?period=2025-H1",
        lambda r: r["inspections"]["carried_out"] >= 2 and r["inspections"]["violations_open"] >= 1,
        headers=ministry,
    )
    seen = half["inspections"]
    assert (seen["carried_out"], seen["compliant"], seen["violations_found"]) == (2, 1, 1)
    assert (seen["violations_detected"], seen["violations_open"], seen["violations_overdue"]) == (
        2,
        1,
        1,
    )
    early = await reporting.ok(
        "GET", f"/reports/provinces/{province}?period=2025-H1&as_of=2025-03-15", headers=ministry
    )
    assert (
        early["inspections"]["violations_open"],
        early["inspections"]["violations_overdue"],
    ) == (
        2,
        0,
    )
