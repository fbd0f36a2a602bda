"""A thin client of the promotion API for tests: beneficiaries the registry has published,
and ready-made plans and projects taken through their lifecycle."""

from __future__ import annotations

import uuid
from typing import Any

from services.promotion.projections import on_enterprise_registered, on_facility_registered
from shared.events import Envelope
from shared.events.registry import (
    EnterpriseKind,
    EnterpriseRegistered,
    FacilityLocation,
    FacilityRegistered,
)
from tests.apis import Api

SON_LA, TO_HIEU, HA_NOI = "14", "03646", "01"


class Promotion(Api):
    """Requests go as a Sở Công Thương officer of Sơn La unless they say otherwise."""

    async def beneficiary(self, province_code: str = SON_LA) -> tuple[str, str]:
        """An enterprise and its facility as the registry publishes them: their ids."""
        enterprise = EnterpriseRegistered(
            enterprise_id=str(uuid.uuid4()),
            name="Hợp tác xã Chè Tô Hiệu",
            tax_code="5500123456",
            kind=EnterpriseKind.COOPERATIVE,
            province_code=province_code,
        )
        facility = FacilityRegistered(
            facility_id=str(uuid.uuid4()),
            enterprise_id=enterprise.enterprise_id,
            province_code=province_code,
            commune_code=TO_HIEU if province_code == SON_LA else "00004",
            name="Xưởng chế biến chè Tô Hiệu",
            address="Tổ 5",
            sector="chế biến nông sản",
            workers=12,
            annual_output_vnd=2_000_000_000,
            location=FacilityLocation.RESIDENTIAL_AREA,
        )
        async with self.db.transaction() as session:
            await on_enterprise_registered(session, enterprise, Envelope.wrap(enterprise))
            await on_facility_registered(session, facility, Envelope.wrap(facility))
        return enterprise.enterprise_id, facility.facility_id

    async def plan(self, budget_vnd: int = 1_000_000_000, **overrides: Any) -> dict[str, Any]:
        body = {
            "province_code": SON_LA,
            "year": 2019,
            "funding_source": "local",
            "budget_vnd": budget_vnd,
            **overrides,
        }
        return await self.ok("POST", "/plans", body, self.approver, 201)

    async def project(self, **overrides: Any) -> dict[str, Any]:
        _, facility_id = await self.beneficiary()
        body = project_body(facility_id, **overrides)
        return await self.ok("POST", "/projects", body, status=201)

    async def step(
        self, project: dict[str, Any], path: str, body: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        """One command on the project as last seen (its version)."""
        return await self.ok(
            "POST",
            f"/projects/{project['id']}/{path}",
            {**body, "version": project["version"]},
            **kw,
        )

    async def approved(self, amount: int = 250_000_000, **overrides: Any) -> dict[str, Any]:
        project = await self.project(**overrides)
        project = await self.step(
            project, "appraisal", {"result": "passed", "appraised_on": "2019-03-10"}
        )
        return await self.step(
            project,
            "approval",
            {
                "decision_number": "215/QĐ-SCT",
                "decision_date": "2019-03-20",
                "approved_support_vnd": amount,
            },
            headers=self.approver,
        )

    async def contracted(self, **overrides: Any) -> dict[str, Any]:
        project = await self.approved(**overrides)
        return await self.step(
            project, "contract", {"contract_number": "12/HĐ-KC", "signed_on": "2019-03-25"}
        )


def project_body(facility_id: str, **overrides: Any) -> dict[str, Any]:
    """A Sơn La project of machinery for `facility_id`: 900 million đồng, a third asked."""
    return {
        "name": "Hỗ trợ máy sao chè cho cơ sở Tô Hiệu",
        "province_code": SON_LA,
        "commune_code": TO_HIEU,
        "funding_source": "local",
        "content_group": "demonstration_and_technology_transfer",
        "beneficiary_facility_id": facility_id,
        "total_cost_vnd": 900_000_000,
        "requested_support_vnd": 300_000_000,
        "counterpart_vnd": 600_000_000,
        "start_date": "2019-03-01",
        "end_date": "2019-11-30",
        "planned_outputs": {"facilities_given_machinery": 1},
        **overrides,
    }
