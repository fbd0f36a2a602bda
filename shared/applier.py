"""How a consumer applies events to its projections: each exactly once (its id recorded in the
inbox in the handler's own transaction), a poll's ordinary events together in one transaction,
and one event at a time with its retries, unless its key is parked behind a dead letter."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from aiokafka import ConsumerRecord, TopicPartition

from shared import context, metrics
from shared.db import Database, is_transient
from shared.dead_letters import DeadLetters, describe, place_of
from shared.event_handlers import Handler, RetryLater, RetryPolicy, TransientError
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.gathered import gathered_writes
from shared.inbox import Inbox
from shared.polls import Decoded

log = logging.getLogger(__name__)

SYSTEM_AGENCY = "system"


@dataclass
class Outcome:
    """What became of one event."""

    applied: bool = False
    duplicate: bool = False
    skipped: bool = False
    dead: str | None = None


@dataclass
class Applier:
    """Applies the events of the consumer `name` to `db`."""

    name: str
    db: Database
    inbox: Inbox
    dead: DeadLetters
    retry: RetryPolicy

    def __post_init__(self) -> None:
        self.actor = context.Actor(subject=self.name, agency=SYSTEM_AGENCY)

    async def together(
        self, runs: dict[TopicPartition, list[Decoded]]
    ) -> dict[TopicPartition, int]:
        """Apply each partition's leading run of ordinary messages, all in one transaction, and
        return how many of each partition it took (none: nothing). Ordinary means decodable, of
        a known type, and of no parked key; if any of them fails, nothing is kept and each goes
        the one-by-one way, with its retries and dead letters. A replay reads thousands of
        events a second so."""
        run = [item for items in runs.values() for item in items]
        if len(run) < 2:
            return {}
        applied: list[tuple[str, str, datetime]] = []
        duplicates: list[str] = []
        try:
            async with self.db.transaction() as session:
                if await self.dead.blocks(session, (place_of(m) for m, *_ in run)):
                    return {}
                fresh = await self.inbox.record(session, [e for _m, e, _ev, h in run if h])
                async with gathered_writes(session):
                    for message, envelope, event, handler in run:
                        if handler is None:
                            continue
                        if envelope.id not in fresh:
                            duplicates.append(envelope.type)
                            continue
                        fresh.discard(envelope.id)  # a second copy in one run is a duplicate
                        with self._bound(envelope):
                            await handler(session, event, envelope)
                        applied.append((message.topic, envelope.type, envelope.time))
        except Exception as exc:
            log.info(
                "consumer %s: %d events together failed (%r); one by one", self.name, len(run), exc
            )
            return {}
        metrics.count_applied_together(self.name, applied)
        for event_type in duplicates:
            metrics.EVENTS_DUPLICATE.labels(self.name, event_type).inc()
        return {tp: len(items) for tp, items in runs.items() if items}

    def _bound(self, envelope: Envelope) -> context.bound:
        return context.bound(
            correlation=envelope.correlation_id,
            causation=envelope.id,
            trace=envelope.traceparent,
            who=self.actor,
        )

    async def with_retries(
        self, message: ConsumerRecord, envelope: Envelope, event: Event, handler: Handler
    ) -> Outcome:
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                return await self.once(envelope, event, handler, place=place_of(message))
            except Exception as exc:
                if not (isinstance(exc, TransientError) or is_transient(exc)):
                    log.error(
                        "consumer %s: %s %s failed permanently: %r",
                        self.name,
                        envelope.type,
                        envelope.id,
                        exc,
                    )
                    return Outcome(dead=describe(exc))
                metrics.EVENTS_FAILED.labels(self.name, envelope.type, "transient").inc()
                if attempt == self.retry.max_attempts:
                    raise RetryLater(
                        f"{envelope.type} {envelope.id} failed {attempt} times: {exc!r}"
                    ) from exc
                await asyncio.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    async def once(
        self,
        envelope: Envelope,
        event: Event,
        handler: Handler,
        *,
        place: tuple[str, str] | None,
    ) -> Outcome:
        """Apply one event unless its `place` (topic, key) is parked (None: do not check)."""
        async with self.db.transaction() as session:
            if place is not None and await self.dead.blocks(session, {place}):
                return Outcome(skipped=True)
            if not await self.inbox.record(session, [envelope]):
                return Outcome(duplicate=True)
            with self._bound(envelope):
                await handler(session, event, envelope)
        return Outcome(applied=True)
