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

In an optimistic unit of work (`writes_held(session, optimistic=True)`, see
`shared.optimistic`), what is held when the block ends goes as one statement that fails whole
if a write is refused, and a write refused raises `NeedsLocks` (the command runs again under
locks) instead of its error; writes sent before, once the unit has begun a transaction, are
undone with it. Until it begins one, that statement, and the repositories' reads by id
(`read_directly`), go straight to the driver (`shared.direct`), not through the session.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Insert,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    cast,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from shared.db import bound_dialect, on_postgres, unit_driver
from shared.direct import Direct
from shared.errors import PlatformError
from shared.optimistic import SENDING_HELD_WRITES, NeedsLocks, begin

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

    @property
    def versioned(self) -> bool:
        return "version" in self.table.c

    def statement(self, prefix: str) -> Update:
        query = self.table.update().where(self.table.c.id == bindparam(f"{prefix}id_"))
        if self.versioned:
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

    def check(self, changed: int, optimistic: bool = False) -> None:
        """Raise `refused` if the write changed no row; in an optimistic unit, `NeedsLocks`."""
        if changed != 1 and self.refused is not None:
            if optimistic:
                raise NeedsLocks(str(self.refused), reason="conflict")
            raise self.refused


REFUSED = "held writes refused: a row changed since it was read"
"""What PostgreSQL answers when an optimistic unit's statement fails on a write refused."""


class _Held:
    def __init__(self, driver: Any = None) -> None:
        self.driver = driver
        """An optimistic unit's connection (the driver's), else None."""
        self.writes: list[RowWrite] = []
        self.rows: set[tuple[Table, Any]] = set()
        self.noted: set[tuple[Table, Any]] = set()
        """The rows an optimistic unit read to change without locking them."""
        self.saved: set[tuple[Table, Any]] = set()
        """The rows it saves over the version read."""

    @property
    def optimistic(self) -> bool:
        return self.driver is not None

    @property
    def direct(self) -> Any | None:
        """The driver, while the unit's statements may go straight to it (`shared.direct`):
        an optimistic unit's, before it begins a transaction."""
        return self.driver if self.driver is not None and self.driver.autocommit else None

    def hold(self, write: RowWrite) -> None:
        self.writes.append(write)
        self.rows.add(write.row)
        if isinstance(write.shape, Saving) and write.shape.versioned:
            self.saved.add(write.row)

    def take(self) -> list[RowWrite]:
        writes, self.writes, self.rows = self.writes, [], set()
        return writes


@functools.lru_cache(maxsize=512)
def _alone(shape: Shape) -> Insert | Update:
    return shape.statement("")


@functools.lru_cache(maxsize=256)
def _together(shapes: tuple[Shape, ...], guarded: tuple[bool, ...] | None) -> Select[Any]:
    """One statement of every shape in turn, answering how many rows each changed; if
    `guarded`, it fails (`REFUSED`) unless each write it marks changed one row."""
    parts = [
        shape.statement(f"w{i}_").returning(literal_column("1")).cte(f"w{i}")
        for i, shape in enumerate(shapes)
    ]
    counts = [select(func.count()).select_from(part).scalar_subquery() for part in parts]
    if guarded is None or not any(guarded):
        return select(*counts)
    checked = [count == 1 for count, marked in zip(counts, guarded, strict=True) if marked]
    # The text is cast only if a check fails: it depends on the counts, so it cannot be
    # computed before the statement runs.
    verdict = case((and_(*checked), literal_column("'0'")), else_=literal_column(f"'{REFUSED}'"))
    return select(*counts, cast(verdict, Integer))


def _statement(writes: list[RowWrite], optimistic: bool) -> tuple[Any, dict[str, Any]]:
    """The statement that sends the writes, and its parameters."""
    if len(writes) == 1:
        (write,) = writes
        return _alone(write.shape), write.parameters
    parameters = {
        f"w{i}_{name}": value
        for i, write in enumerate(writes)
        for name, value in write.parameters.items()
    }
    guarded = tuple(w.refused is not None for w in writes) if optimistic else None
    return _together(tuple(w.shape for w in writes), guarded), parameters


def _checked(writes: list[RowWrite], changed: Any, optimistic: bool) -> None:
    for write, count in zip(writes, changed[: len(writes)], strict=True):
        write.check(count, optimistic)


@contextmanager
def _refusals(optimistic: bool) -> Iterator[None]:
    """In an optimistic unit, the statement failing on a write refused raises `NeedsLocks`."""
    try:
        yield
    except DBAPIError as error:
        if optimistic and REFUSED in str(error.orig):
            raise NeedsLocks(REFUSED, reason="conflict") from None
        raise


def _send(session: Session, writes: list[RowWrite], optimistic: bool = False) -> None:
    statement, parameters = _statement(writes, optimistic)
    with _refusals(optimistic):
        result = session.execute(
            statement, parameters, execution_options={SENDING_HELD_WRITES: True}
        )
        changed = [result.rowcount] if len(writes) == 1 else result.one()  # type: ignore[attr-defined]
    _checked(writes, changed, optimistic)


async def _sent_directly(session: AsyncSession, held: _Held) -> bool:
    """Send what an optimistic unit holds straight to its driver (`shared.direct`), if it has
    not begun a transaction; whether it did."""
    driver = held.direct
    if driver is None:
        return False
    statement, parameters = _statement(held.writes, True)
    direct = Direct.of(statement, bound_dialect(session))
    if direct is None:
        return False
    writes = held.take()
    with _refusals(True):
        if len(writes) == 1:
            changed: Any = [await direct.count(driver, parameters)]
        else:
            (changed,) = await direct.send(driver, parameters)
    _checked(writes, changed, True)
    return True


@asynccontextmanager
async def writes_held(session: AsyncSession, *, optimistic: bool = False) -> AsyncIterator[None]:
    """Hold the session's row writes back (on PostgreSQL), and send them together when the
    block ends, or before any other statement the session runs. If `optimistic`, the session
    is an optimistic unit's (`shared.optimistic`): it begins a transaction only when it must,
    and raises `NeedsLocks` if it cannot commit as it is."""
    if not on_postgres(session):
        yield
        return
    held = session.info[_KEY] = _Held(unit_driver(session) if optimistic else None)
    try:
        yield
        if not held.noted <= held.saved:
            raise NeedsLocks("a row read to change is not saved over the version read")
        if held.writes and not await _sent_directly(session, held):
            await session.run_sync(_send, held.take(), held.optimistic)
    finally:
        del session.info[_KEY]


def reads_locked(session: AsyncSession, *rows: tuple[Table, Any]) -> bool:
    """Whether a read of the rows (table, key), to change them, must lock them until the
    transaction ends: not in an optimistic unit of work without a transaction yet, which notes
    the rows instead."""
    held: _Held | None = session.info.get(_KEY)
    if held is None or held.direct is None:
        return True
    held.noted.update(rows)
    return False


def _send_in_transaction(session: Session, held: _Held) -> None:
    """Send what is held, in the session's transaction (an optimistic unit begins one now:
    what it runs next must see these writes, and they it)."""
    if held.driver is not None:
        begin(session.get_bind().dialect, held.driver)
    _send(session, held.take(), held.optimistic)


async def read_directly(
    session: AsyncSession, statement: Any, values: dict[str, Any]
) -> list[tuple[Any, ...]] | None:
    """The rows of a read sent straight to the driver (`shared.direct`) if the session is an
    optimistic unit's that may send it so; else None, and the caller reads through the
    session."""
    held: _Held | None = session.info.get(_KEY)
    # A read must see what is held: the session sends it first.
    driver = None if held is None or held.writes else held.direct
    direct = None if driver is None else Direct.of(statement, bound_dialect(session))
    return None if direct is None else await direct.send(driver, values)


async def write_row(session: AsyncSession, write: RowWrite) -> None:
    """Send the write now, or hold it if the session holds its writes."""
    held: _Held | None = session.info.get(_KEY)
    if held is None:
        result = await session.execute(_alone(write.shape), write.parameters)
        write.check(result.rowcount)  # type: ignore[attr-defined]
        return
    if write.row in held.rows or len(held.writes) >= HELD_AT_MOST:
        await session.run_sync(_send_in_transaction, held)
    held.hold(write)


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
        _send_in_transaction(state.session, held)
