"""The registry under a steady write load while its process is SIGKILLed, the broker stopped and
SIGKILLed, and PostgreSQL restarted: every acknowledged write reaches Kafka once, in order per
cluster, for a reader of committed records. The run prints its figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiokafka import ConsumerRecord

from shared.auth import mint_token
from shared.events.registry import ClusterInfrastructureUpdated
from shared.localinfra import (
    KafkaBroker,
    PostgresServer,
    clean_up,
    free_port,
    throwaway_dir,
    wait_until_ready,
)
from tests.kafka_tools import read_topic

SECRET = "faults-secret-0123456789abcdef0123456789"
CLUSTERS = 8
WRITES_PER_S = 40


@dataclass
class Registry:
    """`ccn serve registry` as a process that can be killed and started again."""

    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "serve", "registry", "--port", str(self.port)],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, [self.process], timeout_s=60)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Load:
    """Infrastructure reports on a few clusters, one after another, as fast as the rate lets:
    each acknowledged one is remembered by its note, in the order acknowledged."""

    client: httpx.AsyncClient
    versions: dict[str, int]
    """Each cluster's version as last read: a change names the version it is based on."""
    acknowledged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused: Counter[str] = field(default_factory=Counter)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        n, clusters = 0, list(self.versions)
        while not self.stopping.is_set():
            cluster = clusters[n % len(clusters)]
            note = f"write {n}"
            body = {
                "treatment_plant": "none",
                "solid_waste_collection": "partial",
                "fire_safety": "partial",
                "reported_on": "2025-06-01",
                "note": note,
                "version": self.versions[cluster],
            }
            try:
                response = await self.client.post(
                    f"/api/v1/clusters/{cluster}/infrastructure", json=body, timeout=10
                )
                if response.status_code == 200:
                    self.acknowledged[cluster].append(note)
                    self.versions[cluster] = response.json()["version"]
                else:
                    self.refused[str(response.status_code)] += 1
                    await self._read_version(cluster)
            except httpx.HTTPError as exc:
                self.refused[type(exc).__name__] += 1
                await self._read_version(cluster)
            n += 1
            await asyncio.sleep(1 / WRITES_PER_S)

    async def _read_version(self, cluster: str) -> None:
        """After a write whose outcome is unknown: the version it left, if the service answers."""
        with contextlib.suppress(httpx.HTTPError, KeyError):
            response = await self.client.get(f"/api/v1/clusters/{cluster}", timeout=5)
            self.versions[cluster] = response.json()["version"]


@contextmanager
def servers() -> Iterator[tuple[KafkaBroker, PostgresServer]]:
    """A broker and a PostgreSQL server of the test's own, to stop, kill and restart."""
    root = throwaway_dir("faults")
    broker = KafkaBroker(data_dir=root / "kafka", port=free_port(), controller_port=free_port())
    pg = PostgresServer(data_dir=root / "pg", port=free_port())
    try:
        broker.start()
        pg.start()
        yield broker, pg
    finally:
        clean_up(root)


def _say(started: float, what: str) -> None:
    print(f"  {time.monotonic() - started:5.1f} s  {what}", flush=True)


@pytest.mark.slow
async def test_every_acknowledged_write_reaches_kafka_once_in_order_through_faults(
    tmp_path: Path,
) -> None:
    with servers() as (broker, pg):
        env = {
            **os.environ,
            "CCN_DATABASE_URL": pg.url(pg.create_database()),
            "CCN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CCN_JWT_SECRET": SECRET,
            "CCN_LOG_LEVEL": "WARNING",
            "CCN_OUTBOX_POLL_INTERVAL_S": "0.1",
        }
        registry = Registry(env, free_port(), tmp_path / "registry.log")
        registry.start()
        token = mint_token(
            SECRET, subject="faults", agency="so-cong-thuong", roles=["officer"], province="14"
        )
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with httpx.AsyncClient(base_url=registry.url, headers=headers) as client:
                load = Load(client, await _planned_clusters(client))
                started = time.monotonic()
                writing = asyncio.create_task(load.run())
                await _faults(registry, broker, pg, started)
                load.stopping.set()
                await writing
                _say(started, "load stopped; waiting for the outbox to drain")
                await _drained(client)
                _say(started, "drained")
        finally:
            registry.stop()
        published = await read_topic(
            broker.bootstrap,
            ClusterInfrastructureUpdated.topic(),
            expected=CLUSTERS + sum(len(v) for v in load.acknowledged.values()),
            timeout_s=60,
        )
        reports = ClusterInfrastructureUpdated.type_name().encode()
        _check(load, [m for m in published if dict(m.headers)["ce_type"] == reports])
        assert "500" not in load.refused, f"a 500 is a bug: see {registry.log}"


async def _planned_clusters(client: httpx.AsyncClient) -> dict[str, int]:
    versions = {}
    for n in range(CLUSTERS):
        body = {"name": f"Cụm công nghiệp thử {n}", "province_code": "14", "planned_area_ha": "10"}
        response = await client.post("/api/v1/clusters", json=body)
        assert response.status_code == 201, response.text
        versions[response.json()["id"]] = response.json()["version"]
    return versions


async def _faults(
    registry: Registry, broker: KafkaBroker, pg: PostgresServer, started: float
) -> None:
    """Each fault in turn, with the load running through it."""
    await asyncio.sleep(5)
    _say(started, "SIGKILL the registry, start it again")
    registry.kill()
    await asyncio.to_thread(registry.start)
    await asyncio.sleep(5)
    _say(started, "stop the broker cleanly for 8 s")
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(8)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)
    _say(started, "SIGKILL the broker, start it again")
    await asyncio.to_thread(broker.kill)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)
    _say(started, "restart PostgreSQL")
    await asyncio.to_thread(pg.restart)
    await asyncio.sleep(5)
    _say(started, "SIGKILL the registry once more")
    registry.kill()
    await asyncio.to_thread(registry.start)
    await asyncio.sleep(5)


async def _drained(client: httpx.AsyncClient, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        metrics = (await client.get("/metrics")).text
        backlog = [line for line in metrics.splitlines() if line.startswith("ccn_outbox_backlog{")]
        if backlog and all(line.endswith(" 0.0") for line in backlog):
            return
        await asyncio.sleep(1)
    raise AssertionError(f"the outbox did not drain in {timeout_s:.0f} s: {backlog}")


def _check(load: Load, published: list[ConsumerRecord]) -> None:
    ids = [dict(m.headers)["ce_id"] for m in published]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    seen: dict[str, list[str]] = defaultdict(list)
    for message in published:
        data = json.loads(message.value)
        seen[data["cluster_id"]].append(data["note"])
    acknowledged = sum(len(v) for v in load.acknowledged.values())
    lost = {
        cluster: sorted(set(notes) - set(seen[cluster]))
        for cluster, notes in load.acknowledged.items()
        if set(notes) - set(seen[cluster])
    }
    failed = sum(load.refused.values())
    print(
        f"\n  acknowledged writes {acknowledged:,}; refused or failed {failed:,}"
        f" {dict(load.refused)}; events published {len(published):,}; repeated ce_id"
        f" {len(repeated)}; lost {sum(len(v) for v in lost.values())}",
        flush=True,
    )
    assert not lost, f"acknowledged writes never published: {lost}"
    assert not repeated, f"{len(repeated)} events published twice"
    for cluster, notes in load.acknowledged.items():
        order = [n for n in seen[cluster] if n in set(notes)]
        assert order == notes, f"cluster {cluster}: events out of the order acknowledged"
