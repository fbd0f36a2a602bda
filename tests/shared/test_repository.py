"""The repository base on real databases: entities in and out, and the version guard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Column, Table, select
from sqlalchemy.exc import DBAPIError

from shared.columns import JsonList, named, record_id, versioned
from shared.db import Database, new_metadata
from shared.errors import NotFound, StaleVersion
from shared.pagination import Keyset, decode_cursor
from shared.repository import RepositoryBase

metadata = new_metadata()
things = Table(
    "things",
    metadata,
    record_id(),
    *named(100),
    *versioned(),
)

tagged = Table("tagged", metadata, record_id(), Column("tags", JsonList, nullable=False))


@dataclass
class Thing:
    id: str
    name: str
    version: int = 1


class Things(RepositoryBase[Thing]):
    table = things
    entity = Thing
    what = "thing"
    folded = ("name",)


@dataclass
class Tagged:
    id: str
    tags: list[str] = field(default_factory=list)


class TaggedThings(RepositoryBase[Tagged]):
    table = tagged
    entity = Tagged
    what = "tagged thing"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.create_all(metadata)
    yield database
    await database.dispose()


async def test_an_entity_goes_in_and_comes_back_with_its_search_column(db: Database) -> None:
    async with db.transaction() as session:
        await Things(session).add(Thing("t1", "Cụm công nghiệp Phố Mới"))
    async with db.sessions() as session:
        assert await Things(session).get("t1") == Thing("t1", "Cụm công nghiệp Phố Mới", 1)
        folded = (await session.execute(select(things.c.name_folded))).scalar_one()
        with pytest.raises(NotFound, match="no thing t2"):
            await Things(session).get("t2")
    assert folded == "cum cong nghiep pho moi"


async def test_a_save_bumps_the_version_it_was_read_at(db: Database) -> None:
    async with db.transaction() as session:
        await Things(session).add(Thing("t1", "A"))
    async with db.transaction() as session:
        thing = await Things(session).lock("t1")
        thing.name = "B"
        await Things(session).save(thing)
    assert thing.version == 2
    async with db.sessions() as session:
        assert await Things(session).get("t1") == Thing("t1", "B", 2)


async def test_saves_in_one_transaction_keep_every_change(db: Database) -> None:
    async with db.transaction() as session:
        await Things(session).add(Thing("t1", "A"))
    async with db.transaction() as session:
        thing = await Things(session).lock("t1")
        thing.name = "B"
        await Things(session).save(thing)
        thing.name = "A"  # back to the name it was read with: still a change to write
        await Things(session).save(thing)
    assert await _stored_t1(db) == (Thing("t1", "A", 3), "a")


async def _stored_t1(db: Database) -> tuple[Thing, str]:
    """Thing t1 as stored, and the folded name stored beside it."""
    async with db.sessions() as session:
        thing = await Things(session).get("t1")
        folded = (await session.execute(select(things.c.name_folded))).scalar_one()
    return thing, folded


async def test_a_list_changed_in_place_is_saved(db: Database) -> None:
    await db.create_all(metadata)
    async with db.transaction() as session:
        await TaggedThings(session).add(Tagged("t1", ["co khi"]))
    async with db.transaction() as session:
        thing = await TaggedThings(session).lock("t1")
        thing.tags.append("det may")
        await TaggedThings(session).save(thing)
    async with db.transaction() as session:
        thing = await TaggedThings(session).lock("t1")
        await TaggedThings(session).save(thing)  # nothing changed: it still exists
    async with db.sessions() as session:
        assert (await TaggedThings(session).get("t1")).tags == ["co khi", "det may"]


async def test_a_write_over_a_version_someone_changed_since_is_refused(db: Database) -> None:
    async with db.transaction() as session:
        await Things(session).add(Thing("t1", "first"))
    async with db.sessions() as session:
        read_earlier = await Things(session).get("t1")  # not locked
    async with db.transaction() as session:
        other = await Things(session).get("t1")
        other.name = "someone else's"
        await Things(session).save(other)
    read_earlier.name = "mine"
    with pytest.raises(StaleVersion, match="changed by someone else"):
        async with db.transaction() as session:
            await Things(session).save(read_earlier)
    async with db.sessions() as session:
        assert (await Things(session).get("t1")).name == "someone else's"


async def test_the_guard_holds_between_two_open_transactions(pg_db: Database) -> None:
    await pg_db.create_all(metadata)
    async with pg_db.transaction() as session:
        await Things(session).add(Thing("t1", "first"))
    async with pg_db.transaction() as mine:
        thing = await Things(mine).get("t1")  # read, not locked
        async with pg_db.transaction() as theirs:
            changed = await Things(theirs).get("t1")
            changed.name = "theirs"
            await Things(theirs).save(changed)
        thing.name = "mine"
        with pytest.raises(StaleVersion):
            await Things(mine).save(thing)


async def test_pages_follow_the_keys_and_cursors_round_trip(db: Database) -> None:
    async with db.transaction() as session:
        for i, name in enumerate(["Đông Anh", "Duyên Hải", "Phố Mới", "Mai Sơn", "Yên Châu"]):
            await Things(session).add(Thing(f"t{i}", name))
    keyset = Keyset((things.c.name_folded, things.c.id))
    seen: list[str] = []
    cursor: str | None = None
    async with db.sessions() as session:
        while True:
            page, cursor = await Things(session).page(
                select(things), keyset, cursor=cursor, limit=2
            )
            seen += [t.name for t in page]
            if cursor is None:
                break
            assert len(decode_cursor(cursor, 2)) == 2
    assert seen == ["Đông Anh", "Duyên Hải", "Mai Sơn", "Phố Mới", "Yên Châu"]


async def test_two_records_are_locked_and_read_together(db: Database) -> None:
    async with db.transaction() as session:
        await Things(session).add(Thing("t1", "Phố Mới"))
        await TaggedThings(session).add(Tagged("g1", ["co khi"]))
    async with db.transaction() as session:
        thing, tagged = await Things(session).lock_with("t1", TaggedThings(session), "g1")
        assert (thing, tagged) == (Thing("t1", "Phố Mới", 1), Tagged("g1", ["co khi"]))
        thing.name = "Mai Sơn"
        await Things(session).save(thing)
        await TaggedThings(session).save(tagged)
        for first, second, missing in (
            ("t9", "g1", "no thing t9"),
            ("t1", "g9", "tagged thing g9"),
        ):
            with pytest.raises(NotFound, match=missing):
                await Things(session).lock_with(first, TaggedThings(session), second)
    assert await _stored_t1(db) == (Thing("t1", "Mai Sơn", 2), "mai son")


async def test_two_records_locked_together_stay_locked_until_the_end(pg_db: Database) -> None:
    await pg_db.create_all(metadata)
    async with pg_db.transaction() as session:
        await Things(session).add(Thing("t1", "A"))
        await TaggedThings(session).add(Tagged("g1", []))
    async with pg_db.transaction() as mine:
        await Things(mine).lock_with("t1", TaggedThings(mine), "g1")
        for table, row in ((things, "t1"), (tagged, "g1")):
            async with pg_db.sessions() as theirs:
                locking = select(table).where(table.c.id == row).with_for_update(nowait=True)
                with pytest.raises(DBAPIError, match="could not obtain lock"):
                    await theirs.execute(locking)
