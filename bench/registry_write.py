"""Concurrent tenancy writes against the running registry on PostgreSQL.

    .venv/bin/python bench/registry_write.py [--tenancies 1000] [--concurrency 16]

Starts a throwaway PostgreSQL and Kafka broker and the registry service as its own process
(`ccn serve registry`), prepares operating clusters and facilities through the API, then
leases land concurrently. Prints requests/s and p50/p99 latency of the writes, and p50/p99
of the time from each HTTP response to its TenancyStarted event being readable from Kafka (by
a reader of committed records, as the platform's consumers and data teams read). Then, in the
same run, a bare FastAPI endpoint that inserts the same row with asyncpg
(`bench/bare_write_app.py`) takes the same writes at the same concurrency, and the registry's
throughput is printed as a ratio of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.registry.domain import with_check_digit
from shared.auth import mint_token
from shared.events.registry import TenancyStarted
from shared.localinfra import free_port, throwaway_servers

SECRET = "bench-secret-0123456789abcdef0123456789"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Bench:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        token = mint_token(
            SECRET,
            subject="bench",
            agency="so-cong-thuong",
            roles=["officer", "approver"],
            province="14",
            ttl_s=7200,
        )
        self.headers = {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, body: dict) -> dict:
        response = await self.client.post(f"/api/v1{path}", json=body, headers=self.headers)
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        return response.json()  # type: ignore[no-any-return]

    async def operating_cluster(self, i: int) -> str:
        c = await self.post(
            "/clusters",
            {
                "name": f"CCN bench {i}",
                "province_code": "14",
                "commune_code": "03646",
                "planned_area_ha": "75",
            },
        )
        c = await self.post(
            f"/clusters/{c['id']}/establishment",
            {
                "decision_number": f"{i}/QĐ",
                "decision_date": "2020-01-01",
                "investor_name": "X",
                "area_ha": "75",
                "industrial_land_area_ha": "60",
                "version": c["version"],
            },
        )
        c = await self.post(
            f"/clusters/{c['id']}/operation", {"start_date": "2021-01-01", "version": c["version"]}
        )
        return str(c["id"])

    async def facility(self, i: int) -> str:
        code = None
        serial = 20_000_000 + i * 13
        while code is None:
            serial += 1
            code = with_check_digit(f"{serial:09d}")
        e = await self.post(
            "/enterprises",
            {
                "name": f"Hộ kinh doanh {i}",
                "tax_code": code,
                "kind": "household",
                "province_code": "14",
            },
        )
        f = await self.post(
            "/facilities",
            {
                "enterprise_id": e["id"],
                "name": f"Cơ sở {i}",
                "province_code": "14",
                "commune_code": "03646",
                "address": "Tô Hiệu",
                "sector": "cơ khí",
                "workers": 9,
                "annual_output_vnd": 800_000_000,
            },
        )
        return str(f["id"])


async def gather_limited(n: int, limit: int, make) -> list:  # type: ignore[no-untyped-def]
    semaphore = asyncio.Semaphore(limit)

    async def one(i: int):  # type: ignore[no-untyped-def]
        async with semaphore:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(n)))


async def watch_events(
    bootstrap: str, seen: dict[str, float], ready: asyncio.Event, stop: asyncio.Event
) -> None:
    consumer = AIOKafkaConsumer(
        TenancyStarted.topic(),
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=200)
        await consumer.seek_to_end()
        ready.set()
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batch.values():
                for record in records:
                    seen.setdefault(json.loads(record.value).get("tenancy_id", ""), now)
    finally:
        await consumer.stop()


async def measure(base_url: str, bootstrap: str, tenancies: int, concurrency: int) -> float:
    """The registry's writes: prints their figures, returns requests/s."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        bench = Bench(client)
        clusters = [await bench.operating_cluster(i) for i in range(max(1, tenancies // 50))]
        print(f"  prepared {len(clusters)} operating clusters", flush=True)
        facilities = await gather_limited(tenancies, concurrency, bench.facility)
        print(f"  prepared {len(facilities)} facilities", flush=True)

        seen: dict[str, float] = {}
        ready, stop = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(watch_events(bootstrap, seen, ready, stop))
        await ready.wait()
        latencies: list[float] = []
        answered: dict[str, float] = {}

        async def lease(i: int) -> None:
            start = time.monotonic()
            t = await bench.post(
                f"/clusters/{clusters[i % len(clusters)]}/tenancies",
                {
                    "facility_id": facilities[i],
                    "leased_area_ha": "0.05",
                    "start_date": "2022-01-01",
                },
            )
            answered[t["id"]] = time.monotonic()
            latencies.append(answered[t["id"]] - start)

        started = time.monotonic()
        await gather_limited(tenancies, concurrency, lease)
        elapsed = time.monotonic() - started
        deadline = time.monotonic() + 60
        # The watcher task fills `seen`; poll until it caught up with every answered write.
        while len(seen.keys() & answered.keys()) < len(answered) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        stop.set()
        await watcher

    to_kafka = [seen[t] - answered[t] for t in answered if t in seen]
    print()
    print(f"tenancy writes            {tenancies:>8}   (concurrency {concurrency})")
    print(f"requests/s                {tenancies / elapsed:>8.1f}")
    print(
        f"latency p50 / p99         {quantile(latencies, 0.5) * 1000:>8.1f} / "
        f"{quantile(latencies, 0.99) * 1000:.1f} ms"
    )
    print(
        f"response -> Kafka p50/p99 {quantile(to_kafka, 0.5) * 1000:>8.1f} / "
        f"{quantile(to_kafka, 0.99) * 1000:.1f} ms   ({len(to_kafka)} of {tenancies} seen)"
    )
    print(f"mean latency              {statistics.mean(latencies) * 1000:>8.1f} ms")
    return tenancies / elapsed


async def measure_bare(base_url: str, tenancies: int, concurrency: int) -> float:
    """The same writes to the bare endpoint; returns requests/s."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def lease(i: int) -> None:
            response = await client.post(
                f"/clusters/c{i % 20}/tenancies",
                json={"facility_id": f"f{i}", "leased_area_ha": "0.05", "start_date": "2022-01-01"},
            )
            response.raise_for_status()

        started = time.monotonic()
        await gather_limited(tenancies, concurrency, lease)
        return tenancies / (time.monotonic() - started)


def serve(
    command: list[str], env: dict[str, str], port: int, ready: str
) -> subprocess.Popen[bytes]:
    """`python -m <command> --port <port>`, once `ready` answers 200 there."""
    server = subprocess.Popen([sys.executable, "-m", *command, "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{' '.join(command)} did not answer on port {port}")


def main(tenancies: int, concurrency: int) -> None:
    with throwaway_servers("bench") as (broker, pg):
        env = {
            **os.environ,
            "CCN_DATABASE_URL": pg.url(pg.create_database()),
            "CCN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CCN_JWT_SECRET": SECRET,
            "CCN_LOG_LEVEL": "WARNING",
            "CCN_OUTBOX_POLL_INTERVAL_S": "0.05",
        }
        print("starting the registry", flush=True)
        port = free_port()
        server = serve(["shared.cli", "serve", "registry"], env, port, "/readyz")
        try:
            registry_rate = asyncio.run(
                measure(f"http://127.0.0.1:{port}", broker.bootstrap, tenancies, concurrency)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        print("\nstarting the bare FastAPI + asyncpg endpoint", flush=True)
        dsn = pg.url(pg.create_database()).replace("postgresql+asyncpg", "postgresql")
        port = free_port()
        bare = serve(
            ["uvicorn", "bench.bare_write_app:app", "--log-level", "warning"],
            {**os.environ, "BARE_DSN": dsn, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            port,
            "/docs",
        )
        try:
            bare_rate = asyncio.run(
                measure_bare(f"http://127.0.0.1:{port}", tenancies, concurrency)
            )
        finally:
            bare.terminate()
            bare.wait(timeout=30)
    print(f"bare endpoint requests/s  {bare_rate:>8.1f}")
    print(f"registry / bare           {registry_rate / bare_rate:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenancies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    main(args.tenancies, args.concurrency)
