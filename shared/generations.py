"""Generations of a service whose database is all projections, so that it can be rebuilt live.

Such a service (the reporting service) owns no facts: every row it holds was built from the
events. A rebuild replays the topics from offset 0 into a new generation of its tables while
the live generation keeps serving, then one committed row swaps them. Generation 0 is the
service database's own tables; generation N lives beside it, in the PostgreSQL schema (or the
SQLite file) its name gives, with its own inbox, dead letters and consumer groups. Readers
open each session on the generation live at that moment, so a report reads one generation
whole; consumers follow the live generation, resuming from the offsets its rebuild committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.columns import moment
from shared.db import Database
from shared.errors import Conflict, NotFound

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(minutes=2)
"""A building generation whose rebuild has said nothing for this long has died with it."""


class State(StrEnum):
    BUILDING = "building"
    LIVE = "live"
    RETIRED = "retired"
    FAILED = "failed"
    ABORTING = "aborting"
    """An operator asked the rebuild to stop; it fails at its next progress step."""


def add_generations_table(metadata: MetaData) -> Table:
    """The generations of the service's projections, kept in its database's own schema."""
    return Table(
        "generations",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(40), nullable=False, unique=True),
        Column("state", String(20), nullable=False),
        Column("requested_by", String(200), nullable=False),
        moment("started_at"),
        moment("heartbeat_at"),
        moment("finished_at", nullable=True),
        Column("events_done", BigInteger, nullable=False, server_default=text("0")),
        Column("events_total", BigInteger, nullable=False, server_default=text("0")),
        Column("rate_per_s", Float, nullable=False, server_default=text("0")),
        Column("error", Text, nullable=True),
        # At most one rebuild at a time, even when two start at the same moment.
        Index(
            "uq_generations_one_building",
            "state",
            unique=True,
            postgresql_where=text("state = 'building'"),
            sqlite_where=text("state = 'building'"),
        ),
    )


@dataclass(frozen=True)
class Generation:
    """One version of the projection tables, and how its rebuild went."""

    id: int
    name: str
    """The schema (PostgreSQL) or file suffix (SQLite) its tables live in; "" for generation 0."""
    state: State
    requested_by: str = ""
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    events_done: int = 0
    events_total: int = 0
    rate_per_s: float = 0.0
    error: str | None = None

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate, while it builds."""
        if self.state is not State.BUILDING or self.rate_per_s <= 0:
            return None
        return max(0, self.events_total - self.events_done) / self.rate_per_s

    def group(self, consumer: str) -> str:
        """The Kafka consumer group of `consumer` in this generation."""
        return consumer if self.id == 0 else f"{consumer}.{self.name}"

    @classmethod
    def of(cls, row: Any) -> Generation:
        values = dict(row._mapping)
        values["state"] = State(values["state"])
        return cls(**values)


BASE = Generation(0, "", State.LIVE)
"""The service database's own tables: live until a rebuild swaps another in."""


class Generations:
    """The generations of one service's projections: which serves, and each one's database."""

    def __init__(self, base: Database, table: Table) -> None:
        self.base = base
        self.table = table
        self._databases: dict[str, Database] = {"": base}

    # -- reading -----------------------------------------------------------------------------

    async def live(self) -> Generation:
        async with self.base.sessions() as session:
            return await self._live(session)

    async def _live(self, session: AsyncSession) -> Generation:
        t = self.table
        row = (
            await session.execute(
                select(t).where(t.c.state == State.LIVE).order_by(t.c.id.desc()).limit(1)
            )
        ).first()
        return BASE if row is None else Generation.of(row)

    async def get(self, generation_id: int) -> Generation:
        if generation_id == 0:
            return await self._base_state()
        async with self.base.sessions() as session:
            row = (
                await session.execute(select(self.table).where(self.table.c.id == generation_id))
            ).first()
        if row is None:
            raise NotFound(f"no generation {generation_id}")
        return Generation.of(row)

    async def listed(self) -> list[Generation]:
        async with self.base.sessions() as session:
            rows = (await session.execute(select(self.table).order_by(self.table.c.id))).all()
        return [await self._base_state(), *(Generation.of(r) for r in rows)]

    async def _base_state(self) -> Generation:
        live = await self.live()
        return BASE if live.id == 0 else Generation(0, "", State.RETIRED)

    def database(self, generation: Generation) -> Database:
        """The database generation `generation` lives in (opened once, then kept)."""
        if generation.name not in self._databases:
            self._databases[generation.name] = _beside(self.base, generation.name)
        return self._databases[generation.name]

    @asynccontextmanager
    async def sessions(self) -> AsyncIterator[AsyncSession]:
        """A session on the generation live now: a reader sees one generation whole."""
        live = await self.live()
        async with self.database(live).sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        live = await self.live()
        async with self.database(live).transaction() as session:
            yield session

    def optimistic(self) -> None:
        """None: a command on the live generation runs in a transaction, as it is rare."""
        return None

    # -- a rebuild's steps -------------------------------------------------------------------

    async def begin(self, requested_by: str) -> Generation:
        """A new generation, building; 409 while another rebuild is under way."""
        t = self.table
        now = datetime.now(UTC)
        async with self.base.transaction() as session:
            for row in (
                await session.execute(
                    select(t).where(t.c.state.in_([State.BUILDING, State.ABORTING]))
                )
            ).all():
                running = Generation.of(row)
                assert running.heartbeat_at is not None
                if now - _aware(running.heartbeat_at) < ABANDONED_AFTER:
                    raise Conflict(
                        f"generation {running.id} is being rebuilt (since "
                        f"{running.started_at:%Y-%m-%d %H:%M} UTC, requested by "
                        f"{running.requested_by}); wait for it or abort it"
                    )
                await self._finish(session, running.id, State.FAILED, "abandoned: fell silent")
            try:
                result = await session.execute(
                    t.insert().values(
                        name=f"g_pending_{secrets.token_hex(4)}",
                        state=State.BUILDING,
                        requested_by=requested_by,
                        started_at=now,
                        heartbeat_at=now,
                    )
                )
            except IntegrityError:
                raise Conflict("another rebuild started at the same moment") from None
            generation_id = int(result.inserted_primary_key[0])  # type: ignore[attr-defined]
            name = f"g{generation_id}_{secrets.token_hex(3)}"
            await session.execute(update(t).where(t.c.id == generation_id).values(name=name))
        generation = await self.get(generation_id)
        try:
            await self._create(name)
        except Exception as exc:
            await self.fail(generation, f"could not make room for it: {exc}")
            raise
        return generation

    async def heartbeat(self, generation: Generation, done: int, total: int, rate: float) -> State:
        """Record a rebuild's progress; returns its state (ABORTING if an operator asked)."""
        t = self.table
        async with self.base.transaction() as session:
            await session.execute(
                update(t)
                .where(t.c.id == generation.id)
                .values(
                    heartbeat_at=datetime.now(UTC),
                    events_done=done,
                    events_total=total,
                    rate_per_s=rate,
                )
            )
            state = (
                await session.execute(select(t.c.state).where(t.c.id == generation.id))
            ).scalar_one()
        return State(state)

    async def swap(self, generation: Generation) -> Generation:
        """Make `generation` live and retire the one before it, in one transaction."""
        t = self.table
        async with self.base.transaction() as session:
            state = (
                await session.execute(
                    select(t.c.state).where(t.c.id == generation.id).with_for_update()
                )
            ).scalar_one()
            if state != State.BUILDING:
                raise Conflict(f"generation {generation.id} is {state}, not building")
            await session.execute(
                update(t).where(t.c.state == State.LIVE).values(state=State.RETIRED)
            )
            await self._finish(session, generation.id, State.LIVE, None)
        return await self.get(generation.id)

    async def fail(self, generation: Generation, error: str | None) -> None:
        """Drop what a rebuild built and mark it failed (why, unless already said); the live
        generation never changed."""
        try:
            await self._drop(generation.name)
        finally:
            async with self.base.transaction() as session:
                await self._finish(session, generation.id, State.FAILED, error)

    async def abort(self, generation_id: int, by: str) -> Generation:
        """Ask a rebuild under way to stop (it fails at its next progress step)."""
        t = self.table
        async with self.base.transaction() as session:
            result = await session.execute(
                update(t)
                .where(t.c.id == generation_id, t.c.state == State.BUILDING)
                .values(state=State.ABORTING, error=f"aborted by {by}")
            )
        if not result.rowcount:  # type: ignore[attr-defined]
            found = await self.get(generation_id)
            raise Conflict(f"generation {generation_id} is {found.state}: nothing to abort")
        return await self.get(generation_id)

    async def drop_retired(self) -> list[str]:
        """Drop the tables of generations no longer live, and empty generation 0's once it is
        not (its tables stay: the generations table is one of them). Returns the names of the
        generations dropped."""
        t = self.table
        async with self.base.sessions() as session:
            names = (
                await session.execute(select(t.c.name).where(t.c.state == State.RETIRED))
            ).scalars()
            retired = list(names)
        for name in retired:
            await self._drop(name)
        if (await self.live()).id != 0:
            async with self.base.transaction() as session:
                for table in reversed(t.metadata.sorted_tables):
                    if table is not t:
                        await session.execute(table.delete())
        return retired

    async def _finish(
        self, session: AsyncSession, generation_id: int, state: State, error: str | None
    ) -> None:
        t = self.table
        values: dict[str, Any] = {"state": state, "finished_at": datetime.now(UTC)}
        if error is not None:
            values["error"] = error
        await session.execute(update(t).where(t.c.id == generation_id).values(**values))

    async def _create(self, name: str) -> None:
        if self.base.is_postgres:
            async with self.base.engine.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))

    async def _drop(self, name: str) -> None:
        database = self._databases.pop(name, None)
        if database is not None:
            await database.dispose()
        if self.base.is_postgres:
            async with self.base.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        else:
            await asyncio.to_thread(_remove_sqlite_files, _sqlite_path(self.base, name))

    async def dispose(self, *, keep: Generation = BASE) -> None:
        """Close the connections of every generation but `keep` and the base database (its
        owner closes it); a generation closed here opens again when next asked for."""
        for name in [name for name in self._databases if name and name != keep.name]:
            # Taken out before the wait: a rebuild ending and the service stopping may both
            # close generations at once, and neither must find one the other closes.
            database = self._databases.pop(name, None)
            if database is not None:
                await database.dispose()


def _remove_sqlite_files(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _beside(base: Database, name: str) -> Database:
    if not name:
        return base
    if base.is_sqlite:
        url = make_url(base.url)
        return Database(
            url.set(database=_sqlite_path(base, name)).render_as_string(hide_password=False)
        )
    return Database(base.url, schema=name)


def _sqlite_path(base: Database, name: str) -> str:
    database = make_url(base.url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database has no room for another generation")
    path = Path(database)
    return str(path.with_name(f"{path.stem}.{name}{path.suffix}"))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Progress = Callable[[Generation], None]
