"""Optimistic units of work on PostgreSQL: no lock and no transaction while a command needs
none, its writes in one statement that fails whole, a transaction begun where it must."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, unit_driver
from shared.held_writes import HELD_AT_MOST, writes_held
from shared.optimistic import NeedsLocks, reads_only
from tests.shared.test_gathered import statements_sent
from tests.shared.test_held_writes import Part, Parts, metadata, names
from tests.shared.test_repository import Thing, Things, things
from tests.shared.test_repository import metadata as repository_tables


@pytest.fixture
async def pg(pg_db: Database) -> Database:
    await pg_db.create_all(repository_tables)
    await pg_db.create_all(metadata)
    async with pg_db.transaction() as session:
        await Things(session).add(Thing("t1", "first"))
    return pg_db


@asynccontextmanager
async def optimistic_unit(db: Database) -> AsyncIterator[AsyncSession]:
    unit = db.optimistic()
    assert unit is not None
    async with unit as session, writes_held(session, optimistic=True):
        yield session


async def locked_elsewhere(db: Database, thing_id: str) -> bool:
    """Whether another transaction holds a lock on the thing's row now."""
    async with db.transaction() as session:
        query = select(things.c.id).where(things.c.id == thing_id).with_for_update(nowait=True)
        try:
            await session.execute(query)
        except DBAPIError as exc:
            assert "could not obtain lock" in str(exc)
            return True
    return False


async def test_an_optimistic_unit_locks_nothing_and_writes_in_one_statement(pg: Database) -> None:
    with statements_sent(pg) as sent:
        async with optimistic_unit(pg) as session:
            thing = await Things(session).lock("t1")
            assert not await locked_elsewhere(pg, "t1")
            thing.name = "changed"
            await Things(session).save(thing)
            await Things(session).add(Thing("t2", "new"))
            await Parts(session).add(Part("p1", "t2"))
    assert sent == ["SELECT", "SELECT", "WITH"]  # the second read is locked_elsewhere's
    assert await names(pg) == {"t1": ("changed", 2), "t2": ("new", 1)}
    async with pg.transaction() as session, writes_held(session):
        await Things(session).lock("t1")
        assert await locked_elsewhere(pg, "t1")  # as a unit in a transaction does


async def test_an_optimistic_unit_over_a_changed_row_writes_nothing(pg: Database) -> None:
    """The save over a version changed meanwhile refuses the whole statement: the rows added
    in the same statement, without a transaction around it, are not there either."""
    with pytest.raises(NeedsLocks, match="changed since it was read") as refused:
        async with optimistic_unit(pg) as session:
            thing = await Things(session).lock("t1")
            await Things(session).add(Thing("t2", "new"))
            async with pg.transaction() as other:
                theirs = await Things(other).lock("t1")
                theirs.name = "someone else's"
                await Things(other).save(theirs)
            thing.name = "mine"
            await Things(session).save(thing)
            await Things(session).add(Thing("t3", "newer"))
    assert refused.value.reason == "conflict"
    assert await names(pg) == {"t1": ("someone else's", 2)}


async def test_a_row_read_to_change_and_not_saved_needs_its_lock(pg: Database) -> None:
    """Its lock may have guarded another record (one open dossier a cluster): the unit writes
    nothing, and its command runs again under locks."""
    with pytest.raises(NeedsLocks, match="not saved over the version read") as refused:
        async with optimistic_unit(pg) as session:
            await Things(session).lock("t1")
            await Things(session).add(Thing("t2", "new"))
    assert refused.value.reason == "lock"
    assert await names(pg) == {"t1": ("first", 1)}


async def _read_after_a_write(session: AsyncSession) -> None:
    await Things(session).add(Thing("t2", "new"))
    assert (await Things(session).get("t2")).name == "new"


async def _written_alone(session: AsyncSession) -> None:
    await session.execute(things.update().where(things.c.id == "t1").values(name="direct"))
    await Things(session).add(Thing("t2", "new"))


async def _locked_for_itself(session: AsyncSession) -> None:
    await session.execute(select(things).where(things.c.id == "t1").with_for_update())
    await Things(session).add(Thing("t2", "new"))


async def _written_twice(session: AsyncSession) -> None:
    thing = await Things(session).lock("t1")
    await Things(session).save(thing)
    await Things(session).add(Thing("t2", "new"))
    await Things(session).save(thing)


async def _many(session: AsyncSession) -> None:
    for i in range(HELD_AT_MOST + 1):
        await Things(session).add(Thing(f"n{i}", "one of many"))


class Undone(Exception):
    pass


@pytest.mark.parametrize(
    "work", [_read_after_a_write, _written_alone, _locked_for_itself, _written_twice, _many]
)
@pytest.mark.parametrize("fails", [False, True], ids=["commits", "fails"])
async def test_an_optimistic_unit_begins_a_transaction_when_it_must(
    pg: Database, work: Callable[[AsyncSession], Awaitable[None]], fails: bool
) -> None:
    """A read that must see the unit's writes, a statement but a plain read, more writes than
    one statement takes: the unit goes on in a transaction, and commits all or nothing."""
    before = await names(pg)
    try:
        async with optimistic_unit(pg) as session:
            await work(session)
            if fails:
                raise Undone
    except Undone:
        assert await names(pg) == before
    else:
        assert len(await names(pg)) > len(before)


async def test_a_units_connection_goes_back_to_the_pool_as_it_came(postgres_url: str) -> None:
    """One connection in the pool: taken by a unit that began a transaction, by one that failed
    in it, and by one that never began one, it is without a transaction again for the next
    unit, and in one for a transaction's session (whose rollback undoes its insert)."""
    db = Database(postgres_url, pool_size=1)
    try:
        await db.create_all(repository_tables)
        async with optimistic_unit(db) as session:
            await _read_after_a_write(session)
        with pytest.raises(Undone):
            async with optimistic_unit(db) as session:
                await _written_alone(session)
                raise Undone
        async with optimistic_unit(db) as session:
            await Things(session).add(Thing("t3", "straight to the driver"))
        with pytest.raises(Undone):
            async with db.transaction() as session:
                await Things(session).add(Thing("t9", "undone"))
                raise Undone
        async with optimistic_unit(db) as session:
            assert unit_driver(session).autocommit
        assert set(await names(db)) == {"t2", "t3"}
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("sql", "reads"),
    [
        ("SELECT things.id FROM things WHERE things.id = $1", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", True),
        ("SELECT updated_at, last_update FROM things", True),
        ("SELECT things.id FROM things FOR UPDATE", False),
        ("select id from things for no key update", False),
        ("SELECT id FROM things FOR KEY SHARE", False),
        ("WITH w0 AS (INSERT INTO things (id) VALUES ($1) RETURNING 1) SELECT 1", False),
        ("SELECT nextval('outbox_seq')", False),
        ("SELECT pg_try_advisory_xact_lock(1)", False),
        ("UPDATE things SET name = $1", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("BEGIN", False),
    ],
)
def test_only_plain_reads_pass_for_reads(sql: str, reads: bool) -> None:
    assert reads_only(sql) is reads
