"""The events a consumer has applied, by id: a redelivered one finds its row and is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import insert_new
from shared.events.envelope import Envelope


class Inbox:
    def __init__(self, table: Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer

    async def record(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> set[str]:
        """Record the events in the transaction with one statement; the ids that were not
        there yet, which the caller applies (a second copy of one in `envelopes` is not)."""
        now = datetime.now(UTC)
        rows = {
            e.id: {
                "consumer": self.consumer,
                "event_id": e.id,
                "event_type": e.type,
                "processed_at": now,
            }
            for e in envelopes
        }
        return await insert_new(session, self.table, list(rows.values()), returning="event_id")
