"""The registry and the environment service as operators run them, each `ccn serve`d in its
own process on its own database, talking only through Kafka: a facility registered in one is
inspected in the other, and its classification comes back as a relocation candidate."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ServedService
from tests.environment.factory import sample
from tests.kafka_tools import wait_until


@pytest.mark.parametrize("with_registry", ["environment"], indirect=True)
async def test_an_inspection_in_one_process_puts_a_facility_on_the_others_relocation_list(
    with_registry: tuple[ServedService, ServedService],
) -> None:
    registry_service, environment_service = with_registry
    registry = registry_service.client("so-cong-thuong")
    environment = environment_service.client("so-tnmt")
    async with registry, environment:
        enterprise = await registry.post(
            "/enterprises",
            json={
                "name": "Hộ kinh doanh Lò Văn Minh",
                "tax_code": "0100910041",
                "kind": "household",
                "province_code": "14",
            },
        )
        assert enterprise.status_code == 201, enterprise.text
        facility = (
            await registry.post(
                "/facilities",
                json={
                    "enterprise_id": enterprise.json()["id"],
                    "name": "Cơ sở mạ Chiềng Cơi",
                    "province_code": "14",
                    "commune_code": "03670",
                    "address": "Bản Hẹo",
                    "sector": "mạ kim loại",
                    "workers": 6,
                    "annual_output_vnd": 800_000_000,
                },
            )
        ).json()

        async def known() -> bool:
            return (await environment.get(f"/facilities/{facility['id']}")).status_code == 200

        assert await wait_until(known, timeout_s=60), "the facility never reached environment"
        inspection = (
            await environment.post(
                "/inspections",
                json={
                    "facility_id": facility["id"],
                    "scheduled_on": "2024-05-06",
                    "kind": "complaint",
                    "team": "Đoàn kiểm tra",
                },
            )
        ).json()
        path = f"/inspections/{inspection['id']}"
        measured = await environment.post(
            f"{path}/measurements", json={"samples": [sample("cod", "400")]}
        )
        assert measured.status_code == 200, measured.text
        done = await environment.post(
            f"{path}/completion", json={"carried_out_on": "2024-05-06", "version": 2}
        )
        assert done.json()["outcome"] == "violations_found"

        async def candidate() -> bool:
            listed = (await registry.get("/relocation-candidates")).json()
            return any(c["facility_id"] == facility["id"] for c in listed)

        assert await wait_until(candidate, timeout_s=60), "the classification never came back"
