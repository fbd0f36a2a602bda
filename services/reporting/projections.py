"""Other services' events as the reporting service keeps them: each cluster event a dated
fact, tenancies as intervals, the facilities and enterprises the reports count; and each
facility's history across the agencies."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting import tables as t
from services.reporting.domain import (
    ClusterFact,
    described,
    effective_on,
    entry_of,
    registered_entry,
    report_entries,
)
from services.reporting.repository import Projections, ProvinceFacts, Timeline
from shared.domain import VIETNAM
from shared.events import Envelope, catalog
from shared.events import environment as env
from shared.events import promotion as pro
from shared.events import registry as ev
from shared.service import Projection

registry = Projection("reporting-registry")
"""Everything the registry publishes that the reports use, in one consumer group."""

environment = Projection("reporting-environment")
"""The environment department's decisions on facilities (and, for province reports, what
its inspections found)."""

promotion = Projection("reporting-promotion")
"""The khuyến công centre's projects: each movement of their money, and what they produced."""

SOURCES = {"registry": registry, "environment": environment, "promotion": promotion}
"""Each service's events, read once by one consumer group of this service. Each facility's
history is written by the group that reads the event, with whatever else the event changes."""

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


# -- what province reports count besides clusters --------------------------------------------


def _recorded_on(envelope: Envelope) -> date:
    return envelope.time.astimezone(VIETNAM).date()


@registry.on(ev.FacilityRelocated)
async def on_facility_relocated(
    session: AsyncSession, event: ev.FacilityRelocated, envelope: Envelope
) -> None:
    await ProvinceFacts(session).add(
        t.relocations,
        facility_id=event.facility_id,
        province_code=event.province_code,
        cluster_id=event.cluster_id,
        relocation_date=event.relocation_date,
    )


@registry.on(ev.ClusterPeriodReportFiled)
async def on_report_filed(
    session: AsyncSession, event: ev.ClusterPeriodReportFiled, envelope: Envelope
) -> None:
    facts = ProvinceFacts(session)
    for row in event.rows:
        await facts.add(
            t.report_rows,
            event_id=envelope.id,
            cluster_id=event.cluster_id,
            facility_id=row.facility_id,
            province_code=event.province_code,
            period=event.period,
            revision=row.revision,
            production_value_vnd=row.production_value_vnd,
            workers=row.workers,
            budget_paid_vnd=row.budget_paid_vnd,
            filed_on=event.filed_on,
            late=event.late,
        )


@registry.on(ev.ProvinceStatisticsRecorded)
async def on_statistics_recorded(
    session: AsyncSession, event: ev.ProvinceStatisticsRecorded, envelope: Envelope
) -> None:
    await ProvinceFacts(session).add(
        t.statistics,
        event_id=envelope.id,
        province_code=event.province_code,
        year=event.year,
        area=event.area,
        small_industry_output_vnd=event.small_industry_output_vnd,
        cluster_ids=json.dumps(event.cluster_ids),
        recorded_on=_recorded_on(envelope),
    )


@registry.on(ev.PlacementApplied)
async def on_placement_applied(
    session: AsyncSession, event: ev.PlacementApplied, envelope: Envelope
) -> None:
    await ProvinceFacts(session).add(
        t.placements,
        id=event.placement_id,
        province_code=event.province_code,
        applied_on=event.applied_on,
    )


@registry.on(ev.PlacementApproved)
@registry.on(ev.PlacementRejected)
@registry.on(ev.PlacementWithdrawn)
async def on_placement_closed(
    session: AsyncSession,
    event: ev.PlacementApproved | ev.PlacementRejected | ev.PlacementWithdrawn,
    envelope: Envelope,
) -> None:
    closed = {
        ev.PlacementApproved: ("approved", "approved_on"),
        ev.PlacementRejected: ("rejected", "rejected_on"),
        ev.PlacementWithdrawn: ("withdrawn", "withdrawn_on"),
    }
    outcome, field = closed[type(event)]
    await ProvinceFacts(session).placement_closed(
        event.placement_id, getattr(event, field), outcome
    )


@registry.on(ev.DossierOpened)
@registry.on(ev.DossierStepRecorded)
@registry.on(ev.DossierDecided)
async def on_dossier_step(
    session: AsyncSession,
    event: ev.DossierOpened | ev.DossierStepRecorded | ev.DossierDecided,
    envelope: Envelope,
) -> None:
    done_on = event.request_received_on if isinstance(event, ev.DossierOpened) else event.done_on
    await ProvinceFacts(session).add(
        t.dossier_steps,
        event_id=envelope.id,
        dossier_id=event.dossier_id,
        province_code=event.province_code,
        done_on=done_on,
        next_step=event.next_step.value if event.next_step else None,
        next_due_on=event.next_due_on,
    )


@environment.on(env.FacilityClassifiedPolluting)
@environment.on(env.FacilityDeclassified)
async def on_pollution_decision(
    session: AsyncSession,
    event: env.FacilityClassifiedPolluting | env.FacilityDeclassified,
    envelope: Envelope,
) -> None:
    if isinstance(event, env.FacilityClassifiedPolluting):
        classified, decided_on = True, event.classified_on
    else:
        classified, decided_on = False, event.declassified_on
    await ProvinceFacts(session).add(
        t.pollution_decisions,
        event_id=envelope.id,
        facility_id=event.facility_id,
        province_code=event.province_code,
        classified=classified,
        decided_on=decided_on,
    )


def _for_every_version(projection: Projection, *kinds: type[ev.Event]) -> Any:
    """Register a handler for these event types and every later version of them."""

    def register(handler: Any) -> Any:
        for told in catalog:
            if any(issubclass(told, kind) for kind in kinds):
                projection.on(told)(handler)
        return handler

    return register


@_for_every_version(environment, env.InspectionScheduled)
async def on_inspection_scheduled(
    session: AsyncSession, event: env.InspectionScheduled, envelope: Envelope
) -> None:
    await ProvinceFacts(session).add(
        t.inspections,
        id=event.inspection_id,
        province_code=event.province_code,
        facility_id=getattr(event, "facility_id", None),
        scheduled_on=event.scheduled_on,
    )


@_for_every_version(environment, env.InspectionCompleted)
async def on_inspection_completed(
    session: AsyncSession, event: env.InspectionCompleted, envelope: Envelope
) -> None:
    await ProvinceFacts(session).update(
        t.inspections,
        event.inspection_id,
        carried_out_on=event.carried_out_on,
        outcome=event.outcome.value,
    )


@_for_every_version(environment, env.ViolationRecorded)
async def on_violation_recorded(
    session: AsyncSession, event: env.ViolationRecorded, envelope: Envelope
) -> None:
    await ProvinceFacts(session).add(
        t.violations,
        id=event.violation_id,
        province_code=event.province_code,
        facility_id=getattr(event, "facility_id", None),
        detected_on=event.detected_on,
        remediation_deadline=event.remediation_deadline,
    )


@_for_every_version(environment, env.ViolationRemediated, env.ViolationEscalated)
async def on_violation_closed(
    session: AsyncSession,
    event: env.ViolationRemediated | env.ViolationEscalated,
    envelope: Envelope,
) -> None:
    if isinstance(event, env.ViolationRemediated):
        closed_on, closed_as = event.remediated_on, "remediated"
    else:
        closed_on, closed_as = event.escalated_on, "escalated"
    await ProvinceFacts(session).update(
        t.violations, event.violation_id, closed_on=closed_on, closed_as=closed_as
    )


MOVEMENTS: dict[type[ev.Event], tuple[str, str | None, str | None]] = {
    pro.ProjectProposed: ("proposed", "start_date", None),
    pro.ProjectApproved: ("approved", "decision_date", "approved_support_vnd"),
    pro.FundsDisbursed: ("disbursed", "disbursed_on", "amount_vnd"),
    pro.FundsReturned: ("returned", "returned_on", "amount_vnd"),
    pro.ProjectAccepted: ("accepted", "accepted_on", None),
    pro.ProjectSettled: ("settled", "settled_on", "settled_vnd"),
    pro.ProjectPaused: ("paused", "paused_on", None),
    pro.ProjectRescheduled: ("rescheduled", None, None),
    pro.ProjectCancelled: ("cancelled", "cancelled_on", None),
}
"""Each kind of movement: its name, the field of its day (none: the day it was recorded), and
the field of its amount."""


@_for_every_version(promotion, *MOVEMENTS)
async def on_project_moved(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    kind, day, amount = next(v for k, v in MOVEMENTS.items() if isinstance(event, k))
    outputs = getattr(event, "actual_outputs", None)
    await ProvinceFacts(session).add(
        t.project_movements,
        event_id=envelope.id,
        project_id=event.project_id,
        province_code=event.province_code,
        funding_source=event.funding_source.value,
        content_group=event.content_group.value,
        facility_id=event.beneficiary_facility_id,
        kind=kind,
        happened_on=getattr(event, day) if day else _recorded_on(envelope),
        amount_vnd=getattr(event, amount) if amount else 0,
        counterpart_vnd=getattr(event, "counterpart_vnd", 0) if kind == "approved" else 0,
        outputs=outputs.model_dump_json() if outputs is not None else None,
    )


# -- each facility's history across the agencies ---------------------------------------------


async def on_described_event(session: AsyncSession, event: ev.Event, envelope: Envelope) -> None:
    entry = entry_of(event)
    if entry is not None:
        await Timeline(session).add(entry, event_id=envelope.id)


for _told in catalog:
    if described(_told) is not None:
        SOURCES[_told.service].on(_told)(on_described_event)


@registry.on(ev.FacilityRegistered)
async def on_facility_recorded(
    session: AsyncSession, event: ev.FacilityRegistered, envelope: Envelope
) -> None:
    recorded_on = envelope.time.astimezone(VIETNAM).date()
    await Timeline(session).add(registered_entry(event, recorded_on), event_id=envelope.id)


@registry.on(ev.ClusterPeriodReportFiled)
async def on_period_report_filed(
    session: AsyncSession, event: ev.ClusterPeriodReportFiled, envelope: Envelope
) -> None:
    for entry in report_entries(event):
        await Timeline(session).add(entry, event_id=envelope.id)
