"""The registry as operators run it: `ccn serve registry` in its own process, on PostgreSQL and
Kafka, driven over real HTTP; its events read back from the broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from shared.auth import mint_token
from shared.events.registry import ClusterPlanned
from shared.localinfra import PostgresServer, free_port
from tests.kafka_tools import read_topic

SECRET = "e2e-secret-0123456789abcdef0123456789"


@pytest.fixture
def served_registry(postgres_server: PostgresServer, kafka_bootstrap: str) -> Iterator[str]:
    port = free_port()
    database = postgres_server.create_database()
    env = {
        **os.environ,
        "CCN_DATABASE_URL": postgres_server.url(database),
        "CCN_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CCN_JWT_SECRET": SECRET,
        "CCN_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "serve", "registry", "--port", str(port)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, "the registry process exited during startup"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the registry did not become ready within 60 s")
        yield base
    finally:
        server.terminate()
        # uvicorn finishes the lifespan (relay and consumer stop), then re-raises SIGTERM.
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
        postgres_server.drop_database(database)


async def test_a_served_registry_migrates_answers_and_publishes(
    served_registry: str, kafka_bootstrap: str
) -> None:
    token = mint_token(
        SECRET, subject="e2e", agency="so-cong-thuong", roles=["officer", "approver"], province="14"
    )
    headers = {"Authorization": f"Bearer {token}", "X-Correlation-ID": "e2e-1"}
    async with httpx.AsyncClient(base_url=served_registry, headers=headers) as http:
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
