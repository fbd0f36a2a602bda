"""Writes gathered over a batch, on both databases: the same rows as writing them one by one,
in a few statements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Column, Integer, String, Table, event, func, select

from shared.db import (
    Database,
    insert_ignoring_duplicates,
    insert_new,
    new_metadata,
    update_row,
    upsert,
)
from shared.gathered import COPY_FIRST_ROWS, gathered_writes

metadata = new_metadata()
rows = Table(
    "rows",
    metadata,
    Column("id", String(10), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("n", Integer, nullable=False, default=0),
)
others = Table("others", metadata, Column("id", String(10), primary_key=True))
kept = Table(
    "kept",
    metadata,
    Column("id", String(10), primary_key=True),
    Column("state", String(20), nullable=False),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.create_all(metadata)
    yield database
    await database.dispose()


@contextmanager
def statements_sent(db: Database, *, direct: bool = True) -> Iterator[list[str]]:
    """The statements the database receives (an executemany counts once): through the
    session, and (if `direct`) straight from an optimistic unit to the driver
    (`shared.direct`)."""
    sent: list[str] = []
    drivers: list[Any] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split()[0])

    def count_direct(query: Any) -> None:
        # One set of arguments: not the driver's own BEGIN or COMMIT, nor an executemany
        # that the session counted already.
        if query.args and isinstance(query.args, tuple):
            sent.append(query.query.split()[0])

    def watch(dbapi_connection: Any, *_: Any) -> None:
        driver = dbapi_connection.driver_connection
        if hasattr(driver, "add_query_logger"):  # asyncpg's, not SQLite's
            driver.add_query_logger(count_direct)
            drivers.append(driver)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    if direct:
        event.listen(engine, "checkout", watch)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)
        if direct:
            event.remove(engine, "checkout", watch)
        for driver in drivers:
            driver.remove_query_logger(count_direct)


async def table_state(db: Database) -> dict[str, tuple[str, int]]:
    async with db.sessions() as session:
        found = await session.execute(select(rows.c.id, rows.c.state, rows.c.n))
        return {r.id: (r.state, r.n) for r in found}


async def test_many_rows_go_in_one_statement_per_table_and_kind(db: Database) -> None:
    with statements_sent(db) as sent:
        async with db.transaction() as session, gathered_writes(session):
            for i in range(50):
                await insert_ignoring_duplicates(session, rows, id=f"r{i}", state="new", n=i)
                await insert_ignoring_duplicates(session, others, id=f"o{i}")
            for i in range(0, 50, 2):
                await update_row(session, rows, key="id", id=f"r{i}", state="done")
    assert sent.count("INSERT") + sent.count("SAVEPOINT") == 2  # an insert, or a copy
    assert sent.count("UPDATE") == 1
    state = await table_state(db)
    assert len(state) == 50
    assert state["r0"] == ("done", 0) and state["r1"] == ("new", 1) and state["r48"][0] == "done"


async def test_an_update_before_its_rows_insert_changes_nothing_as_one_by_one(
    db: Database,
) -> None:
    async with db.transaction() as session, gathered_writes(session):
        await update_row(session, rows, key="id", id="a", state="early")
        await insert_ignoring_duplicates(session, rows, id="a", state="inserted")
        await insert_ignoring_duplicates(session, rows, id="b", state="inserted")
        await update_row(session, rows, key="id", id="b", state="updated")
    assert await table_state(db) == {"a": ("inserted", 0), "b": ("updated", 0)}


async def test_upserts_of_one_key_leave_the_last(db: Database) -> None:
    async with db.transaction() as session, gathered_writes(session):
        await upsert(session, rows, key="id", id="a", state="first", n=1)
        await update_row(session, rows, key="id", id="a", n=5)
        await upsert(session, rows, key="id", id="a", state="second", n=2)
        await upsert(session, rows, key="id", id="a", state="third", n=3)
    assert await table_state(db) == {"a": ("third", 3)}


async def test_rows_of_one_key_in_one_run_end_as_sent_one_by_one(db: Database) -> None:
    # On PostgreSQL a run travels as arrays, in one statement: it keeps the first of two
    # inserts of one key and the last of two updates.
    async with db.transaction() as session, gathered_writes(session):
        for state in ("first", "second"):
            await insert_ignoring_duplicates(session, rows, id="a", state=state, n=1)
            await insert_ignoring_duplicates(session, rows, id="b", state=state, n=1)
    async with db.transaction() as session, gathered_writes(session):
        for n in (2, 3):
            await update_row(session, rows, key="id", id="b", state="updated", n=n)
    assert await table_state(db) == {"a": ("first", 1), "b": ("updated", 3)}


async def test_a_read_in_between_sees_every_earlier_write(db: Database) -> None:
    async with db.transaction() as session, gathered_writes(session):
        await insert_ignoring_duplicates(session, rows, id="a", state="new")
        await insert_ignoring_duplicates(session, rows, id="b", state="new")
        seen = (await session.execute(select(func.count()).select_from(rows))).scalar_one()
        await update_row(session, rows, key="id", id="a", state="read")
    assert seen == 2
    assert (await table_state(db))["a"] == ("read", 0)


async def test_nothing_is_written_when_the_block_fails(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session, gathered_writes(session):
            await insert_ignoring_duplicates(session, rows, id="a", state="new")
            raise RuntimeError("a handler failed")
    assert await table_state(db) == {}
    async with db.transaction() as session:
        await insert_ignoring_duplicates(session, rows, id="a", state="alone")
    assert await table_state(db) == {"a": ("alone", 0)}


@contextmanager
def inserts_sent(db: Database) -> Iterator[list[str]]:
    """The INSERT statements the database receives, whole."""
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT"):
            sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", keep)


async def test_a_long_run_of_new_rows_is_copied_in_on_postgresql(db: Database) -> None:
    with inserts_sent(db) as sent:
        async with db.transaction() as session, gathered_writes(session):
            for i in range(COPY_FIRST_ROWS):
                await insert_ignoring_duplicates(session, rows, id=f"r{i}", state="new", n=i)
                await upsert(session, kept, key="id", id=f"k{i}", state="new")
        async with db.transaction() as session:
            fresh = await insert_new(
                session,
                rows,
                [{"id": f"s{i}", "state": "new", "n": i} for i in range(COPY_FIRST_ROWS)],
                returning="id",
            )
    assert fresh == {f"s{i}" for i in range(COPY_FIRST_ROWS)}
    # A copy goes by the driver's COPY, not by an INSERT; SQLite inserts each run at once.
    assert len(sent) == (3 if db.is_sqlite else 0)
    state = await table_state(db)
    assert len(state) == 2 * COPY_FIRST_ROWS and state["r7"] == ("new", 7)
    async with db.sessions() as session:
        upserted = dict((await session.execute(select(kept.c.id, kept.c.state))).all())
    assert len(upserted) == COPY_FIRST_ROWS


async def test_a_long_run_meeting_a_row_already_there_ends_as_the_careful_insert(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await insert_ignoring_duplicates(session, rows, id="r3", state="there", n=3)
        await upsert(session, kept, key="id", id="k3", state="there")
    async with db.transaction() as session, gathered_writes(session):
        for i in range(COPY_FIRST_ROWS):
            await insert_ignoring_duplicates(session, rows, id=f"r{i}", state="new", n=i)
            await upsert(session, kept, key="id", id=f"k{i}", state="new")
        await insert_ignoring_duplicates(session, rows, id="r9", state="again", n=9)
    async with db.transaction() as session:
        fresh = await insert_new(
            session,
            rows,
            [{"id": f"r{i}", "state": "later", "n": i} for i in range(2 * COPY_FIRST_ROWS)],
            returning="id",
        )
    assert fresh == {f"r{i}" for i in range(COPY_FIRST_ROWS, 2 * COPY_FIRST_ROWS)}
    state = await table_state(db)
    assert state["r3"] == ("there", 3) and state["r9"] == ("new", 9)
    assert state["r4"] == ("new", 4) and state[f"r{COPY_FIRST_ROWS}"][0] == "later"
    async with db.sessions() as session:
        upserted = dict((await session.execute(select(kept.c.id, kept.c.state))).all())
    assert len(upserted) == COPY_FIRST_ROWS and set(upserted.values()) == {"new"}
