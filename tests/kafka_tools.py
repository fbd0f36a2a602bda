"""Helpers that read back what really reached Kafka, and per-test event types and topics."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from shared.db import Database, new_metadata
from shared.events import Event, EventCatalog
from shared.generations import BASE, Generation
from shared.kafka import ensure_topics, topic_offsets
from shared.service import ServiceSpec
from shared.tables import PlatformTables, add_platform_tables


@dataclass
class Contract:
    """Event types on topics of one test's own, with a catalog and the service's tables."""

    catalog: EventCatalog
    happened: type[Event]
    changed: type[Event]
    tables: PlatformTables
    metadata: object

    @property
    def topic(self) -> str:
        return self.happened.topic()


def make_contract() -> Contract:
    suffix = uuid.uuid4().hex[:10]
    catalog = EventCatalog()

    @catalog.register
    class ThingHappened(Event):
        """A thing happened (test event)."""

        service: ClassVar[str] = "test"
        aggregate: ClassVar[str] = f"thing{suffix}"
        subject_field: ClassVar[str] = "thing_id"
        thing_id: str
        seq: int
        note: str = ""

    @catalog.register
    class ThingChanged(Event):
        """A thing changed (test event on the same topic)."""

        service: ClassVar[str] = "test"
        aggregate: ClassVar[str] = f"thing{suffix}"
        subject_field: ClassVar[str] = "thing_id"
        thing_id: str
        amount_vnd: int

    metadata = new_metadata()
    tables = add_platform_tables(metadata)
    return Contract(catalog, ThingHappened, ThingChanged, tables, metadata)


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expected: int,
    timeout_s: float = 30.0,
    committed_only: bool = True,
) -> list:
    """Every message of a topic from the beginning, waiting until `expected` have arrived; as
    a data team reads it (records of committed transactions only), or every record sent."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed" if committed_only else "read_uncommitted",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        partitions: set[int] | None = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        messages: list = []
        while len(messages) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                messages.extend(records)
        # Anything beyond `expected` would be a bug (a duplicate or a rolled-back event).
        extra = await consumer.getmany(timeout_ms=500)
        for records in extra.values():
            messages.extend(records)
        return messages
    finally:
        await consumer.stop()


async def produce_raw(
    bootstrap: str, topic: str, *records: tuple[bytes | None, bytes | None, list]
) -> None:
    """Send raw (key, value, headers) records, as a misbehaving producer might."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, timeout_s: float = 30.0, every_s: float = 0.1
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(every_s)
    return await predicate()


async def setup_service_db(db: Database, contract: Contract, bootstrap: str) -> None:
    await db.create_all(contract.metadata)  # type: ignore[arg-type]
    await ensure_topics(bootstrap, contract.catalog.topics())


async def committed_offsets(
    bootstrap: str, spec: ServiceSpec[Any], generation: Generation = BASE
) -> dict[tuple[str, TopicPartition], int]:
    """What the service's consumer groups (in `generation`) have committed on the broker, by
    group and partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed: dict[tuple[str, TopicPartition], int] = {}
        for projection in spec.projections:
            group = generation.group(f"{spec.name}.{projection.name}")
            try:
                offsets = await admin.list_consumer_group_offsets(group)
            except GroupCoordinatorNotAvailableError:
                continue  # no group has committed anything on this broker yet
            committed.update(((group, tp), meta.offset) for tp, meta in offsets.items())
        return committed
    finally:
        await admin.close()


async def unread(bootstrap: str, spec: ServiceSpec[Any], generation: Generation = BASE) -> int:
    """How many events the service's consumer groups (in `generation`) have not committed,
    each group over the topics it reads."""
    _begin, end = await topic_offsets(bootstrap, spec.consumed_topics())
    committed = await committed_offsets(bootstrap, spec, generation)
    left = 0
    for projection in spec.projections:
        group = generation.group(f"{spec.name}.{projection.name}")
        for tp, last in end.items():
            if tp.topic in projection.handlers.topics:
                left += max(0, last - committed.get((group, tp), 0))
    return left
