"""Kafka clients configured the platform's way: idempotent producers, manual-commit consumers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

log = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 3
# Events are the record that projections are rebuilt from: never expire them.
EVENT_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1"}
MAX_REPLICATION_FACTOR = 3


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def new_producer(
    bootstrap_servers: str, *, client_id: str = "ccn", transactional_id: str | None = None
) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas: no loss, no reordering.
    With a `transactional_id`, its sends are seen by committed-only readers only when its
    transaction commits, and a newer producer of the same id fences it."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        transactional_id=transactional_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


def new_consumer(
    bootstrap_servers: str,
    *topics: str,
    group_id: str,
    client_id: str = "ccn",
    max_poll_records: int = 200,
    instance_id: str | None = None,
) -> AIOKafkaConsumer:
    """A group consumer that commits offsets only when told to (after the DB commit). With an
    `instance_id` it is a static member of its group: when its process restarts within the
    session timeout it gets its partitions back without a rebalance, and a clean stop does not
    leave the group (its partitions wait for it, or for the session timeout)."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        group_instance_id=instance_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_poll_records,
        # A read-committed fetch that finds nothing committed yet waits on the broker this long
        # at most (the default 500 ms): what a transaction commits meanwhile reaches the
        # projections within 100 ms, for ten idle fetches a second per partition's broker.
        fetch_max_wait_ms=100,
        max_poll_interval_ms=300_000,
        session_timeout_ms=30_000,
        heartbeat_interval_ms=3_000,
        # Members share the partitions of all the group's topics in turn: by ranges, one of two
        # members took two of each topic's three partitions, and did two thirds of a rebuild.
        # One strategy only: aiokafka sends a JoinGroup for each strategy it lists, the second
        # with a list the first lacked, and two members joining at once made the broker
        # rebalance their group again at each other's second JoinGroup, without end.
        partition_assignment_strategy=(RoundRobinPartitionAssignor,),
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = DEFAULT_PARTITIONS,
    with_dlq: bool = True,
    config: dict[str, str] | None = None,
    replication_factor: int | None = None,
) -> None:
    """Create the event topics (and their DLQs) that do not exist yet, with unlimited retention
    (or the `config` given), replicated as the cluster allows (see `cluster_replication_factor`)
    unless `replication_factor` says otherwise."""
    names = sorted(
        {t for topic in topics for t in ([topic, dlq_topic(topic)] if with_dlq else [topic])}
    )
    if not names:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="ccn-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if not missing:
            return
        factor = replication_factor or await cluster_replication_factor(admin)
        topic_config = {
            **durability_config(factor),
            **(EVENT_TOPIC_CONFIG if config is None else config),
        }
        new = [
            NewTopic(
                name=n,
                num_partitions=partitions,
                replication_factor=factor,
                topic_configs=topic_config,
            )
            for n in missing
        ]
        response = await admin.create_topics(new)
        for name, code, *_ in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                reason = for_code(code).__name__
                raise RuntimeError(f"could not create topic {name}: {reason} (error code {code})")
        await _until_led(admin, missing)
        log.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


def durability_config(replication_factor: int) -> dict[str, str]:
    """A write is acknowledged once two replicas have it when there are three: one broker can
    die without losing it, and the partition still takes writes while one is away."""
    return {"min.insync.replicas": "2" if replication_factor >= 3 else "1"}


async def cluster_replication_factor(admin: AIOKafkaAdminClient) -> int:
    """Three replicas, or one per broker when the cluster has fewer. A broker that is away
    still counts if the cluster's `default.replication.factor` expects it: a topic created
    while it is away gets a replica on it, which catches up when it returns, instead of
    staying a replica short for good."""
    brokers = [broker["node_id"] for broker in (await admin.describe_cluster())["brokers"]]
    expected = await _default_replication_factor(admin, brokers[0])
    return min(MAX_REPLICATION_FACTOR, max(len(brokers), expected))


async def _default_replication_factor(admin: AIOKafkaAdminClient, broker: int) -> int:
    """The broker's `default.replication.factor` (0 if it does not say, e.g. not allowed to)."""
    name = "default.replication.factor"
    described = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.BROKER, str(broker), {name: None})]
    )
    for response in described:
        for resource in response.to_object()["resources"]:
            for entry in resource["config_entries"] if resource["error_code"] == 0 else ():
                if entry["config_names"] == name and entry["config_value"]:
                    return int(entry["config_value"])
    return 0


async def _until_led(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float = 30) -> None:
    """Wait until every partition of the new topics has a leader: a producer that sends to one
    before would wait for it until its request times out (and a transaction would abort)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        described = await admin.describe_topics(names)
        if all(
            topic["error_code"] == 0
            and topic["partitions"]
            and all(p["leader"] >= 0 for p in topic["partitions"])
            for topic in described
        ):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topics {', '.join(names)} have no leader after {timeout_s:.0f} s")


class TopicsKeeper:
    """A service's topics, created once the broker answers: a service starts and takes writes
    while Kafka is away, and its relay and consumers start when the topics exist."""

    def __init__(self, bootstrap_servers: str, topics: Iterable[str]) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = list(topics)
        self.missing: str | None = "not created yet"
        """What stands between the service and its topics (None: they exist)."""

    async def keep(self, *, first_retry_s: float = 0.5, max_retry_s: float = 10.0) -> None:
        """Return once the topics exist, trying again for as long as the broker is away."""
        delay = first_retry_s
        while self.missing is not None:
            try:
                await ensure_topics(self.bootstrap_servers, self.topics)
                self.missing = None
            except Exception as exc:
                self.missing = f"not created yet: {type(exc).__name__}: {exc}"
                log.warning("the topics are %s; trying again in %.1f s", self.missing, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_retry_s)


Offsets = tuple[dict[TopicPartition, int], dict[TopicPartition, int]]


@asynccontextmanager
async def offsets_reader(
    bootstrap_servers: str,
) -> AsyncIterator[Callable[[Iterable[str]], Awaitable[Offsets]]]:
    """A reader of topics' offsets kept open for many looks (a rebuild's every second): each
    look costs two requests, not a client's start-up."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        client_id="ccn-offsets",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )

    async def read(topics: Iterable[str]) -> Offsets:
        """Each partition's first offset and its end, as a committed-only reader sees them."""
        wanted = sorted(set(topics))
        # The client's own metadata, not a one-off copy: its offset requests find the leaders
        # there, and would otherwise wait for a refresh of their own (most of a second).
        await reader._client.set_topics(wanted)
        cluster = reader._client.cluster
        partitions = [
            TopicPartition(topic, p)
            for topic in wanted
            for p in sorted(cluster.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return {}, {}
        return (
            await reader.beginning_offsets(partitions),
            await reader.end_offsets(partitions),
        )

    try:
        await reader.start()
        yield read
    finally:
        await reader.stop()


async def topic_offsets(bootstrap_servers: str, topics: Iterable[str]) -> Offsets:
    """Each partition's first offset and its end, as a committed-only reader sees them."""
    async with offsets_reader(bootstrap_servers) as read:
        return await read(topics)


async def check_broker(bootstrap_servers: str, *, timeout_s: float = 3.0) -> None:
    """Raise if no broker answers a metadata request within the timeout."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="ccn-readyz",
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise ConnectionError(f"Kafka at {bootstrap_servers} does not answer: {exc}") from exc
    finally:
        await admin.close()
