"""Alembic, driven from code: each service keeps its migrations in `services/<name>/migrations`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]


def alembic_config(service: str, database_url: str) -> Config:
    folder = REPO_ROOT / "services" / service / "migrations"
    if not folder.is_dir():
        raise LookupError(f"service {service!r} has no migrations folder at {folder}")
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", database_url)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(folder / "versions"))
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(service, database_url), revision)


async def upgrade_async(service: str, database_url: str, revision: str = "head") -> None:
    """Apply migrations from async code: Alembic runs in a worker thread with its own loop."""
    await asyncio.to_thread(upgrade, service, database_url, revision)
