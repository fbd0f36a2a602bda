"""Tenancy writes against the running registry on PostgreSQL: how many it takes, and how soon
the reporting service shows them.

    .venv/bin/python bench/registry_write.py [--tenancies 1000] [--concurrency 16]
                                             [--rounds 4] [--rate 200] [--seconds 10]

Starts a throwaway PostgreSQL and Kafka broker, the registry service as its own process
(`ccn serve registry`), and beside it a bare FastAPI endpoint that inserts the same row with
asyncpg (`bench/bare_write_app.py`), the least a write costs on this stack. Prepares operating
clusters and facilities through the registry's API, then both take leases, `--concurrency` at
a time, in `--rounds` alternating rounds: the machine's speed drifts by a third over a minute,
so the registry's throughput is printed as a ratio of the bare endpoint's in each round, and
their median. Prints too the p50/p99 latency of the registry's writes, the CPU time per write
of each process that served them, and the most writes a second this one-process client can send
(the bare endpoint's rate stays under it). One more round of registry writes follows, watched:
p50/p99 of the time from each HTTP response to its TenancyStarted event being readable from
Kafka (by a reader of committed records, as the platform's consumers and data teams read). The
timed rounds are not watched: the reader is this process, and it would take CPU from the
registry's rounds only, on a machine whose cores they fill.

Then the reporting service starts as its own process (`ccn serve reporting`), reads every
event on its topics (what the first phase wrote, and what preparing it did), and the registry
takes `--rate` leases a second for `--seconds`, each sent on schedule whether or not the ones
before it were answered (an open loop, as independent callers send). For each,
the time from its response to its row in the reporting service's tenancy projection (polled in
the reporting database every few milliseconds), and to its event in Kafka, as p50/p95/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.registry.domain import with_check_digit
from services.reporting.app import service as reporting_service
from shared.auth import mint_token
from shared.events.registry import TenancyStarted
from shared.localinfra import free_port
from shared.throwaway import throwaway_servers
from tests.kafka_tools import unread

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-0123456789abcdef0123456789"


POLL_S = 0.005
"""How often the reporting database is asked which of the awaited tenancies it holds."""


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float], *qs: float) -> str:
    """The quantiles of `values` (seconds) in milliseconds: `12.3 / 45.6`."""
    if not values:
        return "-"
    return " / ".join(f"{quantile(values, q) * 1000:.1f}" for q in qs)


def _stat(pid: int) -> list[str]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid`, its children that ended, and those that
    still run have used so far (Linux's /proc): a PostgreSQL server's is its sessions' too."""
    ticks = sum(int(field) for field in _stat(pid)[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            with contextlib.suppress(OSError, IndexError):
                fields = _stat(int(entry.name))
                if fields[1] == str(pid):
                    ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Cpu:
    """CPU time per write of each process that serves it (and of this bench, the client),
    over the `with` blocks it was entered for."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.used: dict[str, float] = {}

    def __enter__(self) -> Cpu:
        """Count from now on, adding to what earlier blocks counted."""
        for name, pid in self.pids.items():
            self.used[name] = self.used.get(name, 0.0) - cpu_seconds(pid)
        self.used["bench client"] = self.used.get("bench client", 0.0) - time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        for name, pid in self.pids.items():
            self.used[name] += cpu_seconds(pid)
        self.used["bench client"] += time.process_time()

    def per_write(self, writes: int) -> str:
        return ", ".join(f"{name} {used / writes * 1000:.2f}" for name, used in self.used.items())


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

    async def lease(self, cluster_id: str, facility_id: str) -> str:
        """Lease land in the cluster to the facility; the tenancy's id."""
        tenancy = await self.post(
            f"/clusters/{cluster_id}/tenancies",
            {"facility_id": facility_id, "leased_area_ha": "0.05", "start_date": "2022-01-01"},
        )
        return str(tenancy["id"])

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


class Events:
    """When each tenancy's TenancyStarted became readable from Kafka, while in a `with` block."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.seen: dict[str, float] = {}
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Events:
        ready = asyncio.Event()
        self._task = asyncio.create_task(watch_events(self.bootstrap, self.seen, ready, self._stop))
        await ready.wait()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    async def wait_for(self, tenancies: set[str], timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        # The watcher task fills `seen`; poll until it caught up with every answered write.
        while len(self.seen.keys() & tenancies) < len(tenancies) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)

    def delays(self, answered: dict[str, float]) -> list[float]:
        """From each answer to its event, for the answered tenancies whose event was seen."""
        return [self.seen[t] - answered[t] for t in answered if t in self.seen]


async def prepare(
    bench: Bench, clusters: int, facilities: int, concurrency: int
) -> tuple[list[str], list[str]]:
    """Operating clusters, and facilities to lease land in them."""
    cluster_ids = [await bench.operating_cluster(i) for i in range(clusters)]
    print(f"  prepared {len(cluster_ids)} operating clusters", flush=True)
    facility_ids = await gather_limited(facilities, concurrency, bench.facility)
    print(f"  prepared {len(facility_ids)} facilities", flush=True)
    return cluster_ids, facility_ids


class Bare:
    """The bare endpoint's client, and the CPU its writes cost."""

    def __init__(self, base_url: str, pids: dict[str, int]) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=60)
        self.cpu = Cpu(pids)

    async def lease(self, i: int) -> None:
        response = await self.client.post(
            f"/clusters/c{i % 20}/tenancies",
            json={"facility_id": f"f{i}", "leased_area_ha": "0.05", "start_date": "2022-01-01"},
        )
        response.raise_for_status()


async def timed(cpu: Cpu, n: int, concurrency: int, make) -> float:  # type: ignore[no-untyped-def]
    """`make(i)` for i < n, `concurrency` at a time, counted by `cpu`: the requests/s."""
    with cpu:
        started = time.monotonic()
        await gather_limited(n, concurrency, make)
        return n / (time.monotonic() - started)


async def measure(
    bench: Bench,
    bare: Bare,
    bootstrap: str,
    pids: dict[str, int],
    clusters: list[str],
    facilities: list[str],
    args: argparse.Namespace,
) -> None:
    """The registry's writes and the bare endpoint's in alternating rounds, `concurrency` at a
    time: the machine's speed drifts over a minute, so each round's ratio compares writes
    made moments apart; then one more round of the registry's, its events watched in Kafka (the
    last of `facilities`). Prints their figures."""
    rounds = args.rounds
    share = args.tenancies // rounds
    latencies: list[float] = []
    answered: dict[str, float] = {}
    cpu = Cpu(pids)
    ratios: list[float] = []

    def leasing(i: int) -> Awaitable[str]:
        return bench.lease(clusters[i % len(clusters)], facilities[i])

    async def lease(i: int) -> None:
        start = time.monotonic()
        await leasing(i)
        latencies.append(time.monotonic() - start)

    async def watched(i: int) -> None:
        tenancy = await leasing(len(facilities) - share + i)
        answered[tenancy] = time.monotonic()

    for r in range(rounds):
        first = r * share
        rate = await timed(cpu, share, args.concurrency, lambda i, first=first: lease(first + i))
        bare_rate = await timed(
            bare.cpu, share, args.concurrency, lambda i, first=first: bare.lease(first + i)
        )
        ratios.append(rate / bare_rate)
        print(f"  round {r + 1}: registry {rate:.1f}/s, bare {bare_rate:.1f}/s", flush=True)
    writes = share * rounds
    async with Events(bootstrap) as events:
        await gather_limited(share, args.concurrency, watched)
        await events.wait_for(set(answered))
    to_kafka = events.delays(answered)
    print()
    print(
        f"tenancy writes            {writes:>8}   (concurrency {args.concurrency}, {rounds} rounds)"
    )
    print(f"latency p50 / p99         {ms(latencies, 0.5, 0.99):>17} ms")
    print(f"CPU ms per write          {cpu.per_write(writes)}")
    print(f"mean latency              {statistics.mean(latencies) * 1000:>8.1f} ms")
    print(
        f"response -> Kafka p50/p99 {ms(to_kafka, 0.5, 0.99):>17} ms   "
        f"({len(to_kafka)} of {share} seen, in a watched round after the timed ones)"
    )
    print(f"bare endpoint CPU ms per write  {bare.cpu.per_write(writes)}")
    # The client is one process: at its CPU per write, one core sends this many writes a
    # second at most, and the bare endpoint, which costs less than the client, answers nearly
    # as many: its rate, and so the ratio below, is bounded by this client as well.
    ceiling = writes / bare.cpu.used["bench client"]
    print(f"bench client ceiling      {ceiling:>8.0f}/s  (one core at its CPU per bare write)")
    each = ", ".join(f"{ratio:.2f}" for ratio in ratios)
    print(f"registry / bare           {statistics.median(ratios):>8.2f}   (median; rounds {each})")


async def watch_projection(
    dsn: str, awaited: dict[str, str], shown: dict[str, float], stop: asyncio.Event
) -> None:
    """Every POLL_S, which awaited facilities' tenancies the reporting database holds:
    `awaited` maps facility to tenancy (a facility is awaited from when its lease is sent, so
    a row that is there before the answer counts as there at the answer)."""
    connection = await asyncpg.connect(dsn)
    try:
        while not stop.is_set() or awaited:
            if awaited:
                rows = await connection.fetch(
                    "SELECT facility_id FROM tenancies WHERE facility_id = any($1::text[])",
                    list(awaited),
                )
                now = time.monotonic()
                for row in rows:
                    shown[row["facility_id"]] = now
                    awaited.pop(row["facility_id"], None)
            await asyncio.sleep(POLL_S)
    finally:
        await connection.close()


async def projected(
    bench: Bench,
    reporting_dsn: str,
    bootstrap: str,
    clusters: list[str],
    facilities: list[str],
    rate: float,
) -> None:
    """Leases sent at `rate` a second, on schedule: prints how soon the reporting service's
    projection, and Kafka, had each after its answer."""
    answered: dict[str, float] = {}
    tenancy_of: dict[str, str] = {}
    latencies: list[float] = []
    awaited: dict[str, str] = {}
    shown: dict[str, float] = {}
    failures: list[BaseException] = []
    stop = asyncio.Event()
    poller = asyncio.create_task(watch_projection(reporting_dsn, awaited, shown, stop))

    async def lease(i: int) -> None:
        facility = facilities[i]
        awaited[facility] = ""
        start = time.monotonic()
        try:
            tenancy = await bench.lease(clusters[i % len(clusters)], facility)
        except (RuntimeError, httpx.HTTPError) as exc:
            awaited.pop(facility, None)
            failures.append(exc)
            return
        answered[facility] = time.monotonic()
        tenancy_of[facility] = tenancy
        latencies.append(answered[facility] - start)

    async with Events(bootstrap) as events:
        started = time.monotonic()
        sends = []
        for i in range(len(facilities)):
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            sends.append(asyncio.create_task(lease(i)))
        await asyncio.gather(*sends)
        elapsed = time.monotonic() - started
        await events.wait_for(set(tenancy_of.values()))
        deadline = time.monotonic() + 60
        while awaited and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        stop.set()
        awaited.clear()
        await poller
    to_projection = [max(0.0, shown[f] - answered[f]) for f in answered if f in shown]
    to_kafka = events.delays({tenancy_of[f]: t for f, t in answered.items()})
    print()
    print(
        f"tenancy writes at {rate:.0f}/s    {len(facilities):>8}   (sent in {elapsed:.1f} s, "
        f"{len(failures)} failed)"
    )
    print(f"latency p50 / p99         {ms(latencies, 0.5, 0.99):>17} ms")
    print(
        f"response -> Kafka         {ms(to_kafka, 0.5, 0.95, 0.99):>25} ms (p50/p95/p99, "
        f"{len(to_kafka)} seen)"
    )
    print(
        f"response -> projection    {ms(to_projection, 0.5, 0.95, 0.99):>25} ms (p50/p95/p99, "
        f"{len(to_projection)} of {len(facilities)} measured)"
    )


async def caught_up(
    reporting_dsn: str, bootstrap: str, tenancies: int, timeout_s: float = 120
) -> None:
    """Wait until the reporting database holds `tenancies` tenancies and the reporting service
    has read every event on its topics: the clusters, enterprises and facilities prepared too,
    which it reads after the tenancies' count is reached as often as before."""
    connection = await asyncpg.connect(reporting_dsn)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(asyncpg.UndefinedTableError):
                count = await connection.fetchval("SELECT count(*) FROM tenancies")
                if count >= tenancies and not await unread(bootstrap, reporting_service):
                    return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the reporting service did not catch up in {timeout_s:.0f} s")
    finally:
        await connection.close()


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


async def registry_phases(
    port: int,
    env: dict[str, str],
    reporting_dsn: str,
    args: argparse.Namespace,
    pids: dict[str, int],
    bare: Bare,
) -> None:
    """Both phases against the registry listening on `port`, the first beside `bare`."""
    bootstrap = env["CCN_KAFKA_BOOTSTRAP_SERVERS"]
    paced = round(args.rate * args.seconds)
    # leases in the timed rounds and in the watched one after them
    measured = (args.rounds + 1) * (args.tenancies // args.rounds)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        bench = Bench(client)
        clusters, facilities = await prepare(
            bench, max(1, args.tenancies // 50), measured + paced, args.concurrency
        )
        await measure(bench, bare, bootstrap, pids, clusters, facilities[:measured], args)
        if not paced:
            return
        print("\nstarting the reporting service", flush=True)
        reporting_port = free_port()
        reporting = await asyncio.to_thread(
            serve,
            ["shared.cli", "serve", "reporting"],
            {**env, "CCN_DATABASE_URL": reporting_dsn},
            reporting_port,
            "/readyz",
        )
        try:
            plain_dsn = reporting_dsn.replace("postgresql+asyncpg", "postgresql")
            await caught_up(plain_dsn, bootstrap, measured)
            print("  it has caught up", flush=True)
            await projected(bench, plain_dsn, bootstrap, clusters, facilities[measured:], args.rate)
        finally:
            reporting.terminate()
            await asyncio.to_thread(reporting.wait, 30)


def main(args: argparse.Namespace) -> None:
    with throwaway_servers("bench") as (broker, pg):
        env = {
            **os.environ,
            "CCN_DATABASE_URL": pg.url(pg.create_database()),
            "CCN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CCN_JWT_SECRET": SECRET,
            "CCN_LOG_LEVEL": "WARNING",
            "CCN_OUTBOX_POLL_INTERVAL_S": "0.05",
        }
        reporting_dsn = pg.url(pg.create_database())
        servers = {
            "PostgreSQL": int((pg.data_dir / "cluster" / "postmaster.pid").read_text().split()[0]),
            "Kafka": int((broker.data_dir / "kafka.pid").read_text()),
        }
        with (
            started(["shared.cli", "serve", "registry"], env, "/readyz") as (port, registry),
            started(
                [
                    "uvicorn",
                    "bench.bare_write_app:app",
                    "--log-level",
                    "warning",
                    # on the same event loop and HTTP parser as the services (`ccn serve`)
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                ],
                {**os.environ, "BARE_DSN": pg.url(pg.create_database()).replace("+asyncpg", "")},
                "/docs",
            ) as (bare_port, bare_server),
        ):

            async def phases() -> None:
                bare_pids = {"bare endpoint": bare_server.pid, "PostgreSQL": servers["PostgreSQL"]}
                bare = Bare(f"http://127.0.0.1:{bare_port}", bare_pids)
                async with bare.client:
                    pids = {"registry": registry.pid, **servers}
                    await registry_phases(port, env, reporting_dsn, args, pids, bare)

            asyncio.run(phases())


@contextlib.contextmanager
def started(
    command: list[str], env: dict[str, str], ready: str
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """The server `command` on a free port, stopped when the block ends."""
    print(f"starting {' '.join(command)}", flush=True)
    port = free_port()
    server = serve(command, {**env, "PYTHONPATH": str(ROOT)}, port, ready)
    try:
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenancies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="of registry and bare writes")
    parser.add_argument("--rate", type=float, default=200, help="leases a second, second phase")
    parser.add_argument("--seconds", type=float, default=10, help="how long; 0: no second phase")
    main(parser.parse_args())
