"""A consumer's poll: the messages Kafka handed it, by partition, with each partition's leading
run of ordinary messages (decodable, of a type the consumer may read) decoded, ready to be
applied together in one transaction; and how far a consumer's partitions are done once a poll
is. Decoding is most of a consumer's own work, so a consumer that is behind decodes its next
poll while the database applies this one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from shared import metrics
from shared.event_handlers import Handler, HandlerRegistry
from shared.events.base import Event
from shared.events.catalog import EventCatalog, InvalidEventData, UnknownEventType
from shared.events.envelope import Envelope, UndecodableEvent

Stopped = dict[TopicPartition, int | None]
"""Where each partition whose processing stopped short stopped (None: before its first
message of the poll)."""

Decoded = tuple[ConsumerRecord, Envelope, Event | None, Handler | None]
"""A message of an ordinary run: its envelope, its event and handler (None: the consumer has
no handler for its type, another consumer's event on a shared topic)."""


def ordinary_run(
    messages: Sequence[ConsumerRecord], registry: HandlerRegistry, catalog: EventCatalog
) -> list[Decoded]:
    """The leading messages that decode and that the consumer reads (or knows to skip); the
    first that does not ends the run, and goes the one-by-one way with what follows it."""
    run: list[Decoded] = []
    for message in messages:
        try:
            envelope = Envelope.decode(message.headers, message.value)
            handler = registry.handlers.get(envelope.type)
            event = None if handler is None else catalog.decode(envelope)
        except (UndecodableEvent, UnknownEventType, InvalidEventData):
            break
        if handler is None and registry.knows_earlier_revision(envelope.type):
            break
        run.append((message, envelope, event, handler))
    return run


@dataclass(frozen=True)
class Poll:
    """What one `getmany` returned, and its ordinary runs decoded."""

    batches: dict[TopicPartition, list[ConsumerRecord]]
    runs: dict[TopicPartition, list[Decoded]]

    @classmethod
    def of(
        cls,
        batches: dict[TopicPartition, list[ConsumerRecord]],
        registry: HandlerRegistry,
        catalog: EventCatalog,
    ) -> Poll:
        runs = {tp: ordinary_run(messages, registry, catalog) for tp, messages in batches.items()}
        return cls(batches, runs)

    @property
    def size(self) -> int:
        return sum(len(messages) for messages in self.batches.values())

    def first_offsets(self, *, without: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """Each partition's first offset in this poll (but those `without`): all before it is
        done once the poll before this one is."""
        left_out = set(without)
        return {tp: m[0].offset for tp, m in self.batches.items() if m and tp not in left_out}

    def without(self, partitions: Iterable[TopicPartition]) -> Poll:
        """This poll without the partitions whose processing stopped short: they were sought
        back, and what this poll read of them will be read again."""
        gone = set(partitions)
        if not gone:
            return self
        return Poll(
            {tp: m for tp, m in self.batches.items() if tp not in gone},
            {tp: r for tp, r in self.runs.items() if tp not in gone},
        )


async def done_offsets(
    consumer: AIOKafkaConsumer,
    name: str,
    stopped: Stopped,
    ahead: dict[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """How far each assigned partition is done, to commit: where its processing stopped (None:
    not at all), where the poll fetched ahead begins, or else its position, which also passes
    the markers that end producers' transactions, so a partition read to its end is committed
    to its end. The lag gauges of consumer `name` are updated on the way."""
    offsets: dict[TopicPartition, int] = {}
    for tp in consumer.assignment():
        if tp in stopped:
            if (offset := stopped[tp]) is not None:
                offsets[tp] = offset
            continue
        if tp in ahead:
            offsets[tp] = ahead[tp]
            continue
        with contextlib.suppress(KafkaError, AssertionError):
            offsets[tp] = position = await consumer.position(tp)
            if (highwater := consumer.highwater(tp)) is not None:
                metrics.CONSUMER_LAG.labels(name, tp.topic, str(tp.partition)).set(
                    max(0, highwater - position)
                )
    return offsets
