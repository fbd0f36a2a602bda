"""The generations' databases on PostgreSQL: closed once, however many close them at once."""

from __future__ import annotations

import asyncio

from shared.db import Database, new_metadata
from shared.generations import Generation, Generations, State, add_generations_table

table = add_generations_table(new_metadata())


async def test_generations_closed_from_two_places_at_once_close_once(pg_db: Database) -> None:
    """A rebuild ending closes the generations it no longer serves while the service, stopping,
    closes every one: neither may trip over a database the other took."""
    generations = Generations(pg_db, table)
    built = [Generation(i, f"g{i}", State.BUILDING) for i in (1, 2, 3)]
    opened = [generations.database(generation) for generation in built]
    for database in opened:
        await database.ping()  # a pooled connection, which closing then waits for
    await asyncio.gather(generations.dispose(), generations.dispose(keep=built[2]))
    assert all(generations.database(g) is not d for g, d in zip(built, opened, strict=True))
    assert generations.database(Generation(0, "", State.LIVE)) is pg_db
    for generation in built:
        await generations.database(generation).dispose()
