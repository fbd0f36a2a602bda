"""The dead-letter store of one consumer: messages it could not apply, and those parked behind.

A row is `dead` (it failed, or could not be decoded) or `parked` (a later message of a key
that has a dead one: applying it first would break the key's order). Both keep the key
blocked until an operator re-drives them; a re-driven row becomes `redriven`.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from sqlalchemy import Select, Table, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, insert_ignoring_duplicates
from shared.events.envelope import Envelope
from shared.kafka import dlq_topic

log = logging.getLogger(__name__)
_ERROR_HEADER_LIMIT = 4000

BLOCKING = ("dead", "parked")
PARKED = "parked"
UNKNOWN_REVISION = "unknown-revision"
"""A later revision of an event type than the consumer knows: parked until it does."""

DeadLetter = Any  # a row of the dead_letters table


@dataclass(frozen=True)
class DeadLetters:
    """The dead_letters rows of the consumer `consumer`."""

    db: Database
    table: Table
    consumer: str

    def _blocking(self, key: str | None = None) -> Select[Any]:
        t = self.table
        query = select(t).where(t.c.consumer == self.consumer, t.c.status.in_(BLOCKING))
        return query if key is None else query.where(t.c.key == key)

    async def blocks(self, session: AsyncSession, places: Iterable[tuple[str, str] | None]) -> bool:
        """True if any (topic, key) has a dead or parked message: its later ones must wait
        (None: a message without a key, which nothing blocks). Only a topic orders its
        messages: a key shared by two topics (two aggregates of one id) parks each apart.

        A consumer has no blocking message at all nearly always: one short query, the same
        for every batch, says so; only otherwise are `places` read, and named in a second."""
        t = self.table
        blocking = await session.execute(self._blocking().with_only_columns(t.c.seq).limit(1))
        if blocking.first() is None:
            return False
        named = sorted({place for place in places if place is not None})
        if not named:
            return False
        query = self._blocking().where(tuple_(t.c.topic, t.c.key).in_(named))
        found = await session.execute(query.with_only_columns(t.c.seq).limit(1))
        return found.first() is not None

    async def record(
        self,
        message: ConsumerRecord,
        envelope: Envelope | None,
        *,
        reason: str,
        error: str,
        at: datetime,
    ) -> None:
        """Keep a message that was dead-lettered (once: a crash may repeat this)."""
        async with self.db.transaction() as session:
            await insert_ignoring_duplicates(
                session,
                self.table,
                consumer=self.consumer,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=_fit(message_key(message), self.table.c.key),
                event_id=envelope.id if envelope else None,
                event_type=envelope.type if envelope else None,
                status=PARKED if reason in (PARKED, UNKNOWN_REVISION) else "dead",
                reason=reason,
                error=error,
                headers=json.dumps(
                    {k: v.decode(errors="replace") for k, v in message.headers or ()}
                ),
                value=message.value.decode(errors="replace") if message.value else None,
                created_at=at,
            )

    async def send(
        self,
        producer: AIOKafkaProducer,
        message: ConsumerRecord,
        envelope: Envelope | None,
        *,
        reason: str,
        error: str,
    ) -> None:
        """To `<topic>.dlq` with the reason in its headers, then kept here; a crash in between
        repeats both, harmlessly."""
        now = datetime.now(UTC)
        headers = [
            *(message.headers or ()),
            ("dlq_reason", reason.encode()),
            ("dlq_error", error[:_ERROR_HEADER_LIMIT].encode()),
            ("dlq_consumer", self.consumer.encode()),
            ("dlq_topic", message.topic.encode()),
            ("dlq_partition", str(message.partition).encode()),
            ("dlq_offset", str(message.offset).encode()),
            ("dlq_time", now.isoformat().encode()),
        ]
        await producer.send_and_wait(
            dlq_topic(message.topic), value=message.value, key=message.key, headers=headers
        )
        await self.record(message, envelope, reason=reason, error=error, at=now)
        log.warning(
            "consumer %s: %s:%s@%s dead-lettered (%s): %s",
            self.consumer,
            message.topic,
            message.partition,
            message.offset,
            reason,
            error.splitlines()[0][:300],
        )

    async def redrive(self, key: str, apply: Callable[[Envelope], Awaitable[None]]) -> int:
        """`apply` the key's dead-lettered events in order, each marked re-driven once it is;
        stop at the first that fails again (marked dead, with its error). How many applied."""
        applied = 0
        for row in await self.of_key(key):
            try:
                await apply(envelope_of(row))
            except Exception as exc:
                await self.mark(row, status="dead", error=describe(exc))
                return applied
            await self.mark(row, status="redriven")
            applied += 1
        return applied

    async def parked_behind_revisions(self, readable: Iterable[str]) -> list[str]:
        """The keys parked behind an event of a revision now `readable` (event types)."""
        known = set(readable)
        rows = await self.listed()
        found = [r.key for r in rows if r.reason == UNKNOWN_REVISION and r.event_type in known]
        return list(dict.fromkeys(k for k in found if k is not None))

    async def listed(self, *, include_resolved: bool = False) -> list[DeadLetter]:
        """Oldest first; only those still blocking unless `include_resolved`."""
        t = self.table
        query = (
            select(t).where(t.c.consumer == self.consumer) if include_resolved else self._blocking()
        )
        async with self.db.sessions() as session:
            return list((await session.execute(query.order_by(t.c.seq))).all())

    async def of_key(self, key: str) -> Sequence[DeadLetter]:
        """The key's blocking messages, in the order they arrived."""
        async with self.db.sessions() as session:
            return (await session.execute(self._blocking(key).order_by(self.table.c.seq))).all()

    async def mark(self, row: DeadLetter, *, status: str, error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if error is not None:
            values["error"] = error
        if status == "redriven":
            values["resolved_at"] = datetime.now(UTC)
        async with self.db.transaction() as session:
            await session.execute(
                update(self.table).where(self.table.c.seq == row.seq).values(**values)
            )


def envelope_of(row: DeadLetter) -> Envelope:
    """The CloudEvent of a dead-lettered row, as it arrived (UndecodableEvent if it was not)."""
    headers = [(k, v.encode()) for k, v in json.loads(row.headers).items()]
    return Envelope.decode(headers, row.value.encode() if row.value is not None else None)


def _fit(value: str | None, column: Any) -> str | None:
    """A value cut to its column's length: a message is kept even if its key is absurd."""
    return value if value is None else value[: column.type.length]


def message_key(message: ConsumerRecord) -> str | None:
    return message.key.decode(errors="replace") if message.key is not None else None


def describe(exc: BaseException) -> str:
    """An error as a dead letter keeps it: the exception, then where it was raised."""
    return (
        "".join(traceback.format_exception_only(type(exc), exc)).strip()
        + "\n"
        + "".join(traceback.format_tb(exc.__traceback__, limit=5))
    )


def place_of(message: ConsumerRecord) -> tuple[str, str] | None:
    """Where a message's order holds: its topic and key (None for a message without a key)."""
    key = message_key(message)
    return None if key is None else (message.topic, key)
