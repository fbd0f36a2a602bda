"""The environment service: the provincial environment department's inspections, samples
judged against versioned limit tables, violations, and facilities' pollution classification."""

from __future__ import annotations

from fastapi import FastAPI

from services.environment import projections, seed, tables
from services.environment.api import router
from services.environment.domain import EnvironmentRules
from shared.service import ServiceSpec
from shared.settings import Settings

service = ServiceSpec(
    name="environment",
    port=8003,
    title="ccn-platform environment",
    description="Inspections of production facilities, samples judged against the limit table "
    "in force on their date (QCVN 40), violations and their remediation, and the "
    "classification of polluting facilities, owned by Sở Nông nghiệp và Môi trường "
    "(formerly Sở Tài nguyên và Môi trường; agency code so-tnmt).",
    routers=[router],
    metadata=tables.metadata,
    tables=tables.platform,
    rules=EnvironmentRules.from_settings,
    projections=[projections.facilities],
    seed=seed.load,
)


def create_app(settings: Settings) -> FastAPI:
    return service.create_app(settings)
