"""Alembic, driven from code: one shared environment, and each service's own `versions/`.

`upgrade` applies a service's migrations; `revision` writes a new one by comparing the
service's tables with a database at head (autogenerate), for its author to review.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, TypeDecorator
from sqlalchemy.engine import Connection

from shared.db import Database

if TYPE_CHECKING:
    from shared.service import ServiceSpec

ENVIRONMENT = Path(__file__).with_name("alembic")


def alembic_config(spec: ServiceSpec[Any], database_url: str) -> Config:
    if not spec.versions.is_dir():
        raise LookupError(f"service {spec.name!r} has no migrations folder at {spec.versions}")
    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("version_locations", str(spec.versions))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["target_metadata"] = spec.metadata
    return config


def _spec(service: ServiceSpec[Any] | str) -> ServiceSpec[Any]:
    from shared.service import load_service

    return load_service(service) if isinstance(service, str) else service


def upgrade(service: ServiceSpec[Any] | str, database_url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(_spec(service), database_url), revision)


async def upgrade_async(service: ServiceSpec[Any] | str, database_url: str) -> None:
    """Apply migrations from async code: Alembic runs in a worker thread with its own loop."""
    await asyncio.to_thread(upgrade, service, database_url)


def revision(service: ServiceSpec[Any] | str, database_url: str, message: str) -> None:
    """Write the next migration of a service from the difference of its tables and the
    database (which must be at head)."""
    command.revision(
        alembic_config(_spec(service), database_url), message=message, autogenerate=True
    )


def _storage_type(kind: str, obj: Any, _autogen: Any) -> str | bool:
    """Render a service's own column types (hectares as m², JSON as text) as what they store,
    so that a migration never imports a service's code."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{type(obj.impl_instance).__name__}()"
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
        db = Database(config.get_main_option("sqlalchemy.url"))
        try:
            async with db.engine.connect() as connection:
                await connection.run_sync(run)
                await connection.commit()
        finally:
            await db.dispose()

    asyncio.run(migrate())
