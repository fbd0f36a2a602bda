"""A province's report over a period, from the registry's sample data through the real broker:
Sơn La city's 2010 figures, Hà Nội's budget and reporting and its plan's totals, as the agencies
published them; clusters established, expanded and in calls for investors as of any day."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import openpyxl
import pytest

from services.promotion import seed as promotion_seed
from services.promotion.app import service as promotion_service
from services.registry import seed as registry_seed
from services.registry.app import service as registry_service
from services.reporting.app import service as reporting_service
from shared.events import environment as env
from shared.events import registry as ev
from tests import apis
from tests.apis import field_of, problem
from tests.reporting.factory import Reporting


@pytest.fixture
async def seeded(
    reporting_drained: None, registry_db_url: str, reporting_db_url: str, kafka_bootstrap: str
) -> AsyncIterator[Reporting]:
    """The registry with its sample data but Hà Nội's plan, and the reporting service reading
    its events."""
    pairs = ((registry_service, registry_db_url), (reporting_service, reporting_db_url))
    async with apis.live(kafka_bootstrap, *pairs) as [(registry_app, _), (app, client)]:
        await registry_seed.load_sample(registry_app.state.commands, progress=lambda _: None)
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


NINH_BINH = "37"
"""No other test reports on Ninh Bình: its establishments are this test's own."""


def _dossier(cluster_id: str, opened: str, *steps: tuple[str, str]) -> list[ev.Event]:
    """An establishment dossier opened on `opened`, then `steps` (step, day) in order."""
    at = {"cluster_id": cluster_id, "province_code": NINH_BINH, "kind": "establishment"}
    at["dossier_id"] = str(uuid.uuid4())
    order = ["call_for_investors", "dossier_received", "appraisal", "decision"]
    events: list[ev.Event] = [
        ev.DossierOpened(**at, request_received_on=opened, next_step=order[0], next_due_on=opened)
    ]
    for i, (step, day) in enumerate(steps):
        events.append(
            ev.DossierStepRecorded(
                **at,
                step=step,
                done_on=day,
                due_on=day,
                late_working_days=0,
                next_step=order[i + 1],
                next_due_on=day,
            )
        )
    return events


def _ninh_binh_clusters() -> list[ev.Event]:
    """Gia Vân, established in 2019 and built in 2019-2020; Khánh Phú, established in 2010 and
    expanded in 2021 with a second phase built that year; Gia Sinh, in a call for investors
    from 3 March 2021; Ninh Phong, whose call of February 2021 ended with its dossier received."""
    gia_van, khanh_phu, gia_sinh, ninh_phong = (str(uuid.uuid4()) for _ in range(4))

    def at(cluster_id: str) -> dict[str, str]:
        return {"cluster_id": cluster_id, "province_code": NINH_BINH}

    def built(cluster_id: str, day: str, amount: int, total: int) -> ev.Event:
        return ev.ClusterConstructionProgressed(
            **at(cluster_id), investment_vnd=amount, total_investment_vnd=total, report_date=day
        )

    def established(cluster_id: str, day: str, area: str, land: str) -> ev.Event:
        return ev.ClusterEstablished(
            **at(cluster_id),
            decision_number="15/QĐ-UBND",
            decision_date=day,
            investor_name="Công ty CP Hạ tầng Ninh Bình",
            area_ha=area,
            industrial_land_area_ha=land,
        )

    return [
        *(
            ev.ClusterPlanned(**at(c), name=name, planned_area_ha="30")
            for c, name in (
                (gia_van, "CCN Gia Vân"),
                (khanh_phu, "CCN Khánh Phú"),
                (gia_sinh, "CCN Gia Sinh"),
                (ninh_phong, "CCN Ninh Phong"),
            )
        ),
        established(gia_van, "2019-03-01", "20", "15"),
        built(gia_van, "2019-06-01", 3_000_000_000, 3_000_000_000),
        built(gia_van, "2020-01-10", 2_000_000_000, 5_000_000_000),
        ev.ClusterOperationStarted(**at(gia_van), start_date="2020-02-01"),
        established(khanh_phu, "2010-05-01", "20", "14"),
        built(khanh_phu, "2010-09-01", 1_000_000_000, 1_000_000_000),
        ev.ClusterOperationStarted(**at(khanh_phu), start_date="2011-01-01"),
        ev.ClusterExpanded(
            **at(khanh_phu),
            decision_number="88/QĐ-UBND",
            decision_date="2021-06-01",
            added_area_ha="10",
            added_industrial_land_area_ha="8",
            area_ha="30",
            industrial_land_area_ha="22",
        ),
        built(khanh_phu, "2021-09-01", 4_000_000_000, 5_000_000_000),
        *_dossier(gia_sinh, "2021-03-01", ("call_for_investors", "2021-03-03")),
        *_dossier(
            ninh_phong,
            "2021-02-01",
            ("call_for_investors", "2021-02-02"),
            ("dossier_received", "2021-02-25"),
        ),
    ]


async def test_clusters_established_expanded_and_calling_for_investors(
    reporting: Reporting,
) -> None:
    await reporting.publish(*_ninh_binh_clusters())
    viewer = reporting.auth(province=NINH_BINH, roles=("viewer",))
    path = f"/reports/provinces/{NINH_BINH}?period=2019-2021"
    report = await reporting.report_once(
        path,
        lambda r: (
            (r["established"]["investment_vnd"], r["established"]["calls_for_investors"])
            == (9_000_000_000, 1)
        ),
        headers=viewer,
    )
    # Gia Vân's 20 ha and Khánh Phú's 10 more; 3 + 2 + 4 billion from their decisions on (not
    # Khánh Phú's first phase of 2010); Gia Sinh calling for investors, Ninh Phong past it.
    assert report["established"] == {
        "new_clusters": 1,
        "expansions": 1,
        "total": 2,
        "area_ha": "30.0000",
        "industrial_land_area_ha": "23.0000",
        "investment_vnd": 9_000_000_000,
        "calls_for_investors": 1,
    }

    async def established(query: str) -> dict[str, Any]:
        found = await reporting.ok("GET", f"/reports/provinces/{NINH_BINH}?{query}", headers=viewer)
        established: dict[str, Any] = found["established"]
        return established

    only_2021 = await established("period=2021")
    assert (only_2021["new_clusters"], only_2021["expansions"], only_2021["area_ha"]) == (
        0,
        1,
        "10.0000",
    )
    assert only_2021["investment_vnd"] == 4_000_000_000
    before_built = await established("period=2019&as_of=2019-05-31")
    built = await established("period=2019&as_of=2019-06-01")
    assert (before_built["new_clusters"], before_built["investment_vnd"]) == (1, 0)
    assert (built["new_clusters"], built["investment_vnd"]) == (1, 3_000_000_000)
    before_expanded = await established("period=2021&as_of=2021-05-31")
    assert (before_expanded["expansions"], before_expanded["area_ha"]) == (0, "0.0000")
    calls = {
        day: (await established(f"period=2021&as_of={day}"))["calls_for_investors"]
        for day in ("2021-02-01", "2021-02-02", "2021-02-24", "2021-02-25", "2021-03-03")
    }
    # Ninh Phong from its call until its dossier arrived; Gia Sinh from its call on.
    assert calls == {
        "2021-02-01": 0,
        "2021-02-02": 1,
        "2021-02-24": 1,
        "2021-02-25": 0,
        "2021-03-03": 1,
    }

    sheet = await reporting.get(f"{path}&format=csv", headers=viewer)
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    at = rows.index(["Thành lập, mở rộng"])
    assert rows[at + 1][:3] == ["Cụm thành lập mới", "Cụm mở rộng", "Tổng số"]
    assert rows[at + 2] == ["1", "1", "2", "30.0", "23.0", "9000000000", "1"]
    workbook = await reporting.get(f"{path}&format=xlsx", headers=viewer)
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames[:2] == ["Cụm công nghiệp", "Thành lập, mở rộng"]
    values = [cell.value for cell in book["Thành lập, mở rộng"][2]]
    assert values == [1, 1, 2, 30, 23, 9_000_000_000, 1]
