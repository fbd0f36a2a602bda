"""Writes gathered over a batch: a consumer applying a poll's events together sends their rows
as one statement per table and kind, not one round trip per row.

Inside `gathered_writes(session)`, the inserts, upserts and keyed updates of `shared.db` are
held back and sent when the block ends, each run of rows of one statement with one
`executemany`. Any other statement the session runs in between sends what is held first, so it
sees every earlier write. A table's rows are sent in an order with the same effect as the
order they were written in: its inserts before its updates, except where an update touched
the row an insert names, which then waits for it. Tables are independent of each other's rows
(the projections gathered have no foreign keys between them).

On PostgreSQL a statement may be `Columnar`: a run of its rows then travels as one array per
column, and the server applies them in one execution instead of one per row. A long run of an
insert that skips or updates the rows a unique key holds already is first copied in (binary
`COPY`), inside a savepoint: nearly always none is there (a consumer applies only the events
its inbox has not seen), and a copy costs the server a third less than an insert that looks
for a conflict before each row, and the client a quarter of building and encoding the arrays.
If one was there after all, the savepoint is rolled back and the run goes the careful way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from asyncpg.exceptions import IntegrityConstraintViolationError
from sqlalchemy import Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.util import await_only

Rows = list[dict[str, Any]]
Runs = list[tuple[Any, Rows]]

_KEY = "ccn.gathered_writes"

COPY_FIRST_ROWS = 50
"""Runs at least this long try a copy first: for a few rows the savepoint's two round trips
cost more than the copy saves."""


@dataclass
class _Phase:
    """One table's inserts, then its updates, each as runs of one statement."""

    inserts: Runs = field(default_factory=list)
    updates: Runs = field(default_factory=list)
    updated: dict[str, set[Any]] = field(default_factory=dict)
    """The rows the updates name: the values of each column that names them."""

    def names_updated(self, values: dict[str, Any]) -> bool:
        return any(values.get(column) in named for column, named in self.updated.items())


class _Gathered:
    def __init__(self) -> None:
        self._phases: dict[Table, list[_Phase]] = {}

    def __bool__(self) -> bool:
        return bool(self._phases)

    def add(
        self,
        table: Table,
        statement: Any,
        values: dict[str, Any],
        updating: tuple[str, Any] | None,
    ) -> None:
        phases = self._phases.setdefault(table, [_Phase()])
        phase = phases[-1]
        if updating is not None:
            _append(phase.updates, statement, values)
            column, value = updating
            phase.updated.setdefault(column, set()).add(value)
            return
        if phase.updated and phase.names_updated(values):
            phase = _Phase()
            phases.append(phase)
        _append(phase.inserts, statement, values)

    def take(self) -> Runs:
        """Every run held, in an order to send them; nothing is held after."""
        runs = [
            run
            for phases in self._phases.values()
            for phase in phases
            for run in (*phase.inserts, *phase.updates)
        ]
        self._phases = {}
        return runs


@dataclass(frozen=True, eq=False)
class Columnar:
    """A statement that takes its rows as one array per column, named as the columns (through
    PostgreSQL's `unnest`): the same statement for any number of rows, so it is prepared once,
    and neither side handles a parameter per value."""

    statement: Any
    columns: tuple[str, ...]
    key: str | None = None
    """For an upsert or an update, the column naming the row it writes: of two rows of one key
    in a run, the later is sent alone (one statement cannot write a row twice). Both write the
    same columns, so the row ends as it would after each in turn."""
    copied_into: Table | None = None
    """For an insert that skips or updates rows a unique key holds: its table, into which the
    rows may be copied instead when no such row is there."""

    def unique_rows(self, rows: Rows) -> Rows:
        if self.key is not None:
            return list({row[self.key]: row for row in rows}.values())
        return rows

    def parameters(self, rows: Rows) -> dict[str, list[Any]]:
        rows = self.unique_rows(rows)
        return {name: [row[name] for row in rows] for name in self.columns}

    def copies(self, rows: Rows) -> bool:
        return self.copied_into is not None and len(rows) >= COPY_FIRST_ROWS

    def records(self, rows: Rows, dialect: Dialect) -> list[tuple[Any, ...]]:
        """The rows as tuples of the columns' values as the database takes them."""
        assert self.copied_into is not None
        columns = [self.copied_into.c[name] for name in self.columns]
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        values, single = itemgetter(*self.columns), len(self.columns) == 1
        records: list[tuple[Any, ...]] = []
        for row in self.unique_rows(rows):
            record = (values(row),) if single else values(row)
            if converted:
                changed = list(record)
                for i, process in converted:
                    changed[i] = process(changed[i])
                record = tuple(changed)
            records.append(record)
        return records


def try_copy(session: Session, statement: Columnar, rows: Rows) -> bool:
    """Copy `rows` into `statement`'s table inside a savepoint; False (and nothing written) if
    a unique key, or another constraint, refused one."""
    assert statement.copied_into is not None
    records = statement.records(rows, session.get_bind().dialect)
    try:
        with session.begin_nested():
            driver = session.connection().connection.driver_connection
            assert driver is not None
            copying = driver.copy_records_to_table(
                statement.copied_into.name, records=records, columns=statement.columns
            )
            await_only(copying)
    except IntegrityConstraintViolationError:
        return False
    return True


def _send(session: Session, runs: Runs) -> None:
    """Send each run with one execution of its statement (or one copy)."""
    for statement, rows in runs:
        if not isinstance(statement, Columnar):
            session.execute(statement, rows)
        elif not (statement.copies(rows) and try_copy(session, statement, rows)):
            session.execute(statement.statement, statement.parameters(rows))


def _append(runs: Runs, statement: Any, values: dict[str, Any]) -> None:
    if runs and runs[-1][0] is statement:
        runs[-1][1].append(values)
    else:
        runs.append((statement, [values]))


@asynccontextmanager
async def gathered_writes(session: AsyncSession) -> AsyncIterator[None]:
    """Hold the session's inserts, upserts and keyed updates back, and send them together when
    the block ends (or before any other statement the session runs)."""
    gathered = session.info[_KEY] = _Gathered()
    try:
        yield
        if gathered:
            await session.run_sync(_send, gathered.take())
    finally:
        del session.info[_KEY]


async def write(
    session: AsyncSession,
    table: Table,
    statement: Any,
    values: dict[str, Any],
    *,
    updating: tuple[str, Any] | None = None,
) -> None:
    """Run `statement` with `values` now, or hold it if the session gathers its writes.
    `updating`: for an UPDATE, the column and value that name the row it changes."""
    gathered = session.info.get(_KEY)
    if gathered is None:
        if isinstance(statement, Columnar):
            await session.execute(statement.statement, statement.parameters([values]))
        else:
            await session.execute(statement, values)
    else:
        gathered.add(table, statement, values, updating)


@event.listens_for(Session, "do_orm_execute")
def _send_gathered_first(state: ORMExecuteState) -> None:
    gathered = state.session.info.get(_KEY)
    if gathered:
        _send(state.session, gathered.take())
