"""The registry and the promotion service as operators run them, each `ccn serve`d in its own
process: a facility registered in one becomes a project's beneficiary in the other, and the
project's money shows in the summary."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ServedService
from tests.kafka_tools import wait_until


@pytest.mark.parametrize("with_registry", ["promotion"], indirect=True)
async def test_a_registered_facility_is_supported_and_counted_in_the_summary(
    with_registry: tuple[ServedService, ServedService],
) -> None:
    registry, promotion = (service.client("so-cong-thuong") for service in with_registry)
    async with registry, promotion:
        enterprise = await registry.post(
            "/enterprises",
            json={
                "name": "Hợp tác xã Chè Shan Tuyết",
                "tax_code": "0100910027",
                "kind": "cooperative",
                "province_code": "14",
            },
        )
        assert enterprise.status_code == 201, enterprise.text
        proposal = {
            "name": "Hỗ trợ máy sao chè",
            "province_code": "14",
            "funding_source": "national",
            "content_group": "demonstration_and_technology_transfer",
            "beneficiary_enterprise_id": enterprise.json()["id"],
            "total_cost_vnd": 600_000_000,
            "requested_support_vnd": 300_000_000,
            "counterpart_vnd": 300_000_000,
            "start_date": "2024-03-01",
            "end_date": "2024-10-31",
        }

        async def proposed() -> bool:
            return (await promotion.post("/projects", json=proposal)).status_code == 201

        assert await wait_until(proposed, timeout_s=60), "the beneficiary never arrived"
        project = (await promotion.get("/projects?q=may sao che")).json()["items"][0]
        path = f"/projects/{project['id']}"
        appraised = await promotion.post(
            f"{path}/appraisal",
            json={"result": "passed", "appraised_on": "2024-03-05", "version": 1},
        )
        approved = await promotion.post(
            f"{path}/approval",
            headers={"If-Match": appraised.headers["ETag"]},
            json={
                "decision_number": "45/QĐ-SCT",
                "decision_date": "2024-03-15",
                "approved_support_vnd": 300_000_000,
            },
        )
        assert approved.status_code == 200, approved.text
        summary = (await promotion.get("/summary?province_code=14")).json()
        assert summary["by_funding_source"]["national"]["approved_vnd"] == 300_000_000
