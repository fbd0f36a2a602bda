"""The registry service: Sở Công Thương's clusters, enterprises, facilities and tenancies."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry import projections, seed, tables
from services.registry.api import router
from services.registry.domain import ClusterRules
from shared.service import ServiceSpec
from shared.settings import Settings

service = ServiceSpec(
    name="registry",
    port=8001,
    title="ccn-platform registry",
    description="Industrial clusters (cụm công nghiệp), enterprises, facilities, tenancies "
    "and relocations, owned by Sở Công Thương.",
    routers=[router],
    metadata=tables.metadata,
    tables=tables.platform,
    rules=ClusterRules.from_settings,
    projections=[projections.relocation_candidates],
    seed=seed.load,
)


def create_app(settings: Settings) -> FastAPI:
    return service.create_app(settings)
