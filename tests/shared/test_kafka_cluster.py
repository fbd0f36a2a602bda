"""A three-node KRaft cluster as `ccn infra up --brokers 3` runs it: topics replicated three
times with two in sync, and a transactional producer that loses no acknowledged record while
a node is SIGKILLed and started again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from shared.kafka import DEFAULT_PARTITIONS, dlq_topic, ensure_topics, new_producer, topic_offsets
from shared.localinfra import KafkaBroker, KafkaCluster, free_ports_from
from shared.relay_progress import PROGRESS_CONFIG
from shared.throwaway import clean_up, throwaway_dir

pytestmark = pytest.mark.slow

BROKERS = 3


@dataclass
class Ccn:
    """The `ccn` command with its local infrastructure in a directory of the test's own."""

    var_dir: Path
    first_port: int

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CCN_VAR_DIR": str(self.var_dir), "KAFKA_PORT": str(self.first_port)}
        return subprocess.run(
            [sys.executable, "-m", "shared.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    @property
    def cluster(self) -> KafkaCluster:
        """The nodes `ccn infra up --brokers 3` runs, to stop, kill and start one by one."""
        return KafkaCluster.from_port(self.var_dir / "kafka-cluster", self.first_port, BROKERS)


@pytest.fixture(scope="module")
def ccn() -> Iterator[Ccn]:
    """`ccn infra up --brokers 3`; every node stopped and the directory removed afterwards,
    whatever the tests did."""
    root = throwaway_dir("cluster")
    command = Ccn(root, free_ports_from(2 * BROKERS))
    try:
        started = command("infra", "up", "--brokers", str(BROKERS), "--no-postgres")
        assert started.returncode == 0, started.stdout + started.stderr
        yield command
    finally:
        clean_up(root)


@pytest.fixture
def cluster(ccn: Ccn) -> KafkaCluster:
    """The cluster with every node running (a test may have stopped one)."""
    cluster = ccn.cluster
    cluster.start()
    return cluster


def test_ccn_infra_status_reports_every_node_and_the_bootstrap(
    ccn: Ccn, cluster: KafkaCluster
) -> None:
    result = ccn("infra", "status")

    assert result.stdout.count("kafka: running") == BROKERS, result.stdout + result.stderr
    assert f"kafka: bootstrap {cluster.bootstrap}" in result.stdout
    assert cluster.bootstrap.count(",") == BROKERS - 1
    assert result.returncode == 3, "PostgreSQL is not running: status says so"


async def test_topics_are_replicated_three_times_and_need_two_in_sync(
    cluster: KafkaCluster,
) -> None:
    topic = f"ccn.test.cluster{uuid.uuid4().hex[:8]}"
    progress = f"ccn.test{uuid.uuid4().hex[:8]}.outbox-progress"
    await ensure_topics(cluster.bootstrap, [topic])
    await ensure_topics(
        cluster.bootstrap, [progress], partitions=1, with_dlq=False, config=PROGRESS_CONFIG
    )

    described = await _describe(cluster.bootstrap, [topic, dlq_topic(topic), progress])

    for name, (replicas, config) in described.items():
        assert replicas == {BROKERS}, f"{name}: replicas per partition {replicas}"
        assert config["min.insync.replicas"] == "2", name
    assert described[topic][1]["retention.ms"] == "-1"
    assert described[progress][1]["cleanup.policy"] == "compact"


async def test_no_acknowledged_record_is_lost_while_a_node_is_killed_and_restarted(
    cluster: KafkaCluster,
) -> None:
    topic = f"ccn.test.cluster{uuid.uuid4().hex[:8]}"
    await ensure_topics(cluster.bootstrap, [topic], with_dlq=False)
    writer = Writer(cluster.bootstrap, topic)
    writing = asyncio.create_task(writer.run())
    try:
        await writer.acknowledges(200, within_s=60)
        victim = await _transaction_coordinator(cluster)
        _say(f"SIGKILL node {victim.node_id}, the transaction coordinator")
        await asyncio.to_thread(victim.kill)
        await writer.acknowledges(300, within_s=90)
        created_meanwhile = await _created_while_a_node_is_away(cluster.bootstrap)
        _say(f"start node {victim.node_id} again")
        await asyncio.to_thread(victim.start)
        await writer.acknowledges(200, within_s=60)
        await _fully_replicated(cluster.bootstrap, [topic, created_meanwhile], within_s=60)
    finally:
        writer.stopping.set()
        await writing

    read = Counter(await _read_committed(cluster.bootstrap, topic))
    lost = [value for value in writer.acknowledged if value not in read]
    repeated = [value for value, times in read.items() if times > 1]
    _say(
        f"acknowledged {len(writer.acknowledged)}, read {sum(read.values())}, "
        f"failed transactions {len(writer.failures)}: {sorted(set(writer.failures))}"
    )
    assert not lost, f"{len(lost)} acknowledged records lost, e.g. {lost[:5]}"
    assert not repeated, f"{len(repeated)} records read more than once, e.g. {repeated[:5]}"


def test_ccn_infra_down_stops_every_node(ccn: Ccn, cluster: KafkaCluster) -> None:
    result = ccn("infra", "down", "--no-postgres")

    assert result.returncode == 0, result.stdout + result.stderr
    assert not any(member.running for member in cluster.members)


@dataclass
class Writer:
    """Transactions of ten records each, one after another; the values of the committed ones
    are remembered in order. A transaction that fails is given up (its records may or may not
    be readable) and the producer replaced by a new one of the same id, which fences it."""

    bootstrap: str
    topic: str
    acknowledged: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        producer, n = await self._started(), 0
        while not self.stopping.is_set():
            batch = [str(n + i) for i in range(10)]
            n += len(batch)
            try:
                async with asyncio.timeout(30):
                    await self._send(producer, batch)
                self.acknowledged.extend(batch)
            except (KafkaError, TimeoutError) as exc:
                self.failures.append(type(exc).__name__)
                await producer.stop()
                producer = await self._started()
        await producer.stop()

    async def _send(self, producer: AIOKafkaProducer, batch: list[str]) -> None:
        async with producer.transaction():
            sent = [
                await producer.send(self.topic, key=v.encode(), value=v.encode()) for v in batch
            ]
            await asyncio.gather(*sent)

    async def _started(self) -> AIOKafkaProducer:
        while True:
            producer = new_producer(self.bootstrap, transactional_id=f"{self.topic}-writer")
            try:
                await producer.start()
                return producer
            except KafkaError as exc:
                self.failures.append(type(exc).__name__)
                await producer.stop()
                await asyncio.sleep(0.5)

    async def acknowledges(self, more: int, *, within_s: float) -> None:
        """Return once `more` records beyond those acknowledged so far are."""
        goal, deadline = len(self.acknowledged) + more, time.monotonic() + within_s
        while len(self.acknowledged) < goal:
            assert time.monotonic() < deadline, (
                f"only {len(self.acknowledged)} of {goal} records acknowledged in {within_s:.0f} s;"
                f" failures: {self.failures[-5:]}"
            )
            await asyncio.sleep(0.2)


async def _transaction_coordinator(cluster: KafkaCluster) -> KafkaBroker:
    """The node leading the transaction state (one partition): every transaction's coordinator."""
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    await admin.start()
    try:
        (state,) = await admin.describe_topics(["__transaction_state"])
        leader = state["partitions"][0]["leader"]
    finally:
        await admin.close()
    return next(m for m in cluster.members if m.node_id == leader)


async def _created_while_a_node_is_away(bootstrap: str, within_s: float = 60) -> str:
    """Once the cluster has fenced the killed node, a new topic still gets three replicas, one on
    the node that is away (it catches up when it returns), not two for good."""
    deadline = time.monotonic() + within_s
    while await _brokers_counted(bootstrap) == BROKERS:
        assert time.monotonic() < deadline, "the killed node is still counted"
        await asyncio.sleep(0.5)
    topic = f"ccn.test.away{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], with_dlq=False)
    replicas, config = (await _describe(bootstrap, [topic]))[topic]
    assert replicas == {BROKERS}
    assert config["min.insync.replicas"] == "2"
    return topic


async def _brokers_counted(bootstrap: str) -> int | None:
    """How many brokers the cluster's metadata lists (None: the node asked did not answer)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        return len((await admin.describe_cluster())["brokers"])
    except KafkaError:
        return None
    finally:
        await admin.close()


async def _describe(
    bootstrap: str, topics: list[str]
) -> dict[str, tuple[set[int], dict[str, str]]]:
    """Each topic's replica counts (one per partition) and its configuration."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        replicas: dict[str, set[int]] = {}
        for _ in range(50):  # a node may learn of a new topic a moment after the controller
            described = await admin.describe_topics(topics)
            replicas = {
                t["topic"]: {len(p["replicas"]) for p in t["partitions"]} for t in described
            }
            if all(replicas.get(t) for t in topics):
                break
            await asyncio.sleep(0.1)
        configs: dict[str, dict[str, str]] = {}
        for _ in range(50):  # and the node asked for configurations may be that one
            responses = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
            )
            configs = {
                resource["resource_name"]: {
                    entry["config_names"]: entry["config_value"]
                    for entry in resource["config_entries"]
                }
                for response in responses
                for resource in response.to_object()["resources"]
                if resource["error_code"] == 0
            }
            if all(configs.get(t) for t in topics):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    return {t: (replicas[t], configs[t]) for t in topics}


async def _fully_replicated(bootstrap: str, topics: list[str], *, within_s: float) -> None:
    """Wait until every replica of the topics is in sync again (the restarted node caught up)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + within_s
        while True:
            described = await admin.describe_topics(topics)
            isr = [len(p["isr"]) for t in described for p in t["partitions"]]
            if len(isr) == DEFAULT_PARTITIONS * len(topics) and all(n == BROKERS for n in isr):
                return
            assert time.monotonic() < deadline, f"in-sync replicas per partition: {isr}"
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def _read_committed(bootstrap: str, topic: str, timeout_s: float = 60) -> list[str]:
    """Every value of the topic's committed transactions, up to the end of each partition."""
    _, ends = await topic_offsets(bootstrap, [topic])
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await reader.start()
    try:
        reader.assign(list(ends))
        await reader.seek_to_beginning(*ends)
        values: list[str] = []
        deadline = time.monotonic() + timeout_s
        while not await _at_end(reader, ends):
            assert time.monotonic() < deadline, f"{topic} not read to its end in {timeout_s} s"
            for records in (await reader.getmany(timeout_ms=500)).values():
                values.extend(r.value.decode() for r in records)
        return values
    finally:
        await reader.stop()


async def _at_end(reader: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    return all([await reader.position(tp) >= end for tp, end in ends.items()])


def _say(what: str) -> None:
    print(f"  {what}", flush=True)
