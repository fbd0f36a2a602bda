"""Queries every service repeats: a row by id (404 if absent), a versioned update (409 if stale)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import NotFound, StaleVersion


async def get_row(
    session: AsyncSession, table: Table, row_id: str, *, what: str, for_update: bool = False
) -> Any:
    """The row with this id, locked for the transaction when `for_update` (PostgreSQL)."""
    query = select(table).where(table.c.id == row_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    return row


async def update_versioned(
    session: AsyncSession, table: Table, row: Any, *, what: str, **values: Any
) -> None:
    """Write new values only if nobody changed the row since it was read; bump its version."""
    result = await session.execute(
        update(table)
        .where(table.c.id == row.id, table.c.version == row.version)
        .values(**values, version=row.version + 1, updated_at=datetime.now(UTC))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(f"{what} {row.id} was changed by someone else; reload and retry")
