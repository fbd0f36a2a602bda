"""A thin client of the environment API for tests: officials' tokens, facilities the registry
has published, and ready-made inspections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.environment.projections import on_facility_registered
from shared.events import Envelope
from shared.events.registry import FacilityLocation, FacilityRegistered
from tests.apis import Api

SON_LA, TO_HIEU, CHIENG_AN = "14", "03646", "03667"
HA_NOI = "01"


class Environment(Api):
    """Requests go as an officer of Sơn La's environment department unless they say otherwise."""

    def auth(self, **kw: Any) -> dict[str, str]:
        return super().auth(**{"agency": "so-tnmt", **kw})

    async def facility(self, *, registered: str = "2019-03-01", **facts: Any) -> str:
        """A facility as the registry publishes it, applied to the read model here."""
        event = FacilityRegistered(
            facility_id=facts.get("facility_id", str(uuid.uuid4())),
            enterprise_id=str(uuid.uuid4()),
            province_code=facts.get("province_code", SON_LA),
            commune_code=facts.get("commune_code", TO_HIEU),
            name=facts.get("name", "Cơ sở chế biến tinh bột sắn Tô Hiệu"),
            address="Tổ 3, phường Tô Hiệu",
            sector="chế biến nông sản",
            workers=25,
            annual_output_vnd=4_500_000_000,
            location=FacilityLocation.RESIDENTIAL_AREA,
        )
        envelope = Envelope.wrap(event, time=datetime.fromisoformat(registered).replace(tzinfo=UTC))
        async with self.db.transaction() as session:
            await on_facility_registered(session, event, envelope)
        return event.facility_id

    async def inspection(self, facility_id: str | None = None, **overrides: Any) -> dict[str, Any]:
        body = plan(facility_id or await self.facility(), **overrides)
        return await self.ok("POST", "/inspections", body, status=201)

    async def measured(
        self, inspection: dict[str, Any], *samples: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.ok(
            "POST", f"/inspections/{inspection['id']}/measurements", {"samples": list(samples)}
        )

    async def completed(
        self, inspection: dict[str, Any], on: str = "2024-05-06", findings: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        current = await self.ok("GET", f"/inspections/{inspection['id']}")
        return await self.ok(
            "POST",
            f"/inspections/{inspection['id']}/completion",
            {"carried_out_on": on, "findings": list(findings), "version": current["version"]},
        )


def plan(facility_id: str, **overrides: Any) -> dict[str, Any]:
    """A periodic inspection of the facility on 6 May 2024."""
    return {
        "facility_id": facility_id,
        "scheduled_on": "2024-05-06",
        "kind": "periodic",
        "team": "Đoàn kiểm tra Sở Nông nghiệp và Môi trường Sơn La",
        **overrides,
    }


def sample(parameter: str = "cod", value: str = "200", **overrides: Any) -> dict[str, Any]:
    """A sample in QCVN 40:2011's column B, Kq 0.9 and Kf 1.1 (COD's Cmax: 148.5 mg/L)."""
    return {
        "parameter": parameter,
        "value": value,
        "unit": "mg/L",
        "sampled_on": "2024-05-06",
        "discharge_point": "Cống xả số 1",
        "column": "B",
        "kq": "0.9",
        "kf": "1.1",
        **overrides,
    }
