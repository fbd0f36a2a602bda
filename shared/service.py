"""The service kit: a service is a spec plus its domain, and the kit builds the rest.

A service declares once, in its `app.py`, its name and port, its routers, its tables, the
rules it reads from the settings, the projections it keeps of other services' events and
its sample data. From that the kit builds the HTTP app with the command runner, and as
background work the migrations, the Kafka topics (those it publishes come from the event
catalog), the outbox relay and one consumer per projection; `ccn` serves, migrates, seeds
and inspects every service listed in `services.SERVICES` the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from shared.commands import Commands
from shared.consumer import E, EventConsumer, Handler, HandlerRegistry, RetryPolicy
from shared.db import Database
from shared.events import catalog
from shared.http import Hook, create_service_app
from shared.kafka import ensure_topics
from shared.migrations import upgrade_async
from shared.outbox import Outbox, OutboxRelay
from shared.principal import Principal
from shared.settings import Settings
from shared.tables import PlatformTables

S = TypeVar("S")
Progress = Callable[[str], None]


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
    metadata: MetaData
    tables: PlatformTables
    projections: Sequence[Projection] = ()
    seed: Callable[[Commands[S], Progress], Awaitable[int]] | None = None
    """Loads the sample data through the handlers; returns how many commands it ran."""
    rules: Callable[[Settings], S] | None = None
    """The service's own rules and reference data, read from the settings at start-up;
    handlers find them as `uow.rules` (None for a service whose rules are all data)."""

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

    def commands(self, settings: Settings, db: Database) -> Commands[S]:
        rules = None if self.rules is None else self.rules(settings)
        return Commands(db, self.tables, rules)  # type: ignore[arg-type]

    def consumers(self, settings: Settings, db: Database) -> list[EventConsumer]:
        """One consumer group per projection, `<service>.<projection>`, as configured."""
        return [
            EventConsumer(
                name=f"{self.name}.{projection.name}",
                db=db,
                tables=self.tables,
                catalog=catalog,
                registry=projection.handlers,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                retry=RetryPolicy.from_settings(settings),
                max_poll_records=settings.consumer_max_poll_records,
            )
            for projection in self.projections
        ]

    def create_app(self, settings: Settings) -> FastAPI:
        """The service's API, with migrations, topics, relay and consumers as configured."""
        settings = settings.model_copy(update={"service": self.name})
        db = Database(settings.resolved_database_url())
        commands = self.commands(settings, db)
        app = create_service_app(
            settings,
            title=self.title,
            description=self.description,
            routers=self.routers,
            db=db,
            on_startup=self._background(settings, db, commands.outbox),
        )
        app.state.commands = commands
        return app

    def _background(self, settings: Settings, db: Database, outbox: Outbox) -> list[Hook]:
        hooks: list[Hook] = []
        if settings.migrate_on_start:
            hooks.append(_hook(lambda: upgrade_async(self, db.url)))
        if settings.run_relay or settings.run_consumers:
            topics = self.published_topics() + self.consumed_topics()
            hooks.append(_hook(lambda: ensure_topics(settings.kafka_bootstrap_servers, topics)))
        if settings.run_relay:
            relay = OutboxRelay(
                db,
                outbox,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                service=self.name,
                batch_size=settings.outbox_batch_size,
                poll_interval_s=settings.outbox_poll_interval_s,
            )
            hooks.append(_running(relay.start, relay.stop))
        if settings.run_consumers:
            hooks.extend(_running(c.start, c.stop) for c in self.consumers(settings, db))
        return hooks

    async def load_sample_data(self, settings: Settings, progress: Progress) -> int | None:
        """Migrate the service's database and load its sample data (None if it has none)."""
        if self.seed is None:
            return None
        db = Database(settings.resolved_database_url())
        try:
            await upgrade_async(self, db.url)
            return await self.seed(self.commands(settings, db), progress)
        finally:
            await db.dispose()


def _hook(work: Callable[[], Awaitable[None]]) -> Hook:
    async def hook(_app: FastAPI) -> None:
        await work()

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
