"""What the fault suites share: services as processes that can be killed and started again, a
client that retries a write until it knows its outcome, the topics read back in full, and a
real Prometheus scraping the services."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yaml
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from shared.localinfra import REPO_ROOT, free_port, require, wait_until_ready
from tests.kafka_tools import wait_until

RULES = REPO_ROOT / "deploy" / "prometheus" / "rules.yml"


@dataclass
class Served:
    """`ccn serve <name>` as a process on a fixed port, to kill and start again."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "serve", self.name, "--port", str(self.port)],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, [self.process], timeout_s=90)

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


def say(started: float, what: str) -> None:
    print(f"  {time.monotonic() - started:5.1f} s  {what}", flush=True)


@dataclass
class Outcomes:
    """How a load's requests were answered: attempts by status (or by the error that left
    the outcome unknown)."""

    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, what: str) -> None:
        self.attempts[what] += 1


class Unwilling(AssertionError):
    """A write was refused for good (a 4xx other than a retryable one): the load is wrong."""


async def settled(
    client: httpx.AsyncClient,
    path: str,
    body: dict[str, Any],
    outcomes: Outcomes,
    *,
    retry: frozenset[int] = frozenset({429, 503}),
    give_up_after_s: float = 120,
) -> dict[str, Any]:
    """POST `body` with one Idempotency-Key until the service answers for sure, as a careful
    client does: a lost connection, a 503 or a 429 (or another status in `retry`) is retried
    with the same key, so a write the service committed before its answer was lost is answered
    from the first time, never done twice."""
    key = str(uuid.uuid4())
    deadline = time.monotonic() + give_up_after_s
    pause = 0.05
    while True:
        try:
            response = await client.post(
                path, json=body, headers={"Idempotency-Key": key}, timeout=10
            )
            outcomes.count(str(response.status_code))
            if response.status_code < 300:
                result: dict[str, Any] = response.json()
                return result
            if response.status_code not in retry:
                raise Unwilling(f"POST {path} answered {response.status_code}: {response.text}")
        except httpx.HTTPError as exc:
            outcomes.count(type(exc).__name__)
        if time.monotonic() > deadline:
            raise AssertionError(f"POST {path} had no certain answer in {give_up_after_s:.0f} s")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


async def read_topics(bootstrap: str, topics: list[str]) -> dict[str, list[ConsumerRecord]]:
    """Every committed record of the topics, from the beginning to their end as it is now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(await _partitions(consumer, topic))
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        records: dict[str, list[ConsumerRecord]] = defaultdict(list)
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            for tp, batch in (await consumer.getmany(timeout_ms=500)).items():
                records[tp.topic].extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return set(partitions)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.2)
    raise AssertionError(f"topic {topic} has no partitions")


def header(record: ConsumerRecord, name: str) -> str:
    return bytes(dict(record.headers)[name]).decode()


def is_event(record: ConsumerRecord) -> bool:
    """Whether a record carries an event's id (a misbehaving producer's may not)."""
    return "ce_id" in dict(record.headers)


def repeated_ids(records: list[ConsumerRecord]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for record in records:
        event_id = header(record, "ce_id")
        if event_id in seen:
            repeated.append(event_id)
        seen.add(event_id)
    return repeated


def out_of_order_keys(records: list[ConsumerRecord]) -> list[bytes]:
    """Keys whose events do not follow one another in the order they happened (`ce_time`,
    offsets within the key's partition)."""
    last: dict[bytes, str] = {}
    wrong = []
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        happened = header(record, "ce_time")
        if record.key in last and happened < last[record.key]:
            wrong.append(record.key)
        last[record.key] = happened
    return wrong


def data_of(record: ConsumerRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record.value)
    return data


@dataclass
class Placements:
    """Where each event sits (topic partition, offset), learned by following the topics."""

    bootstrap: str
    topics: list[str]
    where: dict[str, tuple[TopicPartition, int]] = field(default_factory=dict)

    async def follow(self, stopping: asyncio.Event) -> None:
        """Read the topics until `stopping`; a reader that fails (a topic not created yet, a
        broker away) starts again from the beginning."""
        while not stopping.is_set():
            try:
                await self._read(stopping)
            except KafkaError:
                await asyncio.sleep(0.5)

    async def _read(self, stopping: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            while not stopping.is_set():
                for tp, batch in (await consumer.getmany(timeout_ms=200)).items():
                    for record in filter(is_event, batch):
                        self.where[header(record, "ce_id")] = (tp, record.offset)
        finally:
            await consumer.stop()

    async def of(self, event_ids: list[str], timeout_s: float = 3) -> dict[str, tuple]:
        """Where the events are, waiting a little for those not read yet."""

        async def read() -> bool:
            return all(i in self.where for i in event_ids)

        await wait_until(read, timeout_s=timeout_s, every_s=0.05)
        return {i: self.where[i] for i in event_ids if i in self.where}


async def kill_between_commits(
    served: Served,
    database_url: str,
    groups: list[str],
    placements: Placements,
    *,
    timeout_s: float = 90,
) -> tuple[int, int]:
    """SIGKILL a consuming service at a moment its database has applied events whose offsets
    its consumer groups have not committed yet: the service is paused (SIGSTOP) at random
    moments and looked at until it is caught there. The tries it took, and how many applied
    events were not yet committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=placements.bootstrap)
    await admin.start()
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    deadline, tries = time.monotonic() + timeout_s, 0
    try:
        while time.monotonic() < deadline:
            tries += 1
            os.kill(served.pid, signal.SIGSTOP)
            try:
                pending = await _applied_uncommitted(connection, admin, groups, placements)
                if pending:
                    served.kill()
                    return tries, pending
            finally:
                if served.process is not None and served.process.poll() is None:
                    os.kill(served.pid, signal.SIGCONT)
            await asyncio.sleep(random.uniform(0, 0.03))
    finally:
        await connection.close()
        await admin.close()
    raise AssertionError(f"{served.name} was never caught between its commits in {tries} tries")


async def _applied_uncommitted(
    connection: asyncpg.Connection,
    admin: AIOKafkaAdminClient,
    groups: list[str],
    placements: Placements,
) -> int:
    since = datetime.now(UTC) - timedelta(seconds=10)
    rows = await connection.fetch("SELECT event_id FROM inbox WHERE processed_at > $1", since)
    committed: dict[TopicPartition, int] = {}
    for group in groups:
        with contextlib.suppress(KafkaError):  # a group with nothing committed yet
            offsets = await admin.list_consumer_group_offsets(group)
            committed.update({tp: meta.offset for tp, meta in offsets.items()})
    placed = await placements.of([row["event_id"] for row in rows])
    return sum(1 for tp, offset in placed.values() if offset >= committed.get(tp, 0))


# --- Prometheus --------------------------------------------------------------------------------


def compressed_rules(factor: int) -> dict[str, Any]:
    """deploy/prometheus/rules.yml with time running `factor` times faster: each rule's `for`,
    each range (`[10m]`) and offset, and each threshold on an age or a staleness in seconds
    divided by it, so an outage of seconds shows what one of minutes would."""
    rules: dict[str, Any] = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = f"{max(1, _seconds(rule['for']) // factor)}s"
            expr = re.sub(
                r"(\[|offset )(\d+[smh])",
                lambda m: f"{m[1]}{max(1, _seconds(m[2]) // factor)}s",
                rule["expr"],
            )
            rule["expr"] = re.sub(
                r"(_(?:age|staleness)_seconds\s*>\s*)(\d+)",
                lambda m: f"{m[1]}{max(1, int(m[2]) // factor)}",
                expr,
            )
    return rules


def _seconds(duration: str) -> int:
    number, unit = int(duration[:-1]), duration[-1]
    return number * {"s": 1, "m": 60, "h": 3600}[unit]


@dataclass
class Prometheus:
    """Debian's Prometheus scraping the services every second with the platform's alert rules
    (time compressed by `factor`)."""

    directory: Path
    targets: list[str]
    factor: int = 60
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        require("prometheus", "install Prometheus (Debian: apt-get install prometheus)")
        self.directory.mkdir(parents=True, exist_ok=True)
        rules = self.directory / "rules.yml"
        rules.write_text(yaml.safe_dump(compressed_rules(self.factor)))
        config = self.directory / "prometheus.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(rules)],
                    "scrape_configs": [
                        {
                            "job_name": "ccn-platform",
                            "scrape_timeout": "900ms",
                            "static_configs": [{"targets": self.targets}],
                        }
                    ],
                }
            )
        )
        with (self.directory / "prometheus.log").open("ab") as output:
            self.process = subprocess.Popen(
                [
                    "prometheus",
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, [self.process], timeout_s=30, path="/-/ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    async def fired_since(self, since: float) -> set[str]:
        """The alerts that were firing at some moment since `since` (a Unix time)."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.get(
                "/api/v1/query_range",
                params={
                    "query": 'ALERTS{alertstate="firing"}',
                    "start": since,
                    "end": time.time(),
                    "step": "1s",
                },
            )
        response.raise_for_status()
        return {series["metric"]["alertname"] for series in response.json()["data"]["result"]}

    async def firing(self) -> set[str]:
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.get("/api/v1/alerts")
        response.raise_for_status()
        return {
            alert["labels"]["alertname"]
            for alert in response.json()["data"]["alerts"]
            if alert["state"] == "firing"
        }

    async def until_resolved(self, alerts: set[str], timeout_s: float = 90) -> set[str]:
        """Wait until none of `alerts` fires; those still firing when time runs out."""

        async def resolved() -> bool:
            return not await self.firing() & alerts

        await wait_until(resolved, timeout_s=timeout_s, every_s=1)
        return await self.firing() & alerts


def environ(**settings: str) -> dict[str, str]:
    return {**os.environ, **settings}
