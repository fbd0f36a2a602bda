"""The database's connection pool on a real PostgreSQL: what it hands out is alive."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import text

from shared import db as shared_db
from shared.db import Database


async def _backend_pids(db: Database, at_once: int) -> set[int]:
    """The server processes of `at_once` transactions open together."""
    opened = asyncio.Barrier(at_once)

    async def one() -> int:
        async with db.transaction() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await opened.wait()
            return int(pid)

    return set(await asyncio.gather(*(one() for _ in range(at_once))))


async def _end_sessions(url: str, pids: set[int]) -> None:
    """End these server sessions, as a restart of the server or an operator would."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(pids)
        )
    finally:
        await connection.close()


async def test_pooled_connections_the_server_ended_are_replaced_before_use(
    pg_db: Database,
) -> None:
    pooled = await _backend_pids(pg_db, 3)
    await _end_sessions(pg_db.url, pooled)
    await asyncio.sleep(0.2)  # a running service's event loop reads the server's goodbye
    assert not await _backend_pids(pg_db, 3) & pooled


async def test_a_connection_idle_for_a_while_is_pinged_before_use(pg_db: Database) -> None:
    pooled = await _backend_pids(pg_db, 2)
    pinged: list[object] = []
    ping = pg_db.sync_engine.dialect.do_ping

    def counting_ping(dbapi_connection: object) -> bool:
        pinged.append(dbapi_connection)
        return ping(dbapi_connection)

    pg_db.sync_engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
    await _backend_pids(pg_db, 2)
    assert not pinged, "connections back a moment ago are handed out as they are"
    await asyncio.sleep(shared_db.PING_AFTER_IDLE_S + 0.1)
    assert await _backend_pids(pg_db, 2) == pooled
    assert len(pinged) == 2
