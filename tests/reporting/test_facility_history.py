"""A facility's history across the agencies, from their events through the real broker: the
registry's, the environment department's and the khuyến công centre's lines, in the order
things happened (not the order the events arrived), up to any day."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events import environment as env
from shared.events import promotion as pro
from shared.events import registry as reg
from tests.apis import problem
from tests.reporting.factory import Reporting

SON_LA, TO_HIEU = "14", "03646"


def _story(facility: str, enterprise: str, cluster: str) -> list[Any]:
    """A dyeing shop: inspected and found polluting in 2024, helped by khuyến công in 2023,
    relocated in 2025, reporting as a tenant since."""
    where = {"province_code": SON_LA, "commune_code": TO_HIEU}
    inspection, violation, project = (str(uuid.uuid4()) for _ in range(3))
    seen = {"inspection_id": inspection, "facility_id": facility, **where}
    project_facts = {
        "project_id": project,
        "province_code": SON_LA,
        "funding_source": "local",
        "content_group": "cleaner_production_and_pollution_treatment",
        "beneficiary_facility_id": facility,
        "approved_support_vnd": 120_000_000,
    }
    return [
        # Arriving first, though it happened last: the relocation of 2025.
        reg.FacilityRelocated(
            facility_id=facility,
            enterprise_id=enterprise,
            cluster_id=cluster,
            tenancy_id="t-1",
            leased_area_ha="0.2",
            relocation_date="2025-01-15",
            from_address="Tổ 3, phường Tô Hiệu",
            **where,
        ),
        reg.TenancyStarted(
            cluster_id=cluster,
            tenancy_id="t-1",
            facility_id=facility,
            enterprise_id=enterprise,
            leased_area_ha="0.2",
            start_date="2025-01-15",
            cluster_leased_area_ha="5",
            cluster_occupancy_rate="0.5",
            relocation=True,
            province_code=SON_LA,
        ),
        env.InspectionScheduledV2(
            **seen, scheduled_on="2024-04-01", kind="periodic", team="Đoàn 1"
        ),
        env.MeasurementsRecordedV2(
            **seen,
            samples=[
                {
                    "parameter": "cod",
                    "value": "310",
                    "unit": "mg/L",
                    "sampled_on": "2024-04-01",
                    "discharge_point": "cống xả",
                    "column": "B",
                    "regulation": "QCVN 40:2011/BTNMT",
                    "limit_table_id": "lt-1",
                    "limit_max": "150",
                    "exceeded": True,
                    "exceedance_ratio": "2.07",
                }
            ],
        ),
        env.InspectionCompletedV2(
            **seen,
            carried_out_on="2024-04-02",
            outcome="violations_found",
            violation_ids=[violation],
        ),
        env.ViolationRecordedV2(
            violation_id=violation,
            **seen,
            kind="exceedance",
            description="COD 310 mg/L, 2,07 lần giới hạn",
            detected_on="2024-04-02",
            remediation_deadline="2024-07-01",
        ),
        env.FacilityClassifiedPolluting(
            facility_id=facility,
            severity="seriously_polluting",
            relocation_priority=1,
            classified_on="2024-04-03",
            **where,
        ),
        env.ViolationRemediatedV2(
            violation_id=violation,
            **seen,
            remediated_on="2024-06-15",
            evidence="Biên bản",
        ),
        pro.ProjectApproved(
            **project_facts,
            status="approved",
            decision_number="45/QĐ-SCT",
            decision_date="2023-05-10",
            total_cost_vnd=300_000_000,
            counterpart_vnd=180_000_000,
        ),
        pro.FundsDisbursed(
            **project_facts,
            status="in_progress",
            disbursed_vnd=60_000_000,
            disbursement_id="d-1",
            amount_vnd=60_000_000,
            disbursement_kind="advance",
            disbursed_on="2023-06-01",
            remaining_vnd=60_000_000,
        ),
        reg.ClusterPeriodReportFiled(
            cluster_id=cluster,
            province_code=SON_LA,
            period="2025",
            filed_on="2025-12-18",
            late=False,
            filed_by_agency="doanh-nghiep",
            rows=[
                {
                    "facility_id": facility,
                    "enterprise_id": enterprise,
                    "revision": 1,
                    "production_value_vnd": 2_400_000_000,
                    "workers": 18,
                    "budget_paid_vnd": 90_000_000,
                    "wastewater_to_plant": True,
                }
            ],
        ),
    ]


def _registered(facility: str, enterprise: str) -> reg.FacilityRegistered:
    return reg.FacilityRegistered(
        facility_id=facility,
        enterprise_id=enterprise,
        province_code=SON_LA,
        commune_code=TO_HIEU,
        name="Cơ sở nhuộm Tô Hiệu",
        address="Tổ 3, phường Tô Hiệu",
        sector="dệt nhuộm",
        workers=18,
        annual_output_vnd=2_000_000_000,
        location="residential_area",
    )


async def test_a_facilitys_history_joins_the_agencies_in_the_order_things_happened(
    reporting: Reporting,
) -> None:
    facility, enterprise, cluster = (str(uuid.uuid4()) for _ in range(3))
    await reporting.publish(*_story(facility, enterprise, cluster), recorded="2025-12-20")
    await reporting.publish(_registered(facility, enterprise), recorded="2019-03-01")
    path = f"/facilities/{facility}/history"
    history = await reporting.report_once(path, lambda h: len(h["entries"]) >= 11)

    assert history["name"] == "Cơ sở nhuộm Tô Hiệu"
    lines = [(e["occurred_on"], e["agency"], e["kind"]) for e in history["entries"]]
    assert lines == [
        ("2019-03-01", "so-cong-thuong", "FacilityRegistered"),
        ("2023-05-10", "khuyen-cong", "ProjectApproved"),
        ("2023-06-01", "khuyen-cong", "FundsDisbursed"),
        ("2024-04-01", "so-tnmt", "InspectionScheduledV2"),
        ("2024-04-01", "so-tnmt", "MeasurementsRecordedV2"),
        ("2024-04-02", "so-tnmt", "InspectionCompletedV2"),
        ("2024-04-02", "so-tnmt", "ViolationRecordedV2"),
        ("2024-04-03", "so-tnmt", "FacilityClassifiedPolluting"),
        ("2024-06-15", "so-tnmt", "ViolationRemediatedV2"),
        ("2025-01-15", "so-cong-thuong", "FacilityRelocated"),  # its tenancy adds no line
        ("2025-12-18", "so-cong-thuong", "ClusterPeriodReportFiled"),
    ]
    summaries = [e["summary"] for e in history["entries"]]
    assert "Quan trắc 1 mẫu nước thải, 1 mẫu vượt quy chuẩn" in summaries
    assert "Nhận giải ngân khuyến công 60.000.000 đ" in summaries

    before = await reporting.ok("GET", f"{path}?as_of=2024-04-02")
    assert [e["kind"] for e in before["entries"]][-1] == "ViolationRecordedV2"
    assert len(before["entries"]) == 7
    elsewhere = reporting.auth(province="01")
    problem(await reporting.get(path, headers=elsewhere), 403, "forbidden")
    problem(await reporting.get(f"/facilities/{uuid.uuid4()}/history"), 404, "not-found")
