"""One of several replicas at a time: the one holding a PostgreSQL advisory lock.

The lock is held by a connection of its own, in autocommit (no transaction stays open), and
goes with it: a replica whose connection dies has lost the lock, and another may take it. On
SQLite — one process — the only replica always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import Database


class Leadership:
    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self._connection: AsyncConnection | None = None

    async def take(self, stopping: asyncio.Event, *, retry_s: float = 1.0) -> bool:
        """Lead, waiting as long as another replica does; False if stopped first."""
        if not self.db.is_postgres:
            return True
        while not stopping.is_set():
            if await self.holds() or await self._try():
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), retry_s)
        return False

    async def holds(self) -> bool:
        """Whether this replica still leads (its lock's connection answers)."""
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            return True
        except Exception:
            await self.give_up()
            return False

    async def give_up(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # closing the session releases the lock
            with contextlib.suppress(Exception):
                await connection.close()

    async def _try(self) -> bool:
        connection = await self.db.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            query = text("SELECT pg_try_advisory_lock(:key)")
            if (await connection.execute(query, {"key": self.key})).scalar():
                self._connection = connection
                return True
        except Exception:
            await connection.invalidate()
            raise
        await connection.close()
        return False
