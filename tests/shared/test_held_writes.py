"""A command's row writes held and sent together, on both databases: the same rows and the same
refusals as sending each alone, in one statement on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, String, Table, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.columns import record_id
from shared.commands import Commands, UnitOfWork
from shared.db import Database, new_metadata
from shared.errors import Conflict, StaleVersion
from shared.held_writes import HELD_AT_MOST, writes_held
from shared.optimistic import NeedsLocks, reads_only
from shared.repository import RepositoryBase
from shared.service import sample_data_caller
from shared.tables import add_platform_tables
from tests.shared.test_gathered import statements_sent
from tests.shared.test_repository import Thing, Things, things
from tests.shared.test_repository import metadata as repository_tables

metadata = new_metadata()
parts = Table(
    "parts",
    metadata,
    record_id(),
    Column("thing_id", String(36), ForeignKey(things.c.id), nullable=False),
)
platform = add_platform_tables(metadata)


@dataclass
class Part:
    id: str
    thing_id: str


class Parts(RepositoryBase[Part]):
    table = parts
    entity = Part
    what = "part"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.create_all(repository_tables)
    await database.create_all(metadata)
    async with database.transaction() as session:
        await Things(session).add(Thing("t1", "first"))
    yield database
    await database.dispose()


async def names(db: Database) -> dict[str, tuple[str, int]]:
    async with db.sessions() as session:
        rows = (await session.execute(select(things.c.id, things.c.name, things.c.version))).all()
    return {id_: (name, version) for id_, name, version in rows}


async def test_a_units_writes_reach_postgresql_in_one_statement(db: Database) -> None:
    with statements_sent(db) as sent:
        async with db.transaction() as session, writes_held(session):
            thing = await Things(session).lock("t1")
            thing.name = "changed"
            await Things(session).save(thing)
            await Things(session).add(Thing("t2", "new"))
            await Parts(session).add(Part("p1", "t2"))  # its thing is in the same statement
    assert await names(db) == {"t1": ("changed", 2), "t2": ("new", 1)}
    if db.is_postgres:
        assert sent == ["SELECT", "WITH"]
    else:
        assert sent == ["SELECT", "UPDATE", "INSERT", "INSERT"]


async def test_a_read_after_held_writes_sees_them(db: Database) -> None:
    async with db.transaction() as session, writes_held(session):
        await Things(session).add(Thing("t2", "new"))
        await Parts(session).add(Part("p1", "t2"))
        count = select(func.count()).select_from(things.join(parts))
        assert (await session.execute(count)).scalar_one() == 1
        assert (await Things(session).get("t2")).name == "new"


async def test_a_row_written_twice_keeps_both_writes(db: Database) -> None:
    async with db.transaction() as session, writes_held(session):
        thing = await Things(session).lock("t1")
        thing.name = "second"
        await Things(session).save(thing)
        thing.name = "third"
        await Things(session).save(thing)
    assert await names(db) == {"t1": ("third", 3)}


async def test_a_stale_save_among_held_writes_refuses_the_whole_unit(db: Database) -> None:
    async with db.sessions() as session:
        read_earlier = await Things(session).get("t1")  # not locked
    async with db.transaction() as session:
        other = await Things(session).get("t1")
        other.name = "someone else's"
        await Things(session).save(other)
    read_earlier.name = "mine"
    with pytest.raises(StaleVersion, match="thing t1 was changed by someone else"):
        async with db.transaction() as session, writes_held(session):
            await Things(session).add(Thing("t2", "new"))
            await Things(session).save(read_earlier)
            await Things(session).add(Thing("t3", "newer"))
    assert await names(db) == {"t1": ("someone else's", 2)}


async def test_a_constraint_refuses_held_writes_as_it_would_each_alone(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session, writes_held(session):
            await Things(session).add(Thing("t2", "new"))
            await Parts(session).add(Part("p1", "no such thing"))
    assert await names(db) == {"t1": ("first", 1)}


async def test_many_writes_go_a_few_dozen_to_a_statement(db: Database) -> None:
    with statements_sent(db) as sent:
        async with db.transaction() as session, writes_held(session):
            for i in range(HELD_AT_MOST + 8):
                await Things(session).add(Thing(f"n{i}", "one of many"))
    assert len(await names(db)) == 1 + HELD_AT_MOST + 8
    if db.is_postgres:
        assert sent == ["WITH", "WITH"]
    else:
        assert sent == ["INSERT"] * (HELD_AT_MOST + 8)


class Added(BaseModel):
    name: str


@dataclass
class WithoutOptimisticUnits:
    """A database whose commands all run in a transaction under their locks."""

    db: Database

    def sessions(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.db.sessions()

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.db.transaction()

    def optimistic(self) -> None:
        return None


@pytest.mark.parametrize("optimistic", [True, False], ids=["optimistic", "under-locks"])
async def test_a_key_a_twin_stored_first_refuses_the_whole_command(
    pg_db: Database, optimistic: bool
) -> None:
    """Two requests under one Idempotency-Key: the one that stores its response first wins,
    and the other's writes, held with its response, are all refused. An optimistic command then
    runs again and answers the winner's response; one under locks answers 409."""
    await pg_db.create_all(repository_tables)
    await pg_db.create_all(metadata)
    db = pg_db if optimistic else WithoutOptimisticUnits(pg_db)
    commands = Commands(db, platform, rules=None, service="test")
    caller = sample_data_caller("so-cong-thuong", "14")
    added, go_on = asyncio.Event(), asyncio.Event()

    def adding(name: str, wait: bool = False):  # type: ignore[no-untyped-def]
        async def action(uow: UnitOfWork[None]) -> Added:
            await Things(uow.session).add(Thing(name, name))
            added.set()
            if wait:
                await go_on.wait()
            return Added(name=name)

        return action

    first = asyncio.create_task(
        commands.execute(caller, adding("slower", wait=True), key="k-1", fingerprint="same")
    )
    await added.wait()
    won = await commands.execute(caller, adding("faster"), key="k-1", fingerprint="same")
    go_on.set()
    if optimistic:
        lost = await first
        assert lost.replayed is not None and lost.body == {"name": "faster"}
    else:
        with pytest.raises(Conflict, match="'k-1' is being handled"):
            await first
    assert won.body == {"name": "faster"}
    assert set(await names(pg_db)) == {"faster"}
    replayed = await commands.execute(caller, adding("again"), key="k-1", fingerprint="same")
    assert replayed.replayed is not None and replayed.body == {"name": "faster"}


# -- optimistic units of work (PostgreSQL) ---------------------------------------------------


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
