"""The service kit: a service is a spec plus its domain, and the kit builds the rest.

A service declares once, in its `app.py`, its name and port, its routers, its tables, the
rules it reads from the settings, the projections it keeps of other services' events and
its sample data. From that the kit builds the HTTP app with the command runner, and as
background work the migrations, the Kafka topics (those it publishes come from the event
catalog), the outbox relay and one consumer per projection; `ccn` serves, migrates, seeds
and inspects every service listed in `services.SERVICES` the same way. An app that keeps no
data (the console, which calls the services' APIs) is a spec without tables: the kit builds
its HTTP app alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData, Table

from shared import rebuild_api
from shared.commands import Commands
from shared.consumer import EventConsumer
from shared.db import Database, Sessions
from shared.event_handlers import E, Handler, HandlerRegistry, RetryPolicy
from shared.events import catalog
from shared.generations import BASE, Generation, Generations
from shared.http import Hook, create_service_app
from shared.kafka import TopicsKeeper
from shared.migrations import upgrade_async
from shared.outbox import Outbox
from shared.principal import Principal
from shared.rebuild import Follower, Rebuild
from shared.rebuild import Progress as RebuildProgress
from shared.rebuild_api import Rebuilds
from shared.rebuild_workers import Helpers
from shared.relay import OutboxRelay
from shared.settings import Settings
from shared.tables import PlatformTables

S = TypeVar("S")
Progress = Callable[[str], None]
HELPER_COMMAND = (sys.executable, "-m", "shared.cli")
"""How a service process starts `ccn` (a rebuild's helpers), whatever its own command was."""


@dataclass(frozen=True)
class Projection:
    """A local read model built from other services' events by one consumer group."""

    name: str
    handlers: HandlerRegistry = field(default_factory=HandlerRegistry)

    def on(self, event_type: type[E]) -> Callable[[Handler], Handler]:
        """Decorator: `handler(session, event, envelope)` applies events of `event_type`."""
        return self.handlers.on(event_type)


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    """Everything the platform needs to know to run one service."""

    name: str
    port: int
    title: str
    description: str
    routers: Sequence[APIRouter]
    metadata: MetaData | None = None
    tables: PlatformTables | None = None
    """None for an app that keeps no data: no database, migrations, outbox or consumers."""
    projections: Sequence[Projection] = ()
    seed: Callable[[Commands[S], Progress], Awaitable[int]] | None = None
    """Loads the sample data through the handlers; returns how many commands it ran."""
    rules: Callable[[Settings], S] | None = None
    """The service's own rules and reference data, read from the settings at start-up;
    handlers find them as `uow.rules` (None for a service whose rules are all data)."""
    generations: Table | None = None
    """For a service whose database is all projections: its generations table. Its reads
    and consumers then follow the live generation, and it can be rebuilt live."""
    finish: Callable[[FastAPI, Settings], None] | None = None
    """What the app needs beyond its routers (the console: its pages' errors, static files)."""

    @property
    def owns_data(self) -> bool:
        """Whether the app keeps a database of its own (every service but the console)."""
        return self.tables is not None

    def _own_tables(self) -> PlatformTables:
        if self.tables is None:
            raise LookupError(f"{self.name} keeps no database: it calls the services' APIs")
        return self.tables

    @property
    def versions(self) -> Path:
        """The service's Alembic revisions: `services/<name>/migrations/versions`."""
        package = importlib.import_module(f"services.{self.name}")
        return Path(str(package.__file__)).parent / "migrations" / "versions"

    def settings(self, **overrides: Any) -> Settings:
        return Settings(service=self.name, **overrides)

    def published_topics(self) -> list[str]:
        return sorted({cls.topic() for cls in catalog if cls.service == self.name})

    def consumed_topics(self) -> list[str]:
        return sorted({t for p in self.projections for t in p.handlers.topics})

    def commands(self, settings: Settings, db: Sessions) -> Commands[S]:
        rules = None if self.rules is None else self.rules(settings)
        return Commands(db, self._own_tables(), rules, service=self.name)  # type: ignore[arg-type]

    def sessions(self, db: Database) -> Database | Generations:
        """Where the service reads and writes: its database, or the live generation of it."""
        return db if self.generations is None else Generations(db, self.generations)

    def consumers(
        self,
        settings: Settings,
        db: Database,
        generation: Generation = BASE,
        *,
        max_poll_records: int | None = None,
    ) -> list[EventConsumer]:
        """One consumer group per projection, `<service>.<projection>`, as configured (in a
        rebuilt generation, the group's name ends with the generation's)."""
        return [
            EventConsumer(
                name=f"{self.name}.{projection.name}",
                group_id=generation.group(f"{self.name}.{projection.name}"),
                db=db,
                tables=self._own_tables(),
                catalog=catalog,
                registry=projection.handlers,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                retry=RetryPolicy.from_settings(settings),
                max_poll_records=max_poll_records or settings.consumer_max_poll_records,
                instance_id=settings.instance_id or None,
            )
            for projection in self.projections
        ]

    async def live_consumers(self, settings: Settings, db: Database) -> list[EventConsumer]:
        """The consumers as they run now: on the live generation, for a service rebuilt live."""
        if self.generations is None:
            return self.consumers(settings, db)
        generations = Generations(db, self.generations)
        live = await generations.live()
        return self.consumers(settings, generations.database(live), live)

    def create_app(self, settings: Settings) -> FastAPI:
        """The service's API, with migrations, topics, relay and consumers as configured."""
        settings = settings.model_copy(update={"service": self.name})
        if not self.owns_data:
            return self._finished(self._app_alone(settings), settings)
        db = Database(settings.resolved_database_url())
        source = self.sessions(db)
        commands = self.commands(settings, source)
        hooks, topics = self._background(settings, source, commands.outbox)
        routers = list(self.routers)
        rebuilds = None
        if isinstance(source, Generations):
            rebuilds = Rebuilds(self.rebuild(settings, source))
            hooks.append(_running(lambda: None, rebuilds.stop))
            routers.append(rebuild_api.router)
        app = create_service_app(
            settings,
            title=self.title,
            description=self.description,
            routers=routers,
            db=db,
            on_startup=hooks,
        )
        app.state.commands = commands
        app.state.topics = topics
        app.state.rebuilds = rebuilds
        return self._finished(app, settings)

    def _app_alone(self, settings: Settings) -> FastAPI:
        """The HTTP app of a spec without tables: no database, and no broker to wait for."""
        return create_service_app(
            settings,
            title=self.title,
            description=self.description,
            routers=self.routers,
            uses_broker=False,
        )

    def _finished(self, app: FastAPI, settings: Settings) -> FastAPI:
        if self.finish is not None:
            self.finish(app, settings)
        return app

    async def migrate(self, db: Database) -> None:
        """Bring the database to the service's head revision (and, for a service rebuilt
        live, its live generation too)."""
        await upgrade_async(self, db.url, schema=db.schema)
        if self.generations is not None:
            generations = Generations(db, self.generations)
            live = generations.database(await generations.live())
            if live is not db:
                await upgrade_async(self, live.url, schema=live.schema)
            await generations.dispose()

    def rebuild(
        self,
        settings: Settings,
        generations: Generations,
        progress: RebuildProgress = lambda _: None,
    ) -> Rebuild:
        """A live rebuild of the service's projections (it must have a generations table); its
        consumers take bigger polls than the live ones, and on PostgreSQL helper processes
        (`ccn rebuild <service> --helping <generation>`) read a share of the partitions each,
        up to the rebuild's `rebuild_workers` processes in all."""
        helpers = 0 if generations.base.is_sqlite else settings.rebuild_workers - 1
        # A helper is a new member of the groups: the process's static name is not its own.
        env = {**os.environ, **settings.to_env(), "CCN_INSTANCE_ID": ""}
        return Rebuild(
            generations,
            lambda db, generation: self.rebuild_consumers(settings, db, generation),
            lambda db: upgrade_async(self, db.url, schema=db.schema),
            settings.kafka_bootstrap_servers,
            service=self.name,
            progress=progress,
            helpers_of=lambda generation: Helpers(
                [*HELPER_COMMAND, "rebuild", self.name, "--helping", str(generation.id)],
                env,
                helpers,
            ),
        )

    def rebuild_consumers(
        self, settings: Settings, db: Database, generation: Generation
    ) -> list[EventConsumer]:
        """The consumers that fill `generation` in a rebuild, in its process or a helper."""
        return self.consumers(
            settings, db, generation, max_poll_records=settings.rebuild_max_poll_records
        )

    def _background(
        self,
        settings: Settings,
        db: Database | Generations,
        outbox: Outbox,
    ) -> tuple[list[Hook], TopicsKeeper | None]:
        """The app's background work, and the topics it waits for (None: it has none)."""
        hooks: list[Hook] = []
        base = db.base if isinstance(db, Generations) else db
        if settings.migrate_on_start:
            hooks.append(_hook(lambda: self.migrate(base)))
        workers: list[Worker] = []
        if settings.run_relay:
            relay = OutboxRelay(
                base,
                outbox,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                service=self.name,
                batch_size=settings.outbox_batch_size,
                poll_interval_s=settings.outbox_poll_interval_s,
                stall_after_s=settings.outbox_stall_after_s,
                transaction_timeout_s=settings.outbox_transaction_timeout_s,
            )
            workers.append((relay.start, relay.stop))
        if settings.run_consumers and isinstance(db, Generations):
            follower = Follower(db, lambda gdb, g: self.consumers(settings, gdb, g))
            workers.append((follower.start, follower.stop))
        elif settings.run_consumers:
            workers.extend((c.start, c.stop) for c in self.consumers(settings, base))
        topics = None
        if workers:
            topics = TopicsKeeper(
                settings.kafka_bootstrap_servers, self.published_topics() + self.consumed_topics()
            )
            hooks.append(_once_topics_exist(topics, workers))
        if isinstance(db, Generations):
            hooks.append(_running(lambda: None, db.dispose))
        return hooks, topics

    async def load_sample_data(self, settings: Settings, progress: Progress) -> int | None:
        """Migrate the service's database and load its sample data (None if it has none)."""
        if self.seed is None:
            return None
        db = Database(settings.resolved_database_url())
        try:
            await self.migrate(db)
            return await self.seed(self.commands(settings, db), progress)
        finally:
            await db.dispose()


def _hook(work: Callable[[], Awaitable[None]]) -> Hook:
    async def hook(_app: FastAPI) -> None:
        await work()

    return hook


Worker = tuple[Callable[[], None], Callable[[], Awaitable[None]]]
"""Background work: how it starts, and how it stops (whether or not it started)."""


def _once_topics_exist(topics: TopicsKeeper, workers: list[Worker]) -> Hook:
    """Start the workers once the topics exist (at once if the broker answers), without
    holding the app back: it serves, and takes writes into the outbox, meanwhile."""

    async def hook(_app: FastAPI) -> Callable[[], Awaitable[None]]:
        async def start() -> None:
            await topics.keep()
            for begin, _stop in workers:
                begin()

        starting = asyncio.create_task(start(), name="start-once-topics-exist")

        async def stop() -> None:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            for _begin, end in reversed(workers):
                await end()

        return stop

    return hook


def _running(start: Callable[[], None], stop: Callable[[], Awaitable[None]]) -> Hook:
    """Background work that runs for as long as the app does."""

    async def hook(_app: FastAPI) -> Callable[[], Awaitable[None]]:
        start()
        return stop

    return hook


def sample_data_caller(agency: str, province: str) -> Principal:
    """Who sample data is recorded as: an administrator of one agency in one province."""
    return Principal.model_validate(
        {
            "subject": "sample-data",
            "agency": agency,
            "roles": ["admin"],
            "jurisdiction": {"province": province},
        }
    )
