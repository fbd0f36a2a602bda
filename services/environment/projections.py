"""Other services' events the environment service builds on: the registry's facilities (where
they are, in which cluster) as the local read model inspections are scheduled against."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.environment.domain import ClusterOnRecord, FacilityOnRecord
from services.environment.repository import Clusters, Facilities
from shared.domain import VIETNAM
from shared.events import Envelope
from shared.events.registry import (
    ClusterInfrastructureUpdated,
    ClusterPlanned,
    FacilityRegistered,
    FacilityRelocated,
    TenancyEnded,
    TenancyStarted,
)
from shared.service import Projection

facilities = Projection("facilities")
"""Facilities and the clusters they lease land in (one consumer group: both come from the
registry, and a facility's cluster is only useful with the cluster's facts)."""


@facilities.on(FacilityRegistered)
async def on_facility_registered(
    session: AsyncSession, event: FacilityRegistered, envelope: Envelope
) -> None:
    await Facilities(session).registered(
        FacilityOnRecord(
            id=event.facility_id,
            name=event.name,
            province_code=event.province_code,
            commune_code=event.commune_code,
            sector=event.sector,
            cluster_id=event.cluster_id,
            registered_on=envelope.time.astimezone(VIETNAM).date(),
        )
    )


@facilities.on(FacilityRelocated)
async def on_facility_relocated(
    session: AsyncSession, event: FacilityRelocated, envelope: Envelope
) -> None:
    await Facilities(session).moved(event.facility_id, event.cluster_id, on=event.relocation_date)


@facilities.on(TenancyStarted)
async def on_tenancy_started(
    session: AsyncSession, event: TenancyStarted, envelope: Envelope
) -> None:
    await Facilities(session).moved(event.facility_id, event.cluster_id, on=event.start_date)


@facilities.on(TenancyEnded)
async def on_tenancy_ended(session: AsyncSession, event: TenancyEnded, envelope: Envelope) -> None:
    await Facilities(session).moved(event.facility_id, None, on=event.end_date)


@facilities.on(ClusterPlanned)
async def on_cluster_planned(
    session: AsyncSession, event: ClusterPlanned, envelope: Envelope
) -> None:
    await Clusters(session).planned(
        ClusterOnRecord(event.cluster_id, event.name, event.province_code, event.commune_code)
    )


@facilities.on(ClusterInfrastructureUpdated)
async def on_cluster_infrastructure_updated(
    session: AsyncSession, event: ClusterInfrastructureUpdated, envelope: Envelope
) -> None:
    await Clusters(session).equipped(
        event.cluster_id,
        event.reported_on,
        treatment_plant=event.treatment_plant,
        treatment_capacity_m3_per_day=event.treatment_capacity_m3_per_day,
    )
