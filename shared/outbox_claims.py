"""The relay's side of the outbox table: claiming the next unpublished rows in order, checking
that no older row of their aggregates was left behind, and marking rows published.

A claim locks its rows (FOR UPDATE) until its database transaction ends: a relay that has just
taken the lead waits for rows an old one still holds, so an aggregate's rows go out in order
whoever sends them. Marking a row published deletes it: the event lives on its topic now, and a
row kept would cost the database a new version of it and of its index entries, more than the
send itself.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

OutboxRow = Any  # a claimed outbox row: seq, id, aggregateid, type, topic, payload, headers


class ClaimedRow(NamedTuple):
    """An outbox row claimed on PostgreSQL."""

    seq: int
    id: str
    aggregateid: str
    type: str
    topic: str
    payload: str
    headers: str


class RowsLeftBehind(Exception):
    """A batch was not committed: an older row became visible while it was claimed."""


class OutboxClaims:
    """Claims of up to `batch_size` rows of an outbox `table`, and their marks."""

    def __init__(self, table: Table, *, batch_size: int, postgres: bool) -> None:
        self.table = table
        self.batch_size = batch_size
        self.postgres = postgres
        self._claim_sql: str | None = None

    async def begin(self, session: AsyncSession) -> None:
        """Set up a database transaction that will claim rows."""
        if self.postgres:
            # Claims walk the unpublished rows in seq order. Without this, statistics taken
            # while the outbox was nearly empty lead the planner to read and sort the whole
            # backlog for each claim of a few hundred rows.
            await session.execute(text("SET LOCAL enable_bitmapscan = off"))

    async def claim(
        self, session: AsyncSession, *, after: int = 0, skipping: tuple[int, int] | None = None
    ) -> list[OutboxRow]:
        """The next unpublished rows after seq `after`, locked until the transaction ends; not
        those from seq `skipping[0]` to `skipping[1]` (a transaction still being marked, whose
        own database transaction holds them)."""
        if self.postgres:
            return await self._claim_on_postgresql(session, after, skipping or (0, -1))
        t = self.table
        query = (
            select(t.c.seq, t.c.id, t.c.aggregateid, t.c.type, t.c.topic, t.c.payload, t.c.headers)
            .where(t.c.published_at.is_(None), t.c.seq > after)
            .order_by(t.c.seq)
            .limit(self.batch_size)
        )
        if skipping is not None:
            query = query.where(~t.c.seq.between(*skipping))
        return list((await session.execute(query)).all())

    async def _claim_on_postgresql(
        self, session: AsyncSession, after: int, skipping: tuple[int, int]
    ) -> list[OutboxRow]:
        """`claim` as one prepared statement on the session's own connection: its rows read
        as asyncpg gives them cost a third of the relay's time outside the sends otherwise."""
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        if self._claim_sql is None:
            table = connection.dialect.identifier_preparer.format_table(self.table)
            self._claim_sql = (
                "SELECT seq, id, aggregateid, type, topic, payload, headers "
                f"FROM {table} WHERE published_at IS NULL AND seq > $1 "
                "AND NOT (seq BETWEEN $2 AND $3) ORDER BY seq LIMIT $4 FOR UPDATE"
            )
        records = await driver.fetch(self._claim_sql, after, *skipping, self.batch_size)
        return [ClaimedRow._make(record) for record in records]

    async def check_none_left_behind(self, session: AsyncSession, rows: list[OutboxRow]) -> None:
        """Raise if an older row of an aggregate in `rows` is unpublished and not among them: a
        writer's transaction that took its seq before a claim and committed after it. Sent
        after the newer rows, it would follow a later event of its aggregate; the next attempt
        claims it first. Other aggregates' late rows go in the next batch: order is kept per
        aggregate only. (SQLite commits one writer at a time, so in the order of seq.)"""
        if not self.postgres:
            return
        t = self.table
        keys = sorted({row.aggregateid for row in rows})
        unpublished = int(
            await session.scalar(
                select(func.count()).where(
                    t.c.published_at.is_(None),
                    t.c.seq <= rows[-1].seq,
                    t.c.aggregateid.in_(keys),
                )
            )
            or 0
        )
        if unpublished != len(rows):
            raise RowsLeftBehind(
                f"{unpublished - len(rows)} older events of its aggregates committed while this "
                "batch was claimed"
            )

    async def mark(self, session: AsyncSession, rows: ColumnElement[bool]) -> int:
        """Mark the unpublished `rows` published: delete them. How many there were."""
        t = self.table
        result = await session.execute(delete(t).where(rows, t.c.published_at.is_(None)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def seq_in(self, seqs: list[int]) -> ColumnElement[bool]:
        """The rows of these seqs."""
        # One array parameter instead of an expanded IN list: cheaper to compile and plan.
        if self.postgres:
            return self.table.c.seq == any_(bindparam("seqs", seqs, ARRAY(BigInteger)))
        return self.table.c.seq.in_(seqs)

    def id_in(self, ids: list[str]) -> ColumnElement[bool]:
        """The rows of these event ids."""
        return self.table.c.id.in_(ids)
