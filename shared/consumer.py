"""Consumer runner: Kafka events -> handlers, exactly one effect each, failures kept in order.

For every message: decode the CloudEvent, look up the handler by `ce_type`, then in one DB
transaction record (consumer, event id) in the inbox and run the handler — a redelivered
event finds its inbox row and has no second effect. Offsets are committed only after the DB
commit. Transient errors retry with backoff and, if they persist, the message is fetched
again later. Undecodable and permanently failing messages go to `<topic>.dlq` with the error
in headers and are kept in the `dead_letters` table; later messages of the same key are
parked behind them (also dead-lettered, reason `parked`) until an operator re-drives them;
only a topic orders its messages, so a key is parked on its topic alone. A poll's ordinary
events go in one transaction (`applier`); one behind fetches and decodes the next meanwhile
(`polls`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared import metrics
from shared.applier import Applier
from shared.db import Database
from shared.dead_letters import PARKED, UNKNOWN_REVISION, DeadLetters
from shared.event_handlers import HandlerRegistry, RetryLater, RetryPolicy
from shared.events.catalog import EventCatalog, InvalidEventData, UnknownEventType
from shared.events.envelope import Envelope, UndecodableEvent
from shared.inbox import Inbox
from shared.kafka import new_consumer, new_producer
from shared.polls import Decoded, Poll, Stopped, done_offsets
from shared.tables import PlatformTables

log = logging.getLogger(__name__)


class EventConsumer:
    """Runs one consumer group's handlers against its service database until stopped."""

    def __init__(
        self,
        *,
        name: str,
        db: Database,
        group_id: str | None = None,
        tables: PlatformTables,
        catalog: EventCatalog,
        registry: HandlerRegistry,
        bootstrap_servers: str,
        topics: Iterable[str] | None = None,
        retry: RetryPolicy | None = None,
        max_poll_records: int = 200,
        instance_id: str | None = None,
        consumer_factory: Callable[[], AIOKafkaConsumer] | None = None,
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self.name = name
        self.group_id = group_id or name
        self.db = db
        self.inbox = Inbox(tables.inbox, name)
        self.dead = DeadLetters(db, tables.dead_letters, name)
        self.catalog = catalog
        self.registry = registry
        self.topics = sorted(topics or registry.topics)
        self.retry = retry or RetryPolicy()
        self.max_poll_records = max_poll_records
        self._consumer_factory = consumer_factory or (
            lambda: self._kafka_consumer(bootstrap_servers, instance_id)
        )
        self._producer_factory = producer_factory or (
            lambda: new_producer(bootstrap_servers, client_id=f"{name}-dlq")
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.applier = Applier(name, db, self.inbox, self.dead, self.retry)
        self.committed: dict[TopicPartition, int] = {}
        """The offset this consumer has committed on each partition it has read."""
        self.partitions: frozenset[TopicPartition] | None = None
        """None: the group's members share its topics' partitions as the broker assigns them;
        else `read_only` named the partitions this consumer reads."""

    def read_only(self, partitions: Iterable[TopicPartition]) -> None:
        """Read exactly `partitions` (before `start`), outside the group's membership: no
        rebalance ever moves them, and their offsets are still committed under the group. A
        rebuild splits the partitions between its processes so. With none, `start` does
        nothing."""
        self.partitions = frozenset(partitions)

    def _kafka_consumer(self, bootstrap_servers: str, instance_id: str | None) -> AIOKafkaConsumer:
        consumer = new_consumer(
            bootstrap_servers,
            *(self.topics if self.partitions is None else ()),
            group_id=self.group_id,
            client_id=self.name,
            max_poll_records=self.max_poll_records,
            instance_id=instance_id,
        )
        if self.partitions is not None:
            consumer.assign(sorted(self.partitions))
        return consumer

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self.partitions is not None and not self.partitions:
            return
        self._task = asyncio.create_task(self.run(), name=f"consumer-{self.name}")

    async def stop(self) -> None:
        """Finish the message in hand, commit its offset, leave the group."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        resumed = False
        while not self._stopping.is_set():
            try:
                await self._start_clients()
                if not resumed:
                    await self._resume_readable_revisions()
                    resumed = True
                await self._poll_loop()
            except (KafkaError, OSError) as exc:
                log.warning("consumer %s: Kafka unavailable, retrying: %s", self.name, exc)
                await self._sleep(self.retry.max_backoff_s)
            except Exception:
                # Never let one failure end consumption: restart from the last committed
                # offset; the inbox makes whatever is redelivered harmless.
                log.exception("consumer %s failed; restarting it", self.name)
                await self._sleep(self.retry.max_backoff_s)
            finally:
                await self._stop_clients()

    async def _start_clients(self) -> None:
        self._producer = self._producer_factory()
        await self._producer.start()
        self._consumer = self._consumer_factory()
        await self._consumer.start()

    async def _stop_clients(self) -> None:
        consumer, producer = self._consumer, self._producer
        self._consumer = self._producer = None
        for client in (consumer, producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.stop()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _poll_loop(self) -> None:
        """Apply poll after poll. A full poll means the consumer is behind (a replay, a
        backlog): the next one is fetched and decoded while this one's transaction runs."""
        consumer = self._consumer
        assert consumer is not None
        polled = await self._poll(consumer)
        while not self._stopping.is_set():
            following: Poll | None = None
            applying = asyncio.ensure_future(self._apply_together(polled.runs))
            try:
                if polled.size >= self.max_poll_records:
                    following = await self._poll(consumer)
                taken = await applying
            finally:
                if not applying.done():
                    applying.cancel()
                    with contextlib.suppress(BaseException):
                        await applying
            stopped = await self._rest_one_by_one(consumer, polled, taken)
            ahead = following.first_offsets(without=stopped) if following else {}
            await self._commit_progress(consumer, stopped, ahead)
            polled = following.without(stopped) if following else await self._poll(consumer)

    async def _poll(self, consumer: AIOKafkaConsumer) -> Poll:
        """The next poll, decoded; an empty one if the consumer is stopped while it waits."""
        fetching = asyncio.ensure_future(consumer.getmany(timeout_ms=500))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((fetching, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetching.done():
                # Still waiting: no record leaves the fetched buffer until they come.
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError, KafkaError):
                    await fetching
        if fetching.cancelled():
            return Poll({}, {})
        return Poll.of(fetching.result(), self.registry, self.catalog)

    async def _rest_one_by_one(
        self, consumer: AIOKafkaConsumer, polled: Poll, taken: dict[TopicPartition, int]
    ) -> Stopped:
        """Process what the transaction did not take, one by one; where each partition whose
        processing stopped short stopped (None: before its first message)."""
        stopped: Stopped = {}
        for tp, messages in polled.batches.items():
            done = taken.get(tp, 0)
            done += await self._one_by_one(consumer, tp, messages[done:])
            if done < len(messages):
                stopped[tp] = messages[done - 1].offset + 1 if done else None
        return stopped

    async def _one_by_one(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, messages: Sequence[ConsumerRecord]
    ) -> int:
        """Process messages of one partition in turn; how many are done."""
        done = 0
        for message in messages:
            if self._stopping.is_set():
                break
            try:
                await self.process(message)
            except RetryLater as exc:
                log.warning("consumer %s: %s; fetching it again later", self.name, exc)
                consumer.seek(tp, message.offset)
                await self._sleep(self.retry.max_backoff_s)
                break
            done += 1
        return done

    async def _commit_offsets(self, offsets: dict[TopicPartition, int]) -> None:
        assert self._consumer is not None
        try:
            await self._consumer.commit(offsets)
            self.committed.update(offsets)
        except CommitFailedError as exc:
            # A rebalance took the partition; the next owner may redeliver, the inbox absorbs it.
            log.info("consumer %s: offset commit skipped during rebalance: %s", self.name, exc)

    async def _commit_progress(
        self, consumer: AIOKafkaConsumer, stopped: Stopped, ahead: dict[TopicPartition, int]
    ) -> None:
        offsets = await done_offsets(consumer, self.name, stopped, ahead)
        changed = {tp: o for tp, o in offsets.items() if self.committed.get(tp) != o}
        if changed:
            await self._commit_offsets(changed)

    # -- one message -----------------------------------------------------------------------

    async def process(self, message: ConsumerRecord) -> None:
        """Apply one message exactly once, or dead-letter it; raise RetryLater if it must wait."""
        try:
            envelope = Envelope.decode(message.headers, message.value)
        except UndecodableEvent as exc:
            metrics.EVENTS_FAILED.labels(self.name, "unknown", "undecodable").inc()
            await self._dead_letter(message, None, "undecodable", str(exc))
            return
        handler = self.registry.handlers.get(envelope.type)
        if handler is None and self.registry.knows_earlier_revision(envelope.type):
            metrics.EVENTS_FAILED.labels(self.name, envelope.type, UNKNOWN_REVISION).inc()
            await self._dead_letter(
                message,
                envelope,
                UNKNOWN_REVISION,
                f"{envelope.type} is a revision this consumer cannot read yet; it is parked, "
                "with the later events of its key, until an upgrade that reads it starts",
            )
            return
        if handler is None:
            return  # another consumer's event on a shared topic
        try:
            event = self.catalog.decode(envelope)
        except (UnknownEventType, InvalidEventData) as exc:
            metrics.EVENTS_FAILED.labels(self.name, envelope.type, "undecodable").inc()
            await self._dead_letter(message, envelope, "invalid", str(exc))
            return
        outcome = await self.applier.with_retries(message, envelope, event, handler)
        if outcome.dead is not None:
            metrics.EVENTS_FAILED.labels(self.name, envelope.type, "permanent").inc()
            await self._dead_letter(message, envelope, "handler-failed", outcome.dead)
        elif outcome.skipped:
            await self._dead_letter(
                message,
                envelope,
                PARKED,
                "an earlier event of this key is dead-lettered; parked behind it",
            )
        elif outcome.duplicate:
            metrics.EVENTS_DUPLICATE.labels(self.name, envelope.type).inc()
        else:
            metrics.count_applied(self.name, message.topic, envelope.type, envelope.time)

    async def _apply_together(
        self, runs: dict[TopicPartition, list[Decoded]]
    ) -> dict[TopicPartition, int]:
        """A poll's ordinary events together (`Applier.together`); none while stopping."""
        if self._stopping.is_set():
            return {}
        return await self.applier.together(runs)

    async def _dead_letter(
        self, message: ConsumerRecord, envelope: Envelope | None, reason: str, error: str
    ) -> None:
        assert self._producer is not None
        await self.dead.send(self._producer, message, envelope, reason=reason, error=error)
        metrics.DLQ_MESSAGES.labels(self.name, message.topic, reason).inc()

    async def _resume_readable_revisions(self) -> None:
        """Re-drive the keys parked behind a revision this consumer has since learnt to read."""
        for key in await self.dead.parked_behind_revisions(self.registry.handlers):
            applied = await self.redrive(key)
            log.info("consumer %s: re-drove %d parked event(s) of key %s", self.name, applied, key)

    async def redrive(self, key: str) -> int:
        """Re-apply a key's dead-lettered events in order; stop at the first that fails again.

        Returns how many were applied. Those left stay dead-lettered and keep the key parked.
        """

        async def apply(envelope: Envelope) -> None:
            handler = self.registry.handlers[envelope.type]
            await self.applier.once(envelope, self.catalog.decode(envelope), handler, place=None)

        return await self.dead.redrive(key, apply)
