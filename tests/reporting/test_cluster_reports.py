"""Cluster reports from the registry's events through the real broker: a cluster as it stood
on any day, by the dates its events record (not when they arrived), and a province's totals."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import openpyxl

from services.reporting.formats import XLSX_MEDIA as XLSX
from shared.domain import today
from shared.events import environment as env
from shared.events import promotion as pro
from shared.events import registry as ev
from tests.apis import field_of, problem
from tests.reporting.factory import Reporting

QUANG_NINH = "22"
KHANH_HOA = "56"
"""Only the test of a province's totals publishes clusters of Khánh Hòa: its totals are its own."""


def _cluster(province: str = "14", name: str = "Cụm công nghiệp Mai Sơn") -> dict[str, Any]:
    return {"cluster_id": str(uuid.uuid4()), "province_code": province, "name": name}


def _lifecycle(c: dict[str, Any]) -> list[ev.Event]:
    """Planned, established in 2019 (20 ha, 15 of industrial land), built, opened in 2020,
    expanded in 2021 (30 ha, 24)."""
    at = {"cluster_id": c["cluster_id"], "province_code": c["province_code"]}
    return [
        ev.ClusterPlanned(**at, name=c["name"], planned_area_ha="20"),
        ev.ClusterEstablished(
            **at,
            decision_number="12/QĐ-UBND",
            decision_date="2019-03-01",
            investor_name="Công ty CP Hạ tầng Mai Sơn",
            area_ha="20",
            industrial_land_area_ha="15",
        ),
        ev.ClusterConstructionProgressed(
            **at,
            investment_vnd=3_000_000_000,
            total_investment_vnd=3_000_000_000,
            report_date="2019-06-01",
        ),
        ev.ClusterConstructionProgressed(
            **at,
            investment_vnd=2_000_000_000,
            total_investment_vnd=5_000_000_000,
            report_date="2020-01-10",
        ),
        ev.ClusterOperationStarted(**at, start_date="2020-02-01"),
        ev.ClusterExpanded(
            **at,
            decision_number="88/QĐ-UBND",
            decision_date="2021-06-01",
            added_area_ha="10",
            added_industrial_land_area_ha="9",
            area_ha="30",
            industrial_land_area_ha="24",
        ),
    ]


def _tenant(
    c: dict[str, Any], kind: str, workers: int, area: str, start: str
) -> tuple[list[ev.Event], str]:
    enterprise, facility, tenancy = (str(uuid.uuid4()) for _ in range(3))
    where = {"province_code": c["province_code"]}
    return [
        ev.EnterpriseRegistered(
            enterprise_id=enterprise,
            name=f"{kind} {workers}",
            tax_code="0100109106",
            kind=kind,
            **where,
        ),
        ev.FacilityRegistered(
            facility_id=facility,
            enterprise_id=enterprise,
            commune_code="03646",
            name=f"Xưởng {workers}",
            address="x",
            sector="cơ khí",
            workers=workers,
            annual_output_vnd=1,
            location="residential_area",
            **where,
        ),
        ev.TenancyStarted(
            cluster_id=c["cluster_id"],
            tenancy_id=tenancy,
            facility_id=facility,
            enterprise_id=enterprise,
            leased_area_ha=area,
            start_date=start,
            cluster_leased_area_ha=area,
            cluster_occupancy_rate="0",
            **where,
        ),
    ], tenancy


async def test_a_cluster_report_is_its_facts_up_to_the_day_asked(reporting: Reporting) -> None:
    c = _cluster()
    household, first = _tenant(c, "household", 10, "3", "2020-03-01")
    company, _ = _tenant(c, "company", 40, "6", "2020-09-01")
    ended = ev.TenancyEnded(
        cluster_id=c["cluster_id"],
        province_code="14",
        tenancy_id=first,
        facility_id=household[1].facility_id,  # type: ignore[attr-defined]
        enterprise_id=household[0].enterprise_id,  # type: ignore[attr-defined]
        released_area_ha="3",
        end_date="2021-01-15",
        cluster_leased_area_ha="6",
        cluster_occupancy_rate="0.4",
    )
    # The plant's report of 1 May 2020 arrives last of all: its date, not its arrival, counts.
    plant = ev.ClusterInfrastructureUpdated(
        cluster_id=c["cluster_id"],
        province_code="14",
        treatment_plant="operating",
        treatment_capacity_m3_per_day=300,
        solid_waste_collection="full",
        fire_safety="partial",
        reported_on="2020-05-01",
    )
    await reporting.publish(*_lifecycle(c), *household, *company, ended)
    await reporting.publish(plant, recorded="2022-03-01")
    path = f"/reports/clusters/{c['cluster_id']}"
    now = await reporting.report_once(path, lambda r: r["treatment_plant"] == "operating")
    # The facilities and their owners come on their own topics: wait for them too.
    await reporting.report_once(
        f"{path}?as_of=2020-12-31",
        lambda r: (r["workers"], r["households"], r["enterprises"]) == (50, 1, 1),
    )

    assert (now["status"], now["area_ha"], now["industrial_land_area_ha"]) == (
        "operating",
        "30.0000",
        "24.0000",
    )
    assert (now["tenants"], now["leased_area_ha"], now["occupancy_rate"]) == (1, "6.0000", "0.2500")

    async def on(day: str) -> dict[str, Any]:
        return await reporting.ok("GET", f"{path}?as_of={day}")

    planned = await on("2019-02-01")
    assert (planned["status"], planned["area_ha"], planned["name"]) == ("planned", None, c["name"])
    building = await on("2019-12-31")
    assert (building["status"], building["infrastructure_investment_vnd"]) == (
        "under_construction",
        3_000_000_000,
    )
    opened = await on("2020-06-30")
    assert (opened["status"], opened["tenants"], opened["households"]) == ("operating", 1, 1)
    assert (opened["occupancy_rate"], opened["treatment_plant"]) == ("0.2000", "operating")
    assert opened["infrastructure_investment_vnd"] == 5_000_000_000
    full = await on("2020-12-31")
    assert (full["tenants"], full["leased_area_ha"], full["occupancy_rate"]) == (
        2,
        "9.0000",
        "0.6000",
    )
    assert (full["workers"], full["households"], full["enterprises"]) == (50, 1, 1)
    left = await on("2021-03-01")
    assert (left["tenants"], left["workers"], left["area_ha"]) == (1, 40, "20.0000")
    assert (await on("2019-03-01"))["status"] == "established"  # the decision's own day

    problem(await reporting.get(f"{path}?as_of=2018-12-31"), 404, "not-found")
    ahead = (today() + timedelta(days=1)).isoformat()
    assert (
        field_of(problem(await reporting.get(f"{path}?as_of={ahead}"), 422, "validation-error"))
        == "as_of"
    )


async def test_a_provinces_clusters_are_totalled_as_of_a_day(reporting: Reporting) -> None:
    busy, bare = _cluster(KHANH_HOA, "CCN Hà Khẩu"), _cluster(KHANH_HOA, "CCN Hoành Bồ")
    tenant, _ = _tenant(busy, "cooperative", 25, "7.5", "2020-04-01")
    plan_only = ev.ClusterPlanned(
        cluster_id=bare["cluster_id"],
        province_code=KHANH_HOA,
        name=bare["name"],
        planned_area_ha="12",
    )
    await reporting.publish(*_lifecycle(busy), *tenant, plan_only)
    viewer = reporting.auth(province=KHANH_HOA, roles=("viewer",))
    ids = {busy["cluster_id"], bare["cluster_id"]}
    path = f"/reports/clusters?province_code={KHANH_HOA}&as_of=2020-12-31"
    report = await reporting.report_once(
        path,
        lambda r: (
            ids <= {c["id"] for c in r["clusters"]}
            and (r["totals"]["workers"], r["totals"]["enterprises"]) == (25, 1)
        ),
        headers=viewer,
    )
    mine = [c for c in report["clusters"] if c["id"] in ids]
    assert [c["name"] for c in mine] == ["CCN Hà Khẩu", "CCN Hoành Bồ"]
    totals = report["totals"]
    assert totals["by_status"]["operating"] >= 1 and totals["by_status"]["planned"] >= 1
    assert (totals["tenants"], totals["workers"], totals["enterprises"]) == (1, 25, 1)
    assert totals["average_occupancy_rate"] == "0.5000"  # 7.5 of 15 ha
    assert totals["without_treatment_plant"] == 1
    operating = await reporting.ok(
        "GET", f"/reports/clusters?province_code={KHANH_HOA}&status=planned", headers=viewer
    )
    assert bare["cluster_id"] in {c["id"] for c in operating["clusters"]}
    assert busy["cluster_id"] not in {c["id"] for c in operating["clusters"]}


async def test_reports_keep_to_the_callers_jurisdiction(reporting: Reporting) -> None:
    c = _cluster(QUANG_NINH, "CCN Đông Mai")
    await reporting.publish(*_lifecycle(c))
    ministry = reporting.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    path = f"/reports/clusters/{c['cluster_id']}"
    await reporting.report_once(path, lambda r: r["area_ha"] == "30.0000", headers=ministry)
    data_team = reporting.auth(agency="data-team", province=None, roles=("viewer",))
    assert (await reporting.ok("GET", path, headers=data_team))["area_ha"] == "30.0000"
    problem(await reporting.get(path), 403, "forbidden")  # a Sơn La officer
    listed = await reporting.get(f"/reports/clusters?province_code={QUANG_NINH}")
    problem(listed, 403, "forbidden")
    enterprise = reporting.auth(agency="doanh-nghiep", tax_code="0100109106", province=QUANG_NINH)
    problem(await reporting.get(path, headers=enterprise), 403, "forbidden")


async def test_a_report_downloads_as_csv_and_as_a_workbook_read_back(
    reporting: Reporting,
) -> None:
    c = _cluster(QUANG_NINH, "CCN Cẩm Phả")
    tenant, _ = _tenant(c, "household", 12, "3", "2020-04-01")
    await reporting.publish(*_lifecycle(c), *tenant)
    viewer = reporting.auth(province=QUANG_NINH, roles=("viewer",))
    path = f"/reports/clusters/{c['cluster_id']}"
    await reporting.report_once(path, lambda r: r["tenants"] == 1, headers=viewer)

    as_csv = await reporting.get(f"{path}?format=csv&as_of=2020-12-31", headers=viewer)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="cum-cong-nghiep-2020-12-31.csv"' in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["Cụm công nghiệp"]
    record = dict(zip(rows[1], rows[2], strict=True))
    assert record["Tên cụm công nghiệp"] == "CCN Cẩm Phả"
    assert record["Trạng thái"] == "đang hoạt động"
    assert (record["Đã cho thuê (ha)"], record["Tỷ lệ lấp đầy"]) == ("3.0", "0.2")
    assert record["Vốn đầu tư hạ tầng (đ)"] == "5000000000"

    xlsx = f"/reports/clusters?province_code={QUANG_NINH}&as_of=2020-12-31"
    workbook = await reporting.get(xlsx, headers={**viewer, "Accept": XLSX})
    assert workbook.status_code == 200, workbook.text
    assert workbook.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Cụm công nghiệp", "Tổng hợp", "Theo trạng thái"]
    sheet = book["Cụm công nghiệp"]
    headers = [cell.value for cell in sheet[1]]
    mine = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "CCN Cẩm Phả")
    cells = dict(zip(headers, mine, strict=True))
    investment = cells["Vốn đầu tư hạ tầng (đ)"]
    assert (investment.value, investment.number_format) == (5_000_000_000, '#,##0" đ"')
    assert cells["Đất công nghiệp (ha)"].value == 15
    assert cells["Đất công nghiệp (ha)"].number_format == "#,##0.0000"
    assert cells["Tỷ lệ lấp đầy"].number_format == "0.00%"
    assert cells["Ngày quyết định"].value.date().isoformat() == "2019-03-01"
    totals = book["Tổng hợp"]
    assert totals["A1"].value == "Số cụm" and totals["A2"].value >= 1

    unknown = await reporting.get(f"{path}?format=pdf", headers=viewer)
    assert field_of(problem(unknown, 422, "validation-error")) == "format"


async def test_a_cluster_shows_its_tenants_violations_and_khuyen_cong_money(
    reporting: Reporting,
) -> None:
    c = _cluster(QUANG_NINH, "CCN Kim Sơn")
    tenant, _ = _tenant(c, "company", 30, "2", "2020-04-01")
    facility = tenant[1].facility_id  # type: ignore[attr-defined]
    where = {"facility_id": facility, "province_code": QUANG_NINH}
    project = {
        "project_id": str(uuid.uuid4()),
        "province_code": QUANG_NINH,
        "funding_source": "national",
        "content_group": "cleaner_production_and_pollution_treatment",
        "beneficiary_facility_id": facility,
        "status": "in_progress",
    }
    await reporting.publish(
        *_lifecycle(c),
        *tenant,
        env.ViolationRecordedV2(
            violation_id=str(uuid.uuid4()),
            inspection_id="i-1",
            kind="finding",
            description="Chưa có hệ thống xử lý khí thải",
            detected_on="2021-03-01",
            remediation_deadline="2021-06-01",
            **where,
        ),
        pro.FundsDisbursed(
            **project,
            disbursement_id="d-1",
            amount_vnd=150_000_000,
            disbursement_kind="advance",
            disbursed_on="2021-02-01",
            remaining_vnd=150_000_000,
        ),
    )
    viewer = reporting.auth(province=QUANG_NINH, roles=("viewer",))
    path = f"/reports/clusters/{c['cluster_id']}"
    late = await reporting.report_once(
        f"{path}?as_of=2021-12-31",
        lambda r: r["violations_open"] == 1 and r["khuyen_cong_received_vnd"] > 0,
        headers=viewer,
    )
    assert (late["violations_overdue"], late["khuyen_cong_received_vnd"]) == (1, 150_000_000)
    early = await reporting.ok("GET", f"{path}?as_of=2021-04-01", headers=viewer)
    assert (early["violations_open"], early["violations_overdue"]) == (1, 0)
    before = await reporting.ok("GET", f"{path}?as_of=2021-01-01", headers=viewer)
    assert (before["violations_open"], before["khuyen_cong_received_vnd"]) == (0, 0)
