"""A thin client of the registry API for tests: tokens, and ready-made clusters and facilities."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from services.registry.domain import with_check_digit

# Sơn La (14): Phường Tô Hiệu, Chiềng An, Chiềng Cơi.
SON_LA, TO_HIEU, CHIENG_AN, CHIENG_COI = "14", "03646", "03667", "03670"
HA_NOI = "01"

_serial = itertools.count(100_000)


def new_tax_code() -> str:
    while True:
        code = with_check_digit(f"0{next(_serial):08d}")
        if code is not None:
            return code


@dataclass
class Registry:
    client: httpx.AsyncClient
    app: FastAPI
    mint: Callable[..., str]

    def auth(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kw)}"}

    @property
    def officer(self) -> dict[str, str]:
        return self.auth()

    @property
    def approver(self) -> dict[str, str]:
        return self.auth(roles=("officer", "approver"))

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1{path}",
            json=body,
            headers=headers if headers is not None else self.officer,
            **kw,
        )

    async def get(
        self, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.client.get(
            f"/api/v1{path}", headers=headers if headers is not None else self.officer, **kw
        )

    async def ok(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        response = await (
            self.post(path, body, headers) if method == "POST" else self.get(path, headers)
        )
        assert response.status_code == status, response.text
        return response.json()  # type: ignore[no-any-return]

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
