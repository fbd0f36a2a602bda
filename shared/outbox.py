"""Transactional outbox: events commit with the state change; the relay (`shared.relay`)
publishes them to Kafka.

`Outbox.add` inserts the event in the caller's transaction (in a command, together with the
command's other writes: `shared.held_writes`), and wakes the relay when the transaction
commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared import metrics
from shared.context import Actor
from shared.db import Database
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.held_writes import Inserting, RowWrite, insert_rows

log = logging.getLogger(__name__)

_WAKE = "outbox_wakes"
"""In a session's `info`: the relays' wake-ups to set when its transaction commits."""

OUTBOX_COLUMNS = (
    "id",
    "aggregatetype",
    "aggregateid",
    "type",
    "topic",
    "payload",
    "headers",
    "created_at",
)
"""The columns of an event's row that `Outbox.add` writes (the rest are the database's)."""


class Outbox:
    """Records events in the outbox table inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._inserting = Inserting(table, OUTBOX_COLUMNS)
        self._committed = asyncio.Event()

    async def add(
        self, session: AsyncSession, *events: Event, actor: Actor | None = None
    ) -> list[Envelope]:
        """Insert events; they are published only if the session's transaction commits."""
        envelopes = [Envelope.wrap(e, actor=actor) for e in events]
        if not envelopes:
            return []
        now = datetime.now(UTC)
        rows = [
            RowWrite(
                self._inserting,
                {
                    "id_": env.id,
                    "aggregatetype_": type(ev).aggregate,
                    "aggregateid_": env.subject,
                    "type_": env.type,
                    "topic_": type(ev).topic(),
                    "payload_": env.value().decode(),
                    "headers_": json.dumps({k: v.decode() for k, v in env.headers()}),
                    "created_at_": now,
                },
                (self.table, env.id),
            )
            for env, ev in zip(envelopes, events, strict=True)
        ]
        await insert_rows(session, rows)
        session.info.setdefault(_WAKE, set()).add(self._committed)
        return envelopes

    async def wait_for_commit(self, timeout_s: float) -> None:
        """Return when a transaction that added events commits, or after the timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._committed.wait(), timeout_s)
        self._committed.clear()


@sa_event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    """Once a transaction that added events commits, their relay claims them (one listener for
    every session: registering one on each session cost 12 µs a command)."""
    for committed in session.info.pop(_WAKE, ()):
        committed.set()


class OutboxHousekeeping:
    """The outbox table's upkeep beside its relay: the backlog gauges, kept fresh while the
    broker is away too, and the purge of published rows an earlier version kept (the relay
    now deletes a row once its event is on Kafka)."""

    def __init__(self, db: Database, table: Table, service: str, keep_published: timedelta) -> None:
        self.db = db
        self.table = table
        self.service = service
        self.keep_published = keep_published

    async def run(self) -> None:
        """Every few seconds the backlog gauges (they rise while the broker is away), every
        hour the purge of rows published longer ago than `keep_published`."""
        last_purge = 0.0
        while True:
            try:
                await self.refresh_stats()
                if time.monotonic() - last_purge >= 3600.0:
                    last_purge = time.monotonic()
                    await self.purge()
            except Exception as exc:
                log.warning("outbox housekeeping failed, trying again shortly: %s", exc)
            await asyncio.sleep(5.0)

    async def purge(self) -> None:
        """Delete the rows published longer ago than `keep_published`."""
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


class StallWatch:
    """Says so, in a log line and the `ccn_outbox_relay_stalled` gauge, when the broker has not
    taken a relay's batch for `after_s`, and again once batches flow."""

    def __init__(self, service: str, after_s: float) -> None:
        self.service = service
        self.after_s = after_s
        self._stalled = False

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Around a batch's sends: report a stall if they take longer than `after_s`."""
        watch = asyncio.get_running_loop().call_later(self.after_s, self._report_stall)
        try:
            yield
        finally:
            watch.cancel()

    def _report_stall(self) -> None:
        self._stalled = True
        metrics.OUTBOX_RELAY_STALLED.labels(self.service).set(1)
        log.warning(
            "outbox relay: the broker has not taken a batch for %.0f s; the events wait in the "
            "outbox",
            self.after_s,
        )

    def flowing(self) -> None:
        """A batch went through."""
        if self._stalled:
            self._stalled = False
            metrics.OUTBOX_RELAY_STALLED.labels(self.service).set(0)
            log.info("outbox relay: the broker takes batches again")
