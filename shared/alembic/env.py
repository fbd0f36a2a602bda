"""The Alembic environment of every service: `shared.migrations` passes the service's tables."""

from alembic import context

from shared.migrations import run_migrations

run_migrations(context)
