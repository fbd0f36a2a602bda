"""Transactional outbox: events commit with the state change; a relay publishes them to Kafka.

`Outbox.add` inserts the event in the caller's transaction. `OutboxRelay` polls for
unpublished rows (woken early when a commit adds some), sends them with an idempotent producer
(acks=all), and marks what the broker took. Several relays may run against one PostgreSQL
database: rows are claimed with FOR UPDATE SKIP LOCKED, and a relay only publishes, per
aggregate, the rows that no other relay holds an earlier row of, so per-key order survives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.context import Actor
from shared.db import Database
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.kafka import new_producer

log = logging.getLogger(__name__)

OutboxRow = Any  # a selected outbox row: seq, id, aggregateid, type, topic, payload, headers


class Outbox:
    """Records events in the outbox table inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._committed = asyncio.Event()

    async def add(
        self, session: AsyncSession, *events: Event, actor: Actor | None = None
    ) -> list[Envelope]:
        """Insert events; they are published only if the session's transaction commits."""
        envelopes = [Envelope.wrap(e, actor=actor) for e in events]
        if not envelopes:
            return []
        now = datetime.now(UTC)
        await session.execute(
            insert(self.table),
            [
                {
                    "id": env.id,
                    "aggregatetype": type(ev).aggregate,
                    "aggregateid": env.subject,
                    "type": env.type,
                    "topic": type(ev).topic(),
                    "payload": env.value().decode(),
                    "headers": json.dumps({k: v.decode() for k, v in env.headers()}),
                    "created_at": now,
                }
                for env, ev in zip(envelopes, events, strict=True)
            ],
        )
        sync_session = session.sync_session
        if not sa_event.contains(sync_session, "after_commit", self._on_commit):
            sa_event.listen(sync_session, "after_commit", self._on_commit, once=True)
        return envelopes

    def _on_commit(self, _session: Any) -> None:
        self._committed.set()

    async def wait_for_commit(self, timeout_s: float) -> None:
        """Return when a transaction that added events commits, or after the timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._committed.wait(), timeout_s)
        self._committed.clear()


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
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.table = outbox.table
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.keep_published = keep_published
        self._producer_factory = producer_factory or (
            lambda: new_producer(bootstrap_servers, client_id=f"{service}-relay")
        )
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_stats = 0.0
        self._last_purge = 0.0

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        self._stopping.set()
        self.outbox._committed.set()
        if self._task is not None:
            await self._task
        await self._close_producer()

    async def run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                published = await self.publish_batch()
                backoff = 0.2
                await self._housekeeping()
                if published < self.batch_size:
                    await self.outbox.wait_for_commit(self.poll_interval_s)
            except Exception as exc:
                metrics.OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                log.warning("outbox relay: publishing failed, retrying in %.1fs: %s", backoff, exc)
                await self._close_producer()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, 5.0)

    async def publish_batch(self) -> int:
        """Publish one batch; return how many rows the broker took. Raises if a send failed."""
        producer = await self._ensure_producer()
        async with self.db.transaction() as session:
            rows = await self._claim(session)
            if not rows:
                return 0
            sends = [
                await producer.send(
                    row.topic,
                    value=row.payload.encode(),
                    key=row.aggregateid.encode(),
                    headers=[(k, v.encode()) for k, v in json.loads(row.headers).items()],
                )
                for row in rows
            ]
            results = await asyncio.gather(*sends, return_exceptions=True)
            done = _delivered_prefix_per_key(rows, results)
            if done:
                await session.execute(
                    update(self.table)
                    .where(self._seq_in([r.seq for r in done]))
                    .values(published_at=datetime.now(UTC))
                )
            for row in done:
                metrics.EVENTS_PUBLISHED.labels(self.service, row.type).inc()
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise RuntimeError(f"{len(failures)} of {len(rows)} sends failed: {failures[0]!r}")
        return len(done)

    async def _claim(self, session: AsyncSession) -> list[OutboxRow]:
        t = self.table
        query = (
            select(t.c.seq, t.c.id, t.c.aggregateid, t.c.type, t.c.topic, t.c.payload, t.c.headers)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.seq)
            .limit(self.batch_size)
        )
        if self.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list((await session.execute(query)).all())
        if not rows or not self.db.is_postgres:
            return rows
        return await self._drop_rows_behind_other_relays(session, rows)

    async def _drop_rows_behind_other_relays(
        self, session: AsyncSession, rows: list[OutboxRow]
    ) -> list[OutboxRow]:
        """Keep, per aggregate, only rows with no earlier unpublished row held elsewhere."""
        t = self.table
        ours = {r.seq for r in rows}
        pending = await session.execute(
            select(t.c.aggregateid, t.c.seq)
            .where(
                t.c.published_at.is_(None),
                t.c.aggregateid
                == any_(bindparam("keys", list({r.aggregateid for r in rows}), ARRAY(String))),
                t.c.seq <= max(ours),
            )
            .order_by(t.c.seq)
        )
        blocked_from: dict[str, int] = {}
        for key, seq in pending.all():
            if seq not in ours and key not in blocked_from:
                blocked_from[key] = seq
        return [r for r in rows if r.seq < blocked_from.get(r.aggregateid, r.seq + 1)]

    def _seq_in(self, seqs: list[int]) -> ColumnElement[bool]:
        # One array parameter instead of an expanded IN list: cheaper to compile and plan.
        if self.db.is_postgres:
            return self.table.c.seq == any_(bindparam("seqs", seqs, ARRAY(BigInteger)))
        return self.table.c.seq.in_(seqs)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_stats >= 5.0:
            self._last_stats = now
            await self.refresh_stats()
        if now - self._last_purge >= 3600.0:
            self._last_purge = now
            cutoff = datetime.now(UTC) - self.keep_published
            async with self.db.transaction() as session:
                await session.execute(
                    delete(self.table).where(
                        self.table.c.published_at.is_not(None), self.table.c.published_at < cutoff
                    )
                )

    async def refresh_stats(self) -> tuple[int, float]:
        """Update the backlog gauges; return (unpublished rows, age of the oldest in seconds)."""
        t = self.table
        async with self.db.sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(t.c.created_at)).where(t.c.published_at.is_(None))
                )
            ).one()
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(age)
        return count, age


def _delivered_prefix_per_key(
    rows: Sequence[OutboxRow], results: Sequence[object]
) -> list[OutboxRow]:
    """Rows to mark published: per aggregate, those delivered before its first failed send.

    A later row of the same aggregate is sent again with the failed one, so consumers
    never see an aggregate's events out of order (they may see a duplicate, which the inbox
    absorbs).
    """
    failed: defaultdict[str, bool] = defaultdict(bool)
    done = []
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, BaseException):
            failed[row.aggregateid] = True
        elif not failed[row.aggregateid]:
            done.append(row)
    return done
