"""The reporting service: projections of every agency's events, and the reports they publish,
as of any day. It owns no facts: its database can be thrown away and rebuilt from the events."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting import projections, tables
from services.reporting.api import router
from shared.service import ServiceSpec
from shared.settings import Settings

service: ServiceSpec[None] = ServiceSpec(
    name="reporting",
    port=8004,
    title="ccn-platform reporting",
    description="Cross-agency reports built from the registry's, the environment "
    "department's and the khuyến công centre's events: clusters and provinces as of any day.",
    routers=[router],
    metadata=tables.metadata,
    tables=tables.platform,
    generations=tables.generations,
    projections=[
        projections.registry,
        projections.environment,
        projections.promotion,
    ],
)


def create_app(settings: Settings) -> FastAPI:
    return service.create_app(settings)
