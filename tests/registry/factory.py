"""A thin client of the registry API for tests: tokens, and ready-made clusters and facilities."""

from __future__ import annotations

import itertools
from typing import Any

from services.registry.domain import with_check_digit
from tests.apis import Api

# Sơn La (14): Phường Tô Hiệu, Chiềng An, Chiềng Cơi.
SON_LA, TO_HIEU, CHIENG_AN, CHIENG_COI = "14", "03646", "03667", "03670"
HA_NOI = "01"

_serial = itertools.count(100_000)


def new_tax_code() -> str:
    while True:
        code = with_check_digit(f"0{next(_serial):08d}")
        if code is not None:
            return code


class Registry(Api):
    """Requests go as a Sở Công Thương officer of Sơn La unless they say otherwise."""

    @property
    def officer(self) -> dict[str, str]:
        return self.auth()

    # -- ready-made records ------------------------------------------------------------------

    async def planned_cluster(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "Cụm công nghiệp Phố Mới",
            "province_code": SON_LA,
            "commune_code": TO_HIEU,
            "planned_area_ha": "12.5",
            "sectors": ["chế biến nông sản", "cơ khí"],
            **overrides,
        }
        return await self.ok("POST", "/clusters", body, status=201)

    async def established_cluster(self, **overrides: Any) -> dict[str, Any]:
        cluster = await self.planned_cluster(**overrides)
        return await self.ok(
            "POST",
            f"/clusters/{cluster['id']}/establishment",
            {
                "decision_number": "1234/QĐ-UBND",
                "decision_date": "2009-05-12",
                "investor_name": "Ban quản lý dự án thành phố Sơn La",
                "area_ha": "12.5",
                "industrial_land_area_ha": "10",
                "version": cluster["version"],
            },
            headers=self.approver,
        )

    async def operating_cluster(self, **overrides: Any) -> dict[str, Any]:
        cluster = await self.established_cluster(**overrides)
        return await self.ok(
            "POST",
            f"/clusters/{cluster['id']}/operation",
            {"start_date": "2011-01-01", "version": cluster["version"]},
        )

    async def enterprise(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "Công ty TNHH Cơ khí Tây Bắc",
            "tax_code": new_tax_code(),
            "kind": "company",
            "province_code": SON_LA,
            **overrides,
        }
        return await self.ok("POST", "/enterprises", body, status=201)

    async def facility(self, enterprise_id: str | None = None, **overrides: Any) -> dict[str, Any]:
        if enterprise_id is None:
            enterprise_id = (await self.enterprise())["id"]
        body = {
            "enterprise_id": enterprise_id,
            "name": "Xưởng cơ khí Tô Hiệu",
            "province_code": SON_LA,
            "commune_code": TO_HIEU,
            "address": "Tổ 3, phường Tô Hiệu",
            "sector": "cơ khí",
            "workers": 25,
            "annual_output_vnd": 4_500_000_000,
            **overrides,
        }
        return await self.ok("POST", "/facilities", body, status=201)
