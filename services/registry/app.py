"""The registry service: create_app(settings) wires the API, the outbox relay and its consumer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import handlers, tables
from services.registry.api import router
from services.registry.domain import ClusterRules
from shared.consumer import EventConsumer, HandlerRegistry
from shared.db import Database
from shared.events import Envelope, catalog
from shared.events.environment import FacilityClassifiedPolluting
from shared.events.registry import ClusterPlanned, EnterpriseRegistered, FacilityRegistered
from shared.http import create_service_app
from shared.idempotency import IdempotentWriter
from shared.migrations import upgrade_async
from shared.outbox import Outbox, OutboxRelay
from shared.runtime import consumer_hook, relay_hook, topics_hook
from shared.settings import Settings

SERVICE = "registry"
DEFAULT_PORT = 8001
PUBLISHED_TOPICS = [
    ClusterPlanned.topic(),
    EnterpriseRegistered.topic(),
    FacilityRegistered.topic(),
]

projections = HandlerRegistry()


@projections.on(FacilityClassifiedPolluting)
async def on_classified(
    session: AsyncSession, event: FacilityClassifiedPolluting, envelope: Envelope
) -> None:
    await handlers.on_facility_classified_polluting(session, event, envelope.id)


def consumers(settings: Settings, db: Database) -> list[EventConsumer]:
    """The registry's consumers of other services' events (also used by `ccn dlq`)."""
    return [
        EventConsumer(
            name=f"{SERVICE}.relocation-candidates",
            db=db,
            tables=tables.platform,
            catalog=catalog,
            registry=projections,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
    ]


def create_app(settings: Settings) -> FastAPI:
    db = Database(settings.resolved_database_url())
    outbox = Outbox(tables.platform.outbox)
    bootstrap = settings.kafka_bootstrap_servers
    hooks: list[Callable[[FastAPI], Awaitable[object]]] = []
    if settings.migrate_on_start:
        hooks.append(_migrate(db.url))
    if settings.run_relay or settings.run_consumers:
        hooks.append(topics_hook(bootstrap, PUBLISHED_TOPICS + sorted(projections.topics)))
    if settings.run_relay:
        hooks.append(
            relay_hook(
                OutboxRelay(
                    db,
                    outbox,
                    bootstrap_servers=bootstrap,
                    service=SERVICE,
                    batch_size=settings.outbox_batch_size,
                    poll_interval_s=settings.outbox_poll_interval_s,
                )
            )
        )
    if settings.run_consumers:
        hooks.extend(consumer_hook(c) for c in consumers(settings, db))
    app = create_service_app(
        settings,
        title="ccn-platform registry",
        description="Industrial clusters (cụm công nghiệp), enterprises, facilities, tenancies "
        "and relocations, owned by Sở Công Thương.",
        routers=[router],
        db=db,
        on_startup=hooks,  # type: ignore[arg-type]
    )
    app.state.outbox = outbox
    app.state.rules = ClusterRules(
        max_area_ha=settings.cluster_max_area_ha,
        expansion_min_occupancy=settings.cluster_expansion_min_occupancy,
    )
    app.state.writer = IdempotentWriter(db, tables.platform.idempotency_keys)
    return app


def _migrate(url: str) -> Callable[[FastAPI], Awaitable[None]]:
    async def hook(_app: FastAPI) -> None:
        await upgrade_async(SERVICE, url)

    return hook
