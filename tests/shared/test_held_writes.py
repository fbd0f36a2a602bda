"""A command's row writes held and sent together, on both databases: the same rows and the same
refusals as sending each alone, in one statement on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, String, Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.columns import record_id
from shared.commands import Commands, UnitOfWork
from shared.db import Database, new_metadata
from shared.errors import Conflict, StaleVersion
from shared.held_writes import HELD_AT_MOST, writes_held
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
