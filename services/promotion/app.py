"""The promotion service: Sở Công Thương's khuyến công centre's plans, support caps and
projects, their money, monitoring and outputs."""

from __future__ import annotations

from fastapi import FastAPI

from services.promotion import projections, seed, tables
from services.promotion.api import router
from shared.service import ServiceSpec
from shared.settings import Settings

service = ServiceSpec(
    name="promotion",
    port=8002,
    title="ccn-platform promotion",
    description="Khuyến công (industrial promotion): yearly plans and budgets, support caps by "
    "province, content and period, and projects from proposal to settlement with their money, "
    "monitoring and outputs, owned by Sở Công Thương's khuyến công centre.",
    routers=[router],
    metadata=tables.metadata,
    tables=tables.platform,
    projections=[projections.beneficiaries],
    seed=seed.load,
)


def create_app(settings: Settings) -> FastAPI:
    return service.create_app(settings)
