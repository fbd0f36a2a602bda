"""Alembic environment of the registry database (async engine; PostgreSQL or SQLite)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from services.registry.tables import metadata
from shared.db import Database


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await db.dispose()


url = context.config.get_main_option("sqlalchemy.url")
assert url, "the caller sets sqlalchemy.url"
asyncio.run(_migrate(url))
