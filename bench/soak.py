"""A soak: the four services, each its own process on PostgreSQL, under a steady load of writes.

    .venv/bin/python bench/soak.py [--minutes 10] [--writes-per-s 200] [--every 10]

Starts a throwaway Kafka broker and PostgreSQL, serves the four services, and writes through
three of them for the whole run (infrastructure reports, inspections that find a violation,
khuyến công projects taken to approval; the reporting service reads all of it), each write
retried with its Idempotency-Key until answered. Every `--every` seconds it samples each
service's memory (resident set), the outbox backlog and the consumer lag from /metrics, and
prints a line; at the end, each curve's first sample after the warm-up minute, its last, and
its largest, so a leak or a growing backlog shows as an end far above the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.harness import Served
from tests.faults.load import WRITES_PER_LANE_S, Load, client_of, platform, registered

WARM_UP_S = 60


@dataclass
class Sample:
    at: float
    answered: int
    rss_mib: dict[str, float]
    backlog: int
    lag: int


@dataclass
class Curves:
    samples: list[Sample] = field(default_factory=list)

    def line(self, sample: Sample) -> str:
        previous = self.samples[-2] if len(self.samples) > 1 else None
        rate = (
            (sample.answered - previous.answered) / (sample.at - previous.at) if previous else 0.0
        )
        memory = " ".join(f"{name} {mib:5.0f}" for name, mib in sample.rss_mib.items())
        return (
            f"  {sample.at:6.0f} s  {rate:6.1f} writes/s  RSS MiB: {memory}  "
            f"outbox backlog {sample.backlog:5d}  consumer lag {sample.lag:5d}"
        )

    def summary(self) -> None:
        settled = [s for s in self.samples if s.at >= WARM_UP_S] or self.samples
        first, last = settled[0], settled[-1]
        rate = (last.answered - first.answered) / max(last.at - first.at, 1e-9)
        print(f"\nfrom {first.at:.0f} s to {last.at:.0f} s: {rate:.1f} writes/s answered")
        for name in first.rss_mib:
            self._curve(f"{name} RSS MiB", settled, functools.partial(_rss_of, name))
        self._curve("outbox backlog (all services)", settled, lambda s: s.backlog)
        self._curve("consumer lag (all services)", settled, lambda s: s.lag)

    @staticmethod
    def _curve(label: str, samples: list[Sample], value: Callable[[Sample], float]) -> None:
        start, end, top = value(samples[0]), value(samples[-1]), max(map(value, samples))
        print(f"  {label:32s} start {start:8.1f}  end {end:8.1f}  largest {top:8.1f}")


def _rss_of(name: str, sample: Sample) -> float:
    return sample.rss_mib[name]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


async def sample(
    client: httpx.AsyncClient, services: dict[str, Served], load: Load, at: float
) -> Sample:
    backlog = lag = 0
    for served in services.values():
        for line in (await client.get(f"{served.url}/metrics")).text.splitlines():
            if line.startswith("ccn_outbox_backlog{"):
                backlog += int(float(line.split()[-1]))
            elif line.startswith("ccn_consumer_lag{"):
                lag += int(float(line.split()[-1]))
    answered = sum(n for status, n in load.outcomes.attempts.items() if status.startswith("2"))
    memory = {name: rss_mib(served.pid) for name, served in services.items()}
    return Sample(at, answered, memory, backlog, lag)


@contextlib.contextmanager
def kept_if_failing(logs: Path) -> Iterator[Path]:
    """The services' logs: removed after a soak that ends well, kept after one that fails."""
    try:
        yield logs
    except BaseException:
        print(f"the services' logs are kept in {logs}", flush=True)
        raise
    shutil.rmtree(logs, ignore_errors=True)


async def soak(minutes: float, writes_per_s: float, every_s: float) -> None:
    # Lanes at half their pace: a lane waits for each answer (and catches up after a late
    # one), so twice the lanes keep twice the writes in flight, over twice the clusters.
    lanes = max(1, math.ceil(2 * writes_per_s / WRITES_PER_LANE_S))
    pace = writes_per_s / (lanes * WRITES_PER_LANE_S)
    with (
        kept_if_failing(Path(tempfile.mkdtemp(prefix="ccn-soak-"))) as logs,
        platform(logs, "soak") as (broker, _pg, services),
    ):
        print(f"starting the four services (logs in {logs})", flush=True)
        await asyncio.gather(*(asyncio.to_thread(s.start) for s in services.values()))
        clients = {name: client_of(served) for name, served in services.items()}
        versions, facilities = await registered(
            clients, broker.bootstrap, clusters=4 * lanes, facilities=16
        )
        load = Load(
            clients["registry"], clients["environment"], clients["promotion"], versions, facilities
        )
        print(
            f"writing {writes_per_s:g} writes/s in {lanes} lanes for {minutes:g} min;"
            f" a line every {every_s:g} s",
            flush=True,
        )
        curves, started = Curves(), time.monotonic()
        writing = asyncio.create_task(load.run(lanes, pace))
        async with httpx.AsyncClient(timeout=10) as client:
            while (elapsed := time.monotonic() - started) < minutes * 60:
                curves.samples.append(await sample(client, services, load, elapsed))
                print(curves.line(curves.samples[-1]), flush=True)
                await asyncio.sleep(every_s)
        load.stopping.set()
        await writing
        for each in clients.values():
            await each.aclose()
        curves.summary()
        print(f"answers: {dict(sorted(load.outcomes.attempts.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--writes-per-s", type=float, default=200)
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    args = parser.parse_args()
    asyncio.run(soak(args.minutes, args.writes_per_s, args.every))


if __name__ == "__main__":
    main()
