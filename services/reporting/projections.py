"""Other services' events as the reporting service keeps them: each cluster event a dated
fact, tenancies as intervals, the facilities and enterprises the reports count; and each
facility's history across the agencies."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain import (
    ClusterFact,
    described,
    effective_on,
    entry_of,
    registered_entry,
    report_entries,
)
from services.reporting.repository import Projections, Timeline
from shared.domain import VIETNAM
from shared.events import Envelope, catalog
from shared.events import registry as ev
from shared.service import Projection

registry = Projection("reporting-registry")
"""Everything the registry publishes that the reports use, in one consumer group."""

CLUSTER_EVENTS = (
    ev.ClusterPlanned,
    ev.ClusterEstablished,
    ev.ClusterConstructionProgressed,
    ev.ClusterOperationStarted,
    ev.ClusterExpanded,
    ev.ClusterRemovedFromPlan,
    ev.ClusterInfrastructureUpdated,
)


async def on_cluster_event(session: AsyncSession, event: ev.Event, envelope: Envelope) -> None:
    kind = type(event).__name__
    data = event.model_dump(mode="json")
    recorded_on = envelope.time.astimezone(VIETNAM).date()
    fact = ClusterFact(
        str(data["cluster_id"]), kind, effective_on(kind, data, recorded_on), 0, data
    )
    projections = Projections(session)
    await projections.cluster_fact(fact, event_id=envelope.id)
    if isinstance(event, ev.ClusterPlanned):
        await projections.cluster(
            event.cluster_id, event.name, event.province_code, event.commune_code
        )


for _kind in CLUSTER_EVENTS:
    registry.on(_kind)(on_cluster_event)


@registry.on(ev.TenancyStarted)
async def on_tenancy_started(
    session: AsyncSession, event: ev.TenancyStarted, envelope: Envelope
) -> None:
    await Projections(session).tenancy_started(
        id=event.tenancy_id,
        cluster_id=event.cluster_id,
        facility_id=event.facility_id,
        leased_area_ha=event.leased_area_ha,
        start_date=event.start_date,
        relocation=event.relocation,
    )


@registry.on(ev.TenancyEnded)
async def on_tenancy_ended(
    session: AsyncSession, event: ev.TenancyEnded, envelope: Envelope
) -> None:
    await Projections(session).tenancy_ended(event.tenancy_id, event.end_date)


@registry.on(ev.FacilityRegistered)
async def on_facility_registered(
    session: AsyncSession, event: ev.FacilityRegistered, envelope: Envelope
) -> None:
    await Projections(session).facility(
        id=event.facility_id,
        enterprise_id=event.enterprise_id,
        name=event.name,
        province_code=event.province_code,
        commune_code=event.commune_code,
        workers=event.workers,
    )


@registry.on(ev.EnterpriseRegistered)
async def on_enterprise_registered(
    session: AsyncSession, event: ev.EnterpriseRegistered, envelope: Envelope
) -> None:
    await Projections(session).enterprise(event.enterprise_id, event.kind.value)


timeline = Projection("reporting-timeline")
"""Each facility's history: the registry's, the environment department's and the khuyến công
centre's events that concern it."""


async def on_described_event(session: AsyncSession, event: ev.Event, envelope: Envelope) -> None:
    entry = entry_of(event)
    if entry is not None:
        await Timeline(session).add(entry, event_id=envelope.id)


for _told in catalog:
    if described(_told) is not None:
        timeline.on(_told)(on_described_event)


@timeline.on(ev.FacilityRegistered)
async def on_facility_recorded(
    session: AsyncSession, event: ev.FacilityRegistered, envelope: Envelope
) -> None:
    recorded_on = envelope.time.astimezone(VIETNAM).date()
    await Timeline(session).add(registered_entry(event, recorded_on), event_id=envelope.id)


@timeline.on(ev.ClusterPeriodReportFiled)
async def on_period_report_filed(
    session: AsyncSession, event: ev.ClusterPeriodReportFiled, envelope: Envelope
) -> None:
    for entry in report_entries(event):
        await Timeline(session).add(entry, event_id=envelope.id)
