"""Async SQLAlchemy 2 engine and sessions for one service's own database."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import (
    ARRAY,
    JSON,
    MetaData,
    Table,
    bindparam,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.columns import JsonList
from shared.gathered import Columnar, try_copy, write
from shared.optimistic import begin_before_writes

# Stable constraint names, so that migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the platform's naming convention: one per service database."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle this long is pinged before it is handed out."""

_RETURNED = "ccn.returned_at"


def _returned(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED] = time.monotonic()


def _checked_out(engine: Engine) -> Any:
    """A pool listener that hands out only live connections, at no cost for a busy one.

    A connection the server closed (it restarted, or ended the session) is seen as closed by
    the driver as soon as the event loop reads the server's goodbye: that one, and every other
    pooled then, is replaced. One idle for `PING_AFTER_IDLE_S` or more (a firewall may have
    dropped it silently) is pinged first, as `pool_pre_ping` would ping each one; a busy pool's
    connections, back a moment ago, are not: the round trips would cost more than the write.
    """

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise InvalidatePoolError("the server closed the connection")
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned >= PING_AFTER_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:
                raise InvalidatePoolError(f"the connection does not answer: {exc}") from exc

    return check


class Sessions(Protocol):
    """Where a unit of work gets its session: a database, or the live generation of one."""

    def sessions(self) -> AbstractAsyncContextManager[AsyncSession]: ...
    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]: ...
    def optimistic(self) -> AbstractAsyncContextManager[AsyncSession] | None: ...


class Database:
    """One service's database: an engine, a session factory and a transaction boundary."""

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 20, schema: str | None = None
    ) -> None:
        """`schema`: on PostgreSQL, the schema its tables live in (the default one if None)."""
        self.url = url
        self.schema = schema
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if schema is not None:
                raise ValueError("a SQLite database has no schemas: use another file")
            # A file's connections are pooled (the default): opening one per transaction,
            # with its pragmas, costs more than the work of most transactions.
        else:
            # A pool that keeps what a busy service holds at once (requests, the relay, its
            # leadership, consumers): an overflow connection is closed when it comes back, and
            # opening one costs a server process and the driver's type lookups.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size // 2)
            if schema is not None:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine, "checkin", _returned)
            event.listen(self.engine.sync_engine, "checkout", _checked_out(self.sync_engine))
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._autocommit: AsyncEngine | None = None
        if self.is_postgres:
            # Optimistic units take the pool's connections without a transaction.
            self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            begin_before_writes(self._autocommit.sync_engine)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def sync_engine(self) -> Engine:
        return self.engine.sync_engine

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session whose work commits when the block ends, and rolls back on any error."""
        return _begun(self.sessions)

    def optimistic(self) -> AbstractAsyncContextManager[AsyncSession] | None:
        """A session for an optimistic unit of work (`shared.optimistic`), without a transaction
        until it sends anything but plain reads and held writes. None on SQLite."""
        return None if self._autocommit is None else _optimistic_unit(self._autocommit)

    async def create_all(self, metadata: MetaData) -> None:
        """Create the tables of `metadata` (tests and the embedded default; production migrates)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def _begun(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def _optimistic_unit(autocommit: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session bound to a connection of its own, which it uses only if the unit sends a
    statement through it. Most units send theirs straight to the driver (`unit_driver`), each
    committed as it runs: they then cost neither the session's transaction nor its
    connection's, and the session's `after_commit` listeners (the outbox's, which wake the
    relays) are told at the end. A unit that used the session commits it, or rolls it back."""
    async with autocommit.connect() as connection:
        session = AsyncSession(bind=connection, expire_on_commit=False)
        try:
            yield session
            if session.in_transaction():
                await session.commit()
            else:
                session.sync_session.dispatch.after_commit(session.sync_session)
        finally:
            if session.in_transaction():  # an error: roll back what went through the session
                await session.close()


def unit_driver(session: AsyncSession) -> Any:
    """The driver's connection of an optimistic unit's session (`Database.optimistic`): taken
    from the pool with the unit, so asking for it sends nothing."""
    bind = session.sync_session.bind
    assert isinstance(bind, Connection), "not an optimistic unit's session"
    return bind.connection.dbapi_connection


def bound_dialect(session: AsyncSession) -> Any:
    """The dialect of what the session is bound to (its engine, or an optimistic unit's
    connection): a plain attribute, not the async proxies of it, as a replay asks for it for
    every row it writes, and an optimistic unit for each statement it sends to the driver."""
    bind = session.sync_session.bind
    assert bind is not None
    return bind.dialect


def _dialect(session: AsyncSession) -> Any:
    return postgresql if bound_dialect(session).name == "postgresql" else sqlite


def on_postgres(session: AsyncSession) -> bool:
    """Whether the session writes to PostgreSQL (else SQLite)."""
    return _dialect(session) is postgresql


ORDINALITY = "ordinality_"
"""The position of a row in the arrays it travels in."""


def _as_arrays(dialect: Any, table: Table, columns: tuple[str, ...]) -> bool:
    """Whether rows of `columns` may travel as one array per column: on PostgreSQL, if no value
    is a list (an array of lists reads as one of more dimensions) and no other column takes a
    value computed in Python (it would be computed once for every row)."""
    return (
        dialect is postgresql
        and not any(isinstance(table.c[name].type, LISTS) for name in columns)
        and all(
            c.default is None and c.onupdate is None for c in table.columns if c.name not in columns
        )
    )


LISTS = (JsonList, ARRAY, JSON)
"""Column types whose values may be lists."""


def _unnested(table: Table, columns: tuple[str, ...], names: tuple[str, ...]) -> Any:
    """The rows of one array per column, each array typed as `table`'s column in `columns` and
    named as in `names`, in the arrays' order."""
    arrays = [
        bindparam(name, type_=postgresql.ARRAY(table.c[column].type))
        for column, name in zip(columns, names, strict=True)
    ]
    return func.unnest(*arrays).table_valued(*names, with_ordinality=ORDINALITY).render_derived()


def _from_arrays(table: Table, columns: tuple[str, ...]) -> Any:
    """`INSERT INTO table (columns) SELECT … FROM unnest(…)`, the rows in the arrays' order."""
    rows = _unnested(table, columns, columns)
    chosen = select(*(rows.c[name] for name in columns)).order_by(rows.c[ORDINALITY])
    return postgresql.insert(table).from_select(list(columns), chosen)


@functools.cache
def _inserting(dialect: Any, table: Table, columns: tuple[str, ...]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` into `table`, built once: the values go as parameters
    (on PostgreSQL, as an array per column), so a hot path neither rebuilds nor recompiles it.
    Of two rows of one key, the first stays, as if each was sent in turn."""
    if _as_arrays(dialect, table, columns):
        statement = _from_arrays(table, columns).on_conflict_do_nothing()
        return Columnar(statement, columns, copied_into=table)
    return dialect.insert(table).on_conflict_do_nothing()


@functools.cache
def _inserting_new(dialect: Any, table: Table, columns: tuple[str, ...], returning: str) -> Any:
    if _as_arrays(dialect, table, columns):
        statement = _from_arrays(table, columns).on_conflict_do_nothing()
        return Columnar(statement.returning(table.c[returning]), columns, copied_into=table)
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c[returning])


@functools.cache
def _upserting(dialect: Any, table: Table, key: str, columns: tuple[str, ...]) -> Any:
    """`INSERT … ON CONFLICT (key) DO UPDATE` the other columns, built once."""
    changed = [name for name in columns if name != key]
    arrays = _as_arrays(dialect, table, columns)
    insert = _from_arrays(table, columns) if arrays else dialect.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=[key], set_={name: insert.excluded[name] for name in changed}
    )
    return Columnar(statement, columns, key, copied_into=table) if arrays else statement


@functools.cache
def _updating(dialect: Any, table: Table, key: str, changed: tuple[str, ...]) -> Any:
    """`UPDATE table SET changed WHERE key`, built once (on PostgreSQL, `… FROM unnest(…)`)."""
    if _as_arrays(dialect, table, (key, *changed)):
        names = ("key_", *(f"{name}_" for name in changed))
        rows = _unnested(table, (key, *changed), names)
        statement = (
            update(table)
            .where(table.c[key] == rows.c.key_)
            .values({name: rows.c[f"{name}_"] for name in changed})
        )
        return Columnar(statement, names, "key_")
    return (
        update(table)
        .where(table.c[key] == bindparam("key_"))
        .values({name: bindparam(f"{name}_") for name in changed})
    )


async def insert_ignoring_duplicates(session: AsyncSession, table: Table, **values: Any) -> None:
    """INSERT the row unless a unique key already holds one."""
    await write(session, table, _inserting(_dialect(session), table, tuple(values)), values)


async def insert_new(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], *, returning: str
) -> set[Any]:
    """INSERT the rows in one statement, skipping those a unique key already holds; the
    `returning` column of the rows inserted. The rows have the same columns."""
    if not rows:
        return set()
    statement = _inserting_new(_dialect(session), table, tuple(rows[0]), returning)
    if not isinstance(statement, Columnar):
        return set((await session.execute(statement, rows)).scalars())
    if statement.copies(rows) and await session.run_sync(try_copy, statement, rows):
        return {row[returning] for row in rows}
    found = await session.execute(statement.statement, statement.parameters(rows))
    return set(found.scalars())


async def upsert(session: AsyncSession, table: Table, *, key: str, **values: Any) -> None:
    """INSERT the row, or UPDATE the one that has its `key` already."""
    statement = _upserting(_dialect(session), table, key, tuple(values))
    await write(session, table, statement, values)


async def update_row(session: AsyncSession, table: Table, *, key: str, **values: Any) -> None:
    """UPDATE the row whose `key` column holds `values[key]` with the other values."""
    changed = tuple(sorted(name for name in values if name != key))
    parameters = {f"{name}_": values[name] for name in changed}
    statement = _updating(_dialect(session), table, key, changed)
    row = {"key_": values[key], **parameters}
    await write(session, table, statement, row, updating=(key, values[key]))


TRANSIENT_SQLSTATES = ("08", "57P01", "57P02", "57P03", "40001", "40P01")
"""PostgreSQL's: a connection lost or refused (class 08), the server shutting down or starting
(57P01–57P03: "the database system is shutting down"), and a transaction to try again
(a serialization failure, a deadlock)."""


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: lost connections and timeouts, a database restarting, not bugs
    or bad data."""
    if isinstance(exc, ConnectionError | TimeoutError | InterfaceError | OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        return bool(exc.connection_invalidated) or sqlstate.startswith(TRANSIENT_SQLSTATES)
    return isinstance(exc, OSError)
