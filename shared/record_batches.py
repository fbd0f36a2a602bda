"""The records of one relay transaction, built into record batches here: one open batch per
partition, sent when it is full and when the transaction's rows are all in.

`AIOKafkaProducer.send` costs, for every message, a metadata wait, a partition lookup, a future
and its own entry in the producer's batch: most of a relay's CPU. Built here, a message costs
its partition (the producer's own partitioner, so a key lands where `send` would put it) and
one append; the producer gets whole batches, a future each. Within a partition the batches go
in the order they were filled, so each key's events stay in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

Headers = list[tuple[str, bytes]]

_partitioner = DefaultPartitioner()
_PARTITION_MEMORY = 100_000
"""How many keys' partitions the relay remembers: an aggregate's events come again and again,
and the partitioner hashes in Python."""


class Partitions:
    """Which partition of a topic each key goes to, remembered for the keys seen lately."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, bytes], int] = {}

    def of(self, topic: str, partitions: list[int], key: bytes) -> int:
        seen = (topic, len(partitions), key)
        partition = self._seen.get(seen)
        if partition is None:
            if len(self._seen) >= _PARTITION_MEMORY:
                self._seen.clear()
            partition = self._seen[seen] = _partitioner(key, partitions, partitions)
        return partition


class RecordBatches:
    """The records of one transaction of `producer`, gathered per partition."""

    def __init__(self, producer: AIOKafkaProducer, partitions: Partitions) -> None:
        self.producer = producer
        self.partitions = partitions
        self._topics: dict[str, list[int]] = {}
        self._open: dict[tuple[str, int], BatchBuilder] = {}
        self._full: list[tuple[tuple[str, int], BatchBuilder]] = []
        self.sent: list[asyncio.Future[Any]] = []
        """The futures of the batches handed to the producer, in order."""

    async def know(self, topics: Iterable[str]) -> None:
        """Learn the partitions of `topics` (waiting for their metadata) before `add`."""
        for topic in set(topics).difference(self._topics):
            self._topics[topic] = sorted(await self.producer.partitions_for(topic))

    def add(self, topic: str, key: bytes, value: bytes, headers: Headers) -> None:
        """Append a record to its partition's open batch; a full batch waits for `send_full`."""
        where = (topic, self.partitions.of(topic, self._topics[topic], key))
        batch = self._open.get(where)
        if batch is None:
            batch = self._open[where] = self.producer.create_batch()
        if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:
            self._full.append((where, batch))  # it closed itself
            batch = self._open[where] = self.producer.create_batch()
            batch.append(timestamp=None, key=key, value=value, headers=headers)  # a first fits

    async def send_full(self) -> None:
        """Hand the producer the batches that are full."""
        full, self._full = self._full, []
        for (topic, partition), batch in full:
            self.sent.append(await self.producer.send_batch(batch, topic, partition=partition))

    async def send_all(self) -> list[asyncio.Future[Any]]:
        """Hand the producer every batch, full or not; the futures of all sent."""
        await self.send_full()
        open_batches, self._open = self._open, {}
        for (topic, partition), batch in open_batches.items():
            batch.close()  # the producer sends a closed batch at once, without lingering
            self.sent.append(await self.producer.send_batch(batch, topic, partition=partition))
        return self.sent
