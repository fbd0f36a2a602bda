"""The registry as operators run it: `ccn serve registry` in its own process, on PostgreSQL and
Kafka, driven over real HTTP; its events read back from the broker."""

from __future__ import annotations

import json

import httpx
import pytest

from shared.auth import mint_token
from shared.events.registry import ClusterPlanned
from tests.e2e.conftest import ServedService
from tests.kafka_tools import read_topic


@pytest.mark.parametrize("served_service", ["registry"], indirect=True)
async def test_a_served_registry_migrates_answers_and_publishes(
    served_service: ServedService, kafka_bootstrap: str
) -> None:
    token = mint_token(
        served_service.jwt_secret,
        subject="e2e",
        agency="so-cong-thuong",
        roles=["officer", "approver"],
        province="14",
    )
    headers = {"Authorization": f"Bearer {token}", "X-Correlation-ID": "e2e-1"}
    async with httpx.AsyncClient(base_url=served_service.url, headers=headers) as http:
        planned = await http.post(
            "/api/v1/clusters",
            json={
                "name": "Cụm công nghiệp Chiềng Sinh",
                "province_code": "14",
                "commune_code": "03679",
                "planned_area_ha": "15",
            },
        )
        assert planned.status_code == 201, planned.text
        cluster = planned.json()
        unauthenticated = await http.get("/api/v1/clusters", headers={"Authorization": ""})
        assert unauthenticated.status_code == 401
        assert unauthenticated.headers["content-type"] == "application/problem+json"
        docs = await http.get("/openapi.json")
        assert "/api/v1/clusters/{cluster_id}/establishment" in docs.json()["paths"]
        metrics = (await http.get("/metrics")).text

    assert 'route="/api/v1/clusters",service="registry",status="201"' in metrics
    for _ in range(60):
        messages = await read_topic(
            kafka_bootstrap, ClusterPlanned.topic(), expected=10**9, timeout_s=1.0
        )
        mine = [m for m in messages if m.key == cluster["id"].encode()]
        if mine:
            break
    else:
        raise AssertionError("ClusterPlanned never reached Kafka")
    headers_in = {k: v.decode() for k, v in mine[0].headers}
    assert headers_in["ce_type"] == "vn.ccn.registry.ClusterPlanned.v1"
    assert headers_in["ce_correlationid"] == "e2e-1"
    assert json.loads(mine[0].value)["name"] == "Cụm công nghiệp Chiềng Sinh"
