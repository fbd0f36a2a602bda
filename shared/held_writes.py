"""A command's row writes, sent to PostgreSQL together: one round trip for all of them.

A command reads and locks the records it changes, then adds a record or two, saves the ones it
changed, records its events and stores its response under the caller's Idempotency-Key: four
writes or more, each a round trip that costs the service and the server more than the row
itself. Inside `writes_held(session)` (each command's unit of work), the repositories' adds and
saves, the outbox's rows and the stored response are held back instead, and sent as one
statement, each write a data-modifying `WITH` query of it, when the block ends, or before any
other statement the session runs, which therefore sees every earlier write.

The writes keep the meaning they would have if each were sent alone:
- the parts of one statement see one snapshot and must not change one row twice, so a write
  to a row that a held write names sends what is held first;
- each write says what to raise if it changes no row: a save over a version someone else
  changed since it was read raises its `StaleVersion` when the writes are sent, an
  Idempotency-Key that a twin request stored first its `Conflict`;
- an insert's constraints hold as before (a foreign key is checked at the statement's end,
  after every part of it).

On SQLite, which has no data-modifying `WITH`, and outside the block, each write is sent at
once.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from shared.db import on_postgres
from shared.errors import PlatformError

_KEY = "ccn.held_writes"

HELD_AT_MOST = 32
"""Writes sent in one statement at most: a command that writes hundreds of rows sends them
32 at a time, so that no statement outgrows the server's parameters or the cache of
statements compiled."""


@dataclass(frozen=True)
class Inserting:
    """`INSERT INTO table (columns)`, each value a parameter named `<column>_`; if `new_only`,
    a row that a unique key holds already is skipped (`ON CONFLICT DO NOTHING`, which SQLite
    takes too) and the write changes none."""

    table: Table
    columns: tuple[str, ...]
    new_only: bool = False

    def statement(self, prefix: str) -> Insert:
        values: dict[str, Any] = {name: bindparam(f"{prefix}{name}_") for name in self.columns}
        if self.new_only:
            return postgresql.insert(self.table).values(values).on_conflict_do_nothing()
        return self.table.insert().values(values)


@dataclass(frozen=True)
class Saving:
    """`UPDATE table SET columns WHERE id = :id_`, each value a parameter named `<column>_`;
    for a versioned table, only while the row's version is `read_at_`."""

    table: Table
    columns: tuple[str, ...]

    def statement(self, prefix: str) -> Update:
        query = self.table.update().where(self.table.c.id == bindparam(f"{prefix}id_"))
        if "version" in self.table.c:
            query = query.where(self.table.c.version == bindparam(f"{prefix}read_at_"))
        return query.values({name: bindparam(f"{prefix}{name}_") for name in self.columns})


Shape = Inserting | Saving


@dataclass(frozen=True)
class RowWrite:
    """One row written: the statement's shape, its parameters (named as the shape names them),
    the row (table and key), and the error to raise if it changes no row (None: it cannot)."""

    shape: Shape
    parameters: dict[str, Any]
    row: tuple[Table, Any]
    refused: PlatformError | None = None

    def check(self, changed: int) -> None:
        if changed != 1 and self.refused is not None:
            raise self.refused


class _Held:
    def __init__(self) -> None:
        self.writes: list[RowWrite] = []
        self.rows: set[tuple[Table, Any]] = set()

    def take(self) -> list[RowWrite]:
        writes, self.writes, self.rows = self.writes, [], set()
        return writes


@functools.lru_cache(maxsize=512)
def _alone(shape: Shape) -> Insert | Update:
    return shape.statement("")


@functools.lru_cache(maxsize=256)
def _together(shapes: tuple[Shape, ...]) -> Select[Any]:
    """One statement of every shape in turn, answering how many rows each changed."""
    parts = [
        shape.statement(f"w{i}_").returning(literal_column("1")).cte(f"w{i}")
        for i, shape in enumerate(shapes)
    ]
    return select(*(select(func.count()).select_from(part).scalar_subquery() for part in parts))


def _send(session: Session, writes: list[RowWrite]) -> None:
    if len(writes) == 1:
        (write,) = writes
        result = session.execute(_alone(write.shape), write.parameters)
        write.check(result.rowcount)  # type: ignore[attr-defined]
        return
    parameters = {
        f"w{i}_{name}": value
        for i, write in enumerate(writes)
        for name, value in write.parameters.items()
    }
    counts = session.execute(_together(tuple(w.shape for w in writes)), parameters).one()
    for write, changed in zip(writes, counts, strict=True):
        write.check(changed)


@asynccontextmanager
async def writes_held(session: AsyncSession) -> AsyncIterator[None]:
    """Hold the session's row writes back (on PostgreSQL), and send them together when the
    block ends, or before any other statement the session runs."""
    if not on_postgres(session):
        yield
        return
    held = session.info[_KEY] = _Held()
    try:
        yield
        if held.writes:
            await session.run_sync(_send, held.take())
    finally:
        del session.info[_KEY]


async def write_row(session: AsyncSession, write: RowWrite) -> None:
    """Send the write now, or hold it if the session holds its writes."""
    held: _Held | None = session.info.get(_KEY)
    if held is None:
        result = await session.execute(_alone(write.shape), write.parameters)
        write.check(result.rowcount)  # type: ignore[attr-defined]
        return
    if write.row in held.rows or len(held.writes) >= HELD_AT_MOST:
        await session.run_sync(_send, held.take())
    held.writes.append(write)
    held.rows.add(write.row)


async def insert_rows(session: AsyncSession, rows: list[RowWrite]) -> None:
    """Insert rows of one shape: held if the session holds its writes, else in one
    `executemany`."""
    if _KEY in session.info:
        for row in rows:
            await write_row(session, row)
    elif rows:
        await session.execute(_alone(rows[0].shape), [row.parameters for row in rows])


@event.listens_for(Session, "do_orm_execute")
def _send_held_first(state: ORMExecuteState) -> None:
    held: _Held | None = state.session.info.get(_KEY)
    if held is not None and held.writes:
        _send(state.session, held.take())
