"""Statements sent straight to the driver (`shared.direct`) on PostgreSQL: the same rows and the
same errors as through the session, and an optimistic unit's reads and writes sent so."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    bindparam,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.columns import Choice, DecimalText, Hectares, JsonList, record_id
from shared.db import Database, is_transient, new_metadata
from shared.direct import Direct
from tests.shared.test_gathered import statements_sent
from tests.shared.test_optimistic import optimistic_unit
from tests.shared.test_repository import Thing, Things
from tests.shared.test_repository import metadata as repository_tables


class Kind(enum.StrEnum):
    SMALL = "small"
    LARGE = "large"


metadata = new_metadata()
plots = Table(
    "plots",
    metadata,
    record_id(),
    Column("area_ha", Hectares, nullable=True),
    Column("kind", Choice(Kind), nullable=True),
    Column("sectors", JsonList, nullable=True),
    Column("share", DecimalText, nullable=True),
    Column("since", Date, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("active", Boolean, nullable=True),
    Column("n", Integer, nullable=True),
)
PLOT = {
    "id": "p1",
    "area_ha": Decimal("1.2345"),
    "kind": Kind.LARGE,
    "sectors": ["C10", "C25"],
    "share": Decimal("0.125"),
    "since": date(2024, 7, 1),
    "at": datetime(2024, 7, 1, 8, 30, tzinfo=UTC),
    "active": True,
    "n": 7,
}
BY_ID = select(plots).where(plots.c.id == bindparam("id_"))


@pytest.fixture
async def pg(pg_db: Database) -> Database:
    await pg_db.create_all(metadata)
    return pg_db


async def driver_of(connection: Any) -> Any:
    return (await connection.get_raw_connection()).dbapi_connection


async def test_a_row_written_and_read_directly_is_what_the_session_reads(pg: Database) -> None:
    dialect = pg.engine.dialect
    insert = Direct.of(plots.insert().values({n: bindparam(f"{n}_") for n in PLOT}), dialect)
    read = Direct.of(BY_ID, dialect)
    assert insert is not None and read is not None
    async with pg.engine.connect() as connection:
        driver = await driver_of(connection)
        assert await insert.count(driver, {f"{n}_": v for n, v in PLOT.items()}) == 1
        (row,) = await read.send(driver, {"id_": "p1"})
        assert await read.send(driver, {"id_": "none"}) == []
        through_session = (await connection.execute(BY_ID, {"id_": "p1"})).one()
    assert dict(zip(PLOT, row, strict=True)) == PLOT
    assert row == tuple(through_session)


async def test_the_drivers_errors_are_the_sessions(pg: Database) -> None:
    insert = Direct.of(plots.insert().values(id=bindparam("id_")), pg.engine.dialect)
    assert insert is not None
    async with pg.engine.connect() as connection, connection.begin():
        driver = await driver_of(connection)
        await insert.count(driver, {"id_": "twice"})
        with pytest.raises(IntegrityError) as twice:
            await insert.count(driver, {"id_": "twice"})
    assert twice.value.orig.sqlstate == "23505"  # type: ignore[union-attr]
    assert not is_transient(twice.value)
    async with pg.engine.connect() as connection:
        driver = await driver_of(connection)
        pid = await driver.driver_connection.fetchval("SELECT pg_backend_pid()")
        async with pg.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as lost:
            await insert.count(driver, {"id_": "lost"})
    assert lost.value.connection_invalidated
    assert is_transient(lost.value)


def _defaults_in_python() -> Any:
    table = Table(
        "defaults",
        new_metadata(),
        Column("id", String, primary_key=True),
        Column("n", Integer, default=lambda: 1),
    )
    return table.insert().values(id=bindparam("id_"))


def _floats() -> Any:
    return select(Table("floats", new_metadata(), Column("id", String), Column("x", Float)))


@pytest.mark.parametrize(
    ("statement", "direct"),
    [
        pytest.param(lambda: plots.insert().values(id=bindparam("id_")), True, id="an insert"),
        pytest.param(lambda: BY_ID, True, id="a read by id"),
        pytest.param(
            lambda: select(plots).where(plots.c.id.in_(bindparam("ids", expanding=True))),
            False,
            id="IN a list",
        ),
        pytest.param(_defaults_in_python, False, id="a default computed in Python"),
        pytest.param(_floats, False, id="a float read"),
    ],
)
def test_what_only_the_session_can_send(
    pg: Database, statement: Callable[[], Any], direct: bool
) -> None:
    assert (Direct.of(statement(), pg.engine.dialect) is not None) is direct


async def test_an_optimistic_units_reads_and_writes_go_straight_to_the_driver(
    pg_db: Database,
) -> None:
    """Its read and its held writes do not pass through the session (which would see them);
    once it has begun a transaction, they do."""
    await pg_db.create_all(repository_tables)
    async with pg_db.transaction() as session:
        await Things(session).add(Thing("t1", "first"))
    with statements_sent(pg_db, direct=False) as through_session:
        async with optimistic_unit(pg_db) as session:
            thing = await Things(session).lock("t1")
            thing.name = "changed"
            await Things(session).save(thing)
            await Things(session).add(Thing("t2", "new"))
        assert through_session == []
        async with optimistic_unit(pg_db) as session:
            await Things(session).add(Thing("t3", "newer"))
            assert (await Things(session).get("t3")).name == "newer"  # begins a transaction
            await Things(session).add(Thing("t4", "newest"))
        assert through_session == ["INSERT", "SELECT", "INSERT"]
    async with pg_db.sessions() as session:
        found = await Things(session).many(["t1", "t2", "t3", "t4"])
    assert {id_: t.name for id_, t in found.items()} == {
        "t1": "changed",
        "t2": "new",
        "t3": "newer",
        "t4": "newest",
    }
