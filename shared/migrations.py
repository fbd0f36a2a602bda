"""Alembic, driven from code: one shared environment, and each service's own `versions/`.

`upgrade` applies a service's migrations; `revision` writes a new one by comparing the
service's tables with a database at head (autogenerate), for its author to review.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, TypeDecorator
from sqlalchemy.engine import Connection

from shared.db import Database

ENVIRONMENT = Path(__file__).with_name("alembic")


class Migrated(Protocol):
    """A service as its migrations see it: its tables and its folder of revisions."""

    @property
    def name(self) -> str: ...
    @property
    def metadata(self) -> MetaData | None: ...
    @property
    def versions(self) -> Path: ...


def alembic_config(service: Migrated, database_url: str, schema: str | None = None) -> Config:
    if service.metadata is None:
        raise LookupError(f"{service.name} keeps no database: it has no migrations")
    if not service.versions.is_dir():
        raise LookupError(f"{service.name} has no migrations folder at {service.versions}")
    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("version_locations", str(service.versions))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["target_metadata"] = service.metadata
    config.attributes["schema"] = schema
    return config


def upgrade(
    service: Migrated, database_url: str, revision: str = "head", *, schema: str | None = None
) -> None:
    """Apply migrations (blocking; runs its own event loop), to the tables in `schema` (on
    PostgreSQL; the default schema if None)."""
    command.upgrade(alembic_config(service, database_url, schema), revision)


async def upgrade_async(service: Migrated, database_url: str, *, schema: str | None = None) -> None:
    """Apply migrations from async code: Alembic runs in a worker thread with its own loop."""
    await asyncio.to_thread(lambda: upgrade(service, database_url, schema=schema))


def revision(service: Migrated, database_url: str, message: str) -> None:
    """Write the next migration of a service from the difference of its tables and the
    database (which must be at head)."""
    command.revision(alembic_config(service, database_url), message=message, autogenerate=True)


def _storage_type(kind: str, obj: Any, _autogen: Any) -> str | bool:
    """Render a service's own column types (hectares as m², JSON as text) as what they store,
    so that a migration never imports a service's code."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def run_migrations(context: Any) -> None:
    """The body of `alembic/env.py`: migrate over an async engine (PostgreSQL or SQLite)."""
    config = context.config
    metadata: MetaData = config.attributes["target_metadata"]

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_storage_type,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def migrate() -> None:
        db = Database(config.get_main_option("sqlalchemy.url"), schema=config.attributes["schema"])
        try:
            async with db.engine.connect() as connection:
                await connection.run_sync(run)
                await connection.commit()
        finally:
            await db.dispose()

    asyncio.run(migrate())
