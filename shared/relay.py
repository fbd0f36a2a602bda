"""The outbox relay: publishes committed outbox rows to Kafka, exactly once for a reader of
committed records.

`OutboxRelay` polls for unpublished rows (woken early when a commit adds some), publishes each
batch in one Kafka transaction with a record of its progress (`shared.relay_progress`), and then
marks the rows published by deleting them (the event lives on its topic now; a row kept would
cost the database a new version of it and of its index entries, more than the send itself):
a reader of committed records sees every event once, across relay
crashes and restarts of the database or the broker. One relay of a database publishes at a
time, the one holding its leadership lock; others wait to take over, and the producer of a new
one fences the old one's. Rows are claimed in order with FOR UPDATE: a new leader waits for rows
an old one still holds, so per-key order survives a handover.

On PostgreSQL a batch's rows are marked while the next batch is claimed and sent, and that
batch commits only once they are: the last progress record always names every row that Kafka
has and the database does not. A batch commits only if no older row of its aggregates turned up
while it was claimed (a writer's transaction that took its seq before the claim and committed
after it); the next attempt sends that row first, ahead of its aggregate's later events.

The Kafka client waits without end for some answers (a transaction's end, a producer id) that a
broker killed at the wrong moment may never give. A transaction that has not ended within
`transaction_timeout_s` is given up with its producer, as if the relay had died there: the next
producer fences it and marks what it committed, from the progress record, before it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from pydantic_core import from_json
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.db import Database
from shared.kafka import ensure_topics, new_producer
from shared.leadership import Leadership
from shared.outbox import Outbox, OutboxHousekeeping, StallWatch
from shared.outbox_claims import OutboxClaims, OutboxRow, RowsLeftBehind
from shared.record_batches import Partitions, RecordBatches
from shared.relay_progress import (
    PROGRESS_CONFIG,
    last_published,
    progress_record,
    progress_topic,
    relay_identity,
)

log = logging.getLogger(__name__)

CLAIMS_PER_TRANSACTION = 16
"""How many claims of `batch_size` rows one Kafka transaction may carry: the next claim is
read while the rows before it are batched, and each transaction's commit costs the relay a
wait."""
EVENTS_PER_TRANSACTION = 8_000
"""No more claims than this many rows, unless one claim holds more: the progress record names
every event of its transaction (about 40 bytes each), and must stay well under the broker's
1 MB a record."""
LET_GO_AFTER_S = 5.0
"""How long an abort, or a producer's stop, may take before the relay goes on without it."""


class TransactionTimedOut(Exception):
    """A Kafka transaction, or a new producer's start, did not end in time."""


@dataclass(frozen=True)
class _Marking:
    """A transaction that Kafka has committed, its rows (from seq `first_seq` to `last_seq`)
    being marked published."""

    first_seq: int
    last_seq: int
    task: asyncio.Task[None]


class OutboxRelay:
    """Publishes committed outbox rows to Kafka, in order per aggregate, until stopped."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        *,
        bootstrap_servers: str,
        service: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        keep_published: timedelta = timedelta(days=7),
        stall_after_s: float = 3.0,
        transaction_timeout_s: float = 30.0,
        producer_factory: Callable[[str], AIOKafkaProducer] | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.table = outbox.table
        self.service = service
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.claims = OutboxClaims(outbox.table, batch_size=batch_size, postgres=db.is_postgres)
        self.claims_per_transaction = max(
            1, min(CLAIMS_PER_TRANSACTION, EVENTS_PER_TRANSACTION // batch_size)
        )
        self.poll_interval_s = poll_interval_s
        self.transaction_timeout_s = transaction_timeout_s
        self.housekeeping = OutboxHousekeeping(db, self.table, service, keep_published)
        self.stalls = StallWatch(service, stall_after_s)
        self.identity = relay_identity(service, db.engine.url)
        """The transactional id of this database's relays."""
        self.progress_topic = progress_topic(service)
        self._producer_factory = producer_factory or (
            lambda identity: new_producer(
                bootstrap_servers, client_id=f"{service}-relay", transactional_id=identity
            )
        )
        self.leadership = Leadership(db, self.identity)
        self._producer: AIOKafkaProducer | None = None
        self._partitions = Partitions()
        self._marking: _Marking | None = None
        self._unmarked = False
        """Marking a committed transaction's rows failed: a new producer recovers them."""
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._housekeeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.service}-outbox-relay")
        self._housekeeper = asyncio.create_task(
            self.housekeeping.run(), name=f"{self.service}-outbox-housekeeping"
        )

    async def stop(self) -> None:
        self._stopping.set()
        self.outbox._committed.set()
        if self._task is not None:
            await self._task
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeper
        try:
            await self.wait_marked()
        except Exception as exc:
            log.warning("outbox relay: marking the last batch failed; the next relay will: %s", exc)
        await self._close_producer()
        await self.leadership.give_up()

    async def run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                published = await self.publish_batch()
                backoff = 0.2
                if published < self.batch_size:
                    await self.wait_marked()
                    await self.outbox.wait_for_commit(self.poll_interval_s)
            except RowsLeftBehind as exc:
                log.info("outbox relay: publishing the batch again: %s", exc)
            except Exception as exc:
                metrics.OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                log.warning("outbox relay: publishing failed, retrying in %.1fs: %s", backoff, exc)
                await self._close_producer()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, 5.0)

    async def publish_batch(self) -> int:
        """Publish the next rows in one Kafka transaction; return how many. Raises if the
        transaction did not commit: nothing of it is marked or visible.

        On PostgreSQL the rows are marked published in the background, in the database
        transaction that claimed them, while the next batch is claimed and sent; that batch
        commits only once they are marked, so at most one committed transaction is ever left
        unmarked, the one the last progress record names (`wait_marked` waits for the mark)."""
        producer = await self._ensure_producer()
        if producer is None:
            return 0  # stopped while waiting to lead
        claiming = self.db.transaction()
        session = await claiming.__aenter__()
        try:
            await self.claims.begin(session)
            rows = await self._claim(session)
            if rows:
                with self.stalls.watching():
                    async with self._in_time("the Kafka transaction"):
                        rows = await self._publish(producer, session, rows)
        except BaseException as exc:
            await claiming.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        if not rows:
            await claiming.__aexit__(None, None, None)
            return 0
        marking = asyncio.create_task(self._mark_claimed(claiming, session, rows))
        self._marking = _Marking(rows[0].seq, rows[-1].seq, marking)
        if not self.db.is_postgres:
            await self.wait_marked()  # one writer at a time: the next claim would wait anyway
        self.stalls.flowing()
        for type_name, count in Counter(row.type for row in rows).items():
            metrics.EVENTS_PUBLISHED.labels(self.service, type_name).inc(count)
        return len(rows)

    async def wait_marked(self) -> None:
        """Wait until the rows of the last committed transaction are marked published. If
        marking them failed, raise; the next producer's recovery marks them, as the
        transaction's progress record names them."""
        marking, self._marking = self._marking, None
        if marking is None:
            return
        try:
            await asyncio.shield(marking.task)
        except BaseException:
            if not marking.task.done():
                self._marking = marking  # the waiter was cancelled; the mark goes on
            else:
                self._unmarked = True
            raise

    async def _mark_claimed(
        self,
        claiming: contextlib.AbstractAsyncContextManager[AsyncSession],
        session: AsyncSession,
        rows: list[OutboxRow],
    ) -> None:
        """Mark the rows of a committed transaction and end the database transaction that
        claimed them (which releases their locks)."""
        try:
            await self.claims.mark(session, self.claims.seq_in([row.seq for row in rows]))
        except BaseException as exc:
            await claiming.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await claiming.__aexit__(None, None, None)

    async def _publish(
        self, producer: AIOKafkaProducer, session: AsyncSession, first: list[OutboxRow]
    ) -> list[OutboxRow]:
        """Send `first` and the rows claimed after it — each claim read while the rows before
        it are batched (`shared.record_batches`) — up to `claims_per_transaction` claims, then
        their progress record, and commit the transaction once the previous one is marked and
        no row older than these was left behind; the rows it published."""
        await producer.begin_transaction()
        try:
            rows, claimed = [], first
            batches = RecordBatches(producer, self._partitions)
            for claims in range(1, self.claims_per_transaction + 1):
                next_claim = None
                if len(claimed) == self.batch_size and claims < self.claims_per_transaction:
                    next_claim = asyncio.create_task(self._claim(session, after=claimed[-1].seq))
                    await asyncio.sleep(0)  # it sends its query while the rows are batched
                try:
                    await _batched(batches, claimed)
                finally:
                    if next_claim is not None:  # the session ends only once its statement has
                        await asyncio.wait([next_claim])
                rows += claimed
                if next_claim is None:
                    break
                claimed = next_claim.result()
            sends = await batches.send_all()
            key, value = progress_record(self.identity, [row.id for row in rows])
            sends.append(await producer.send(self.progress_topic, key=key, value=value))
            await self.wait_marked()
            # Whether a row was left behind is asked while the broker acknowledges the sends.
            checking = asyncio.ensure_future(self.claims.check_none_left_behind(session, rows))
            try:
                for send in sends:  # a batch each: most are done by now
                    await send
            except BaseException:
                await asyncio.wait([checking])  # the session is free again only then
                if not checking.cancelled():
                    checking.exception()  # the failed send is what to report
                raise
            await checking
            await producer.commit_transaction()
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.abort_transaction(), LET_GO_AFTER_S)
            raise
        return rows

    @contextlib.asynccontextmanager
    async def _in_time(self, what: str) -> AsyncIterator[None]:
        """Raise `TransactionTimedOut` if the block has not ended in `transaction_timeout_s`."""
        deadline = asyncio.timeout(self.transaction_timeout_s)
        try:
            async with deadline:
                yield
        except TimeoutError as exc:
            if not deadline.expired():
                raise
            raise TransactionTimedOut(
                f"{what} did not end in {self.transaction_timeout_s:g} s; its producer is given up"
            ) from exc

    async def _claim(self, session: AsyncSession, *, after: int = 0) -> list[OutboxRow]:
        """The next rows to send, but not those of the transaction still being marked."""
        marking = self._marking
        skipping = (marking.first_seq, marking.last_seq) if marking else None
        return await self.claims.claim(session, after=after, skipping=skipping)

    async def _ensure_producer(self) -> AIOKafkaProducer | None:
        """The producer, once this relay leads and has marked what its predecessor's last
        committed transaction published; None if stopped while waiting to lead."""
        if self._unmarked:
            self._unmarked = False
            await self._close_producer()
        if self._producer is not None:
            return self._producer
        if not await self.leadership.take(self._stopping):
            return None
        await ensure_topics(
            self.bootstrap_servers,
            [self.progress_topic],
            partitions=1,
            with_dlq=False,
            config=PROGRESS_CONFIG,
        )
        producer = self._producer_factory(self.identity)
        try:
            async with self._in_time("the new producer's start"):
                await producer.start()  # fences any older producer of this identity
                await self._mark_last_published()
        except BaseException:
            await _let_go(producer)
            raise
        self._producer = producer
        return producer

    async def _mark_last_published(self) -> None:
        ids = await last_published(self.bootstrap_servers, self.progress_topic, self.identity)
        if not ids:
            return
        async with self.db.transaction() as session:
            marked = await self.claims.mark(session, self.claims.id_in(ids))
        if marked:
            log.info(
                "outbox relay: marked %d events published by a transaction that committed "
                "before the relay could mark them",
                marked,
            )

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await _let_go(producer)

    async def refresh_stats(self) -> tuple[int, float]:
        """Update the backlog gauges; return (unpublished rows, age of the oldest in seconds)."""
        return await self.housekeeping.refresh_stats()


async def _let_go(producer: AIOKafkaProducer) -> None:
    """Stop the producer, or leave it behind if it does not stop in time: a newer producer of
    its transactional id fences it."""
    try:
        await asyncio.wait_for(producer.stop(), LET_GO_AFTER_S)
    except TimeoutError:
        log.warning("outbox relay: a producer did not stop in %g s; left behind", LET_GO_AFTER_S)
    except Exception as exc:
        log.debug("outbox relay: a producer's stop failed: %s", exc)


async def _batched(batches: RecordBatches, rows: list[OutboxRow]) -> None:
    """Add the rows to the transaction's record batches, and send those that are full."""
    await batches.know(row.topic for row in rows)
    for row in rows:
        batches.add(
            row.topic,
            row.aggregateid.encode(),
            row.payload.encode(),
            # pydantic's parser: half the standard library's time on these headers.
            [(k, v.encode()) for k, v in from_json(row.headers).items()],
        )
    await batches.send_full()
