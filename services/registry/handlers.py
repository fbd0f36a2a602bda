"""One function per registry command: check who may, load, apply the rules, save, record events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import repository as repo
from services.registry import schemas as s
from services.registry.domain import (
    ClusterRules,
    Land,
    check_areas,
    check_transition,
    check_version,
    fold,
)
from shared.auth import Principal
from shared.context import Actor
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.events import environment as env_events
from shared.events import registry as ev
from shared.events.registry import ClusterStatus, FacilityLocation
from shared.outbox import Outbox

SO_CONG_THUONG = "so-cong-thuong"
UBND = "ubnd"


@dataclass(frozen=True)
class Caller:
    """The principal making a command, and where its events go."""

    principal: Principal
    outbox: Outbox
    rules: ClusterRules = field(default_factory=ClusterRules)

    @property
    def actor(self) -> Actor:
        return Actor(subject=self.principal.subject, agency=self.principal.agency)

    async def record(self, session: AsyncSession, *events: ev.Event) -> None:
        await self.outbox.add(session, *events, actor=self.actor)


# -- who may do what -------------------------------------------------------------------------


def require_writer(
    principal: Principal,
    province_code: str,
    commune_code: str | None = None,
    *,
    approver: bool = False,
) -> None:
    """Sở Công Thương officers write within their province; some commands need an approver."""
    principal.require_agency(SO_CONG_THUONG)
    principal.require_role(*(("approver",) if approver else ("officer", "approver")))
    principal.require_access(province_code, commune_code)


def require_construction_writer(principal: Principal, cluster: repo.Row) -> None:
    """Sở Công Thương officers, or UBND officers for clusters in their communes."""
    if principal.agency == UBND:
        principal.require_role("officer", "approver")
        if cluster.commune_code is None or not principal.jurisdiction.covers(
            cluster.province_code, cluster.commune_code
        ):
            raise Forbidden(
                "UBND officers record construction only for clusters in their "
                f"communes ({principal.jurisdiction.describe()})"
            )
        return
    require_writer(principal, cluster.province_code, cluster.commune_code)


def require_reader(principal: Principal, province_code: str, commune_code: str | None) -> None:
    principal.require_access(province_code, commune_code)


# -- clusters --------------------------------------------------------------------------------


async def cluster_view(session: AsyncSession, row: repo.Row) -> s.ClusterView:
    tenants = (await repo.tenants_of(session, [row.id])).get(row.id, repo.Tenants())
    return to_cluster_view(row, tenants)


def to_cluster_view(row: repo.Row, tenants: repo.Tenants) -> s.ClusterView:
    land = _land(row)
    return s.ClusterView(
        id=row.id,
        name=row.name,
        province_code=row.province_code,
        commune_code=row.commune_code,
        status=ClusterStatus(row.status),
        planned_area_ha=row.planned_area_ha,
        sectors=json.loads(row.sectors),
        decision_number=row.decision_number,
        decision_date=row.decision_date,
        investor_name=row.investor_name,
        area_ha=row.area_ha,
        industrial_land_area_ha=row.industrial_land_area_ha,
        leased_area_ha=row.leased_area_ha,
        occupancy_rate=land.occupancy_rate,
        tenant_count=tenants.count,
        workers=tenants.workers,
        infrastructure_investment_vnd=row.infrastructure_investment_vnd,
        operation_start_date=row.operation_start_date,
        removal_reason=row.removal_reason,
        version=row.version,
    )


def _land(row: repo.Row) -> Land:
    zero = Decimal("0.0000")
    return Land(
        row.industrial_land_area_ha if row.industrial_land_area_ha is not None else zero,
        row.leased_area_ha if row.leased_area_ha is not None else zero,
    )


def _place(row: repo.Row) -> dict[str, str | None]:
    return {
        "cluster_id": row.id,
        "province_code": row.province_code,
        "commune_code": row.commune_code,
    }


async def plan_cluster(session: AsyncSession, caller: Caller, cmd: s.PlanCluster) -> s.ClusterView:
    require_writer(caller.principal, cmd.province_code, cmd.commune_code)
    cluster_id = str(uuid.uuid4())
    await repo.insert_cluster(
        session,
        {
            "id": cluster_id,
            "name": cmd.name,
            "name_folded": fold(cmd.name),
            "province_code": cmd.province_code,
            "commune_code": cmd.commune_code,
            "status": ClusterStatus.PLANNED.value,
            "planned_area_ha": cmd.planned_area_ha,
            "sectors": json.dumps(cmd.sectors, ensure_ascii=False),
            "leased_area_ha": Decimal(0),
            "infrastructure_investment_vnd": 0,
            "version": 1,
        },
    )
    await caller.record(
        session,
        ev.ClusterPlanned(
            cluster_id=cluster_id,
            province_code=cmd.province_code,
            commune_code=cmd.commune_code,
            name=cmd.name,
            planned_area_ha=cmd.planned_area_ha,
            sectors=cmd.sectors,
        ),
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


async def _load_for_command(
    session: AsyncSession, cluster_id: str, command: str, expected_version: int | None
) -> repo.Row:
    row = await repo.get_cluster(session, cluster_id, for_update=True)
    if expected_version is not None:
        check_version(row.version, expected_version)
    check_transition(command, ClusterStatus(row.status))
    return row


async def establish_cluster(
    session: AsyncSession, caller: Caller, cluster_id: str, cmd: s.EstablishCluster, version: int
) -> s.ClusterView:
    row = await repo.get_cluster(session, cluster_id)
    require_writer(caller.principal, row.province_code, row.commune_code, approver=True)
    row = await _load_for_command(session, cluster_id, "establish", version)
    caller.rules.check_area(cmd.area_ha, field="area_ha")
    check_areas(cmd.area_ha, cmd.industrial_land_area_ha, field="industrial_land_area_ha")
    await repo.update_cluster(
        session,
        row,
        status=ClusterStatus.ESTABLISHED.value,
        decision_number=cmd.decision_number,
        decision_date=cmd.decision_date,
        investor_name=cmd.investor_name,
        area_ha=cmd.area_ha,
        industrial_land_area_ha=cmd.industrial_land_area_ha,
    )
    await caller.record(
        session,
        ev.ClusterEstablished(
            **_place(row),
            decision_number=cmd.decision_number,
            decision_date=cmd.decision_date,
            investor_name=cmd.investor_name,
            area_ha=cmd.area_ha,
            industrial_land_area_ha=cmd.industrial_land_area_ha,
        ),
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


async def record_construction(
    session: AsyncSession, caller: Caller, cluster_id: str, cmd: s.RecordConstruction, version: int
) -> s.ClusterView:
    row = await repo.get_cluster(session, cluster_id)
    require_construction_writer(caller.principal, row)
    row = await _load_for_command(session, cluster_id, "record construction", version)
    total = row.infrastructure_investment_vnd + cmd.investment_vnd
    await repo.update_cluster(
        session,
        row,
        status=ClusterStatus.UNDER_CONSTRUCTION.value,
        infrastructure_investment_vnd=total,
    )
    await caller.record(
        session,
        ev.ClusterConstructionProgressed(
            **_place(row),
            investment_vnd=cmd.investment_vnd,
            total_investment_vnd=total,
            report_date=cmd.report_date,
            note=cmd.note,
        ),
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


async def start_operation(
    session: AsyncSession, caller: Caller, cluster_id: str, cmd: s.StartOperation, version: int
) -> s.ClusterView:
    row = await repo.get_cluster(session, cluster_id)
    require_writer(caller.principal, row.province_code, row.commune_code)
    row = await _load_for_command(session, cluster_id, "start operation", version)
    if row.decision_date and cmd.start_date < row.decision_date:
        raise InvalidInput(
            f"operation cannot start before the establishment decision of {row.decision_date}",
            field="start_date",
        )
    await repo.update_cluster(
        session, row, status=ClusterStatus.OPERATING.value, operation_start_date=cmd.start_date
    )
    await caller.record(
        session, ev.ClusterOperationStarted(**_place(row), start_date=cmd.start_date)
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


async def expand_cluster(
    session: AsyncSession, caller: Caller, cluster_id: str, cmd: s.ExpandCluster, version: int
) -> s.ClusterView:
    row = await repo.get_cluster(session, cluster_id)
    require_writer(caller.principal, row.province_code, row.commune_code, approver=True)
    row = await _load_for_command(session, cluster_id, "expand", version)
    caller.rules.check_expansion(_land(row))
    area = row.area_ha + cmd.added_area_ha
    industrial = row.industrial_land_area_ha + cmd.added_industrial_land_area_ha
    caller.rules.check_area(area, field="added_area_ha")
    check_areas(area, industrial, field="added_industrial_land_area_ha")
    await repo.update_cluster(
        session,
        row,
        area_ha=area,
        industrial_land_area_ha=industrial,
        decision_number=cmd.decision_number,
        decision_date=cmd.decision_date,
    )
    await caller.record(
        session,
        ev.ClusterExpanded(
            **_place(row),
            decision_number=cmd.decision_number,
            decision_date=cmd.decision_date,
            added_area_ha=cmd.added_area_ha,
            added_industrial_land_area_ha=cmd.added_industrial_land_area_ha,
            area_ha=area,
            industrial_land_area_ha=industrial,
        ),
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


async def remove_cluster(
    session: AsyncSession, caller: Caller, cluster_id: str, cmd: s.RemoveCluster, version: int
) -> s.ClusterView:
    row = await repo.get_cluster(session, cluster_id)
    require_writer(caller.principal, row.province_code, row.commune_code, approver=True)
    row = await _load_for_command(session, cluster_id, "remove from the plan", version)
    await repo.update_cluster(
        session, row, status=ClusterStatus.REMOVED.value, removal_reason=cmd.reason
    )
    await caller.record(
        session,
        ev.ClusterRemovedFromPlan(
            **_place(row), reason=cmd.reason, previous_status=ClusterStatus(row.status)
        ),
    )
    return await cluster_view(session, await repo.get_cluster(session, cluster_id))


# -- enterprises and facilities --------------------------------------------------------------


def enterprise_view(row: repo.Row) -> s.EnterpriseView:
    return s.EnterpriseView(
        id=row.id,
        name=row.name,
        tax_code=row.tax_code,
        kind=row.kind,
        province_code=row.province_code,
    )


async def register_enterprise(
    session: AsyncSession, caller: Caller, cmd: s.RegisterEnterprise
) -> s.EnterpriseView:
    require_writer(caller.principal, cmd.province_code)
    existing = await repo.enterprise_by_tax_code(session, cmd.tax_code)
    if existing is not None:
        raise Conflict(f"tax code {cmd.tax_code} is already registered", enterprise_id=existing.id)
    enterprise_id = str(uuid.uuid4())
    await repo.insert_enterprise(
        session,
        {
            "id": enterprise_id,
            "name": cmd.name,
            "name_folded": fold(cmd.name),
            "tax_code": cmd.tax_code,
            "kind": cmd.kind.value,
            "province_code": cmd.province_code,
        },
    )
    await caller.record(
        session,
        ev.EnterpriseRegistered(
            enterprise_id=enterprise_id,
            name=cmd.name,
            tax_code=cmd.tax_code,
            kind=cmd.kind,
            province_code=cmd.province_code,
        ),
    )
    return enterprise_view(await repo.get_enterprise(session, enterprise_id))


def facility_view(row: repo.Row) -> s.FacilityView:
    return s.FacilityView(
        id=row.id,
        enterprise_id=row.enterprise_id,
        name=row.name,
        province_code=row.province_code,
        commune_code=row.commune_code,
        address=row.address,
        sector=row.sector,
        workers=row.workers,
        annual_output_vnd=row.annual_output_vnd,
        location=FacilityLocation.CLUSTER if row.cluster_id else FacilityLocation.RESIDENTIAL_AREA,
        cluster_id=row.cluster_id,
        relocated_on=row.relocated_on,
        version=row.version,
    )


async def register_facility(
    session: AsyncSession, caller: Caller, cmd: s.RegisterFacility
) -> s.FacilityView:
    require_writer(caller.principal, cmd.province_code, cmd.commune_code)
    await repo.get_enterprise(session, cmd.enterprise_id)
    facility_id = str(uuid.uuid4())
    await repo.insert_facility(
        session,
        {
            "id": facility_id,
            "enterprise_id": cmd.enterprise_id,
            "name": cmd.name,
            "name_folded": fold(cmd.name),
            "province_code": cmd.province_code,
            "commune_code": cmd.commune_code,
            "address": cmd.address,
            "sector": cmd.sector,
            "workers": cmd.workers,
            "annual_output_vnd": cmd.annual_output_vnd,
            "version": 1,
        },
    )
    await caller.record(
        session,
        ev.FacilityRegistered(
            facility_id=facility_id,
            enterprise_id=cmd.enterprise_id,
            province_code=cmd.province_code,
            commune_code=cmd.commune_code,
            name=cmd.name,
            address=cmd.address,
            sector=cmd.sector,
            workers=cmd.workers,
            annual_output_vnd=cmd.annual_output_vnd,
            location=FacilityLocation.RESIDENTIAL_AREA,
        ),
    )
    return facility_view(await repo.get_facility(session, facility_id))


# -- tenancies and relocations ---------------------------------------------------------------


async def start_tenancy(
    session: AsyncSession,
    caller: Caller,
    cluster_id: str,
    cmd: s.StartTenancy,
    *,
    relocation: bool = False,
) -> s.TenancyView:
    cluster = await repo.get_cluster(session, cluster_id)
    require_writer(caller.principal, cluster.province_code, cluster.commune_code)
    cluster = await _load_for_command(session, cluster_id, "lease land in", None)
    facility = await repo.get_facility(session, cmd.facility_id, for_update=True)
    if await repo.active_tenancy_of(session, facility.id) is not None:
        raise Conflict(
            f"facility {facility.id} already leases land in a cluster; end that tenancy first"
        )
    if cluster.operation_start_date and cmd.start_date < cluster.operation_start_date:
        raise InvalidInput(
            f"a tenancy cannot start before the cluster operates ({cluster.operation_start_date})",
            field="start_date",
        )
    land = _land(cluster).lease(cmd.leased_area_ha)
    tenancy_id = str(uuid.uuid4())
    await repo.insert_tenancy(
        session,
        {
            "id": tenancy_id,
            "cluster_id": cluster_id,
            "facility_id": facility.id,
            "leased_area_ha": cmd.leased_area_ha,
            "start_date": cmd.start_date,
            "relocation": relocation,
        },
    )
    await repo.update_cluster(session, cluster, leased_area_ha=land.leased_ha)
    await repo.update_facility(
        session,
        facility,
        cluster_id=cluster_id,
        **({"relocated_on": cmd.start_date} if relocation else {}),
    )
    await caller.record(
        session,
        ev.TenancyStarted(
            **_place(cluster),
            tenancy_id=tenancy_id,
            facility_id=facility.id,
            enterprise_id=facility.enterprise_id,
            leased_area_ha=cmd.leased_area_ha,
            start_date=cmd.start_date,
            cluster_leased_area_ha=land.leased_ha,
            cluster_occupancy_rate=land.occupancy_rate,
            relocation=relocation,
        ),
    )
    return tenancy_view(await repo.get_tenancy(session, cluster_id, tenancy_id), land)


def tenancy_view(row: repo.Row, land: Land) -> s.TenancyView:
    return s.TenancyView(
        id=row.id,
        cluster_id=row.cluster_id,
        facility_id=row.facility_id,
        leased_area_ha=row.leased_area_ha,
        start_date=row.start_date,
        end_date=row.end_date,
        relocation=row.relocation,
        cluster_leased_area_ha=land.leased_ha,
        cluster_occupancy_rate=land.occupancy_rate,
    )


async def end_tenancy(
    session: AsyncSession, caller: Caller, cluster_id: str, tenancy_id: str, cmd: s.EndTenancy
) -> s.TenancyView:
    cluster = await repo.get_cluster(session, cluster_id, for_update=True)
    require_writer(caller.principal, cluster.province_code, cluster.commune_code)
    tenancy = await repo.get_tenancy(session, cluster_id, tenancy_id)
    if tenancy.end_date is not None:
        raise Conflict(f"tenancy {tenancy_id} already ended on {tenancy.end_date}")
    if cmd.end_date < tenancy.start_date:
        raise InvalidInput(
            f"a tenancy cannot end before it started ({tenancy.start_date})", field="end_date"
        )
    land = _land(cluster).release(tenancy.leased_area_ha)
    await repo.end_tenancy(session, tenancy_id, cmd.end_date)
    await repo.update_cluster(session, cluster, leased_area_ha=land.leased_ha)
    facility = await repo.get_facility(session, tenancy.facility_id, for_update=True)
    await repo.update_facility(session, facility, cluster_id=None)
    await caller.record(
        session,
        ev.TenancyEnded(
            **_place(cluster),
            tenancy_id=tenancy_id,
            facility_id=tenancy.facility_id,
            enterprise_id=facility.enterprise_id,
            released_area_ha=tenancy.leased_area_ha,
            end_date=cmd.end_date,
            cluster_leased_area_ha=land.leased_ha,
            cluster_occupancy_rate=land.occupancy_rate,
        ),
    )
    return tenancy_view(await repo.get_tenancy(session, cluster_id, tenancy_id), land)


async def relocate_facility(
    session: AsyncSession, caller: Caller, facility_id: str, cmd: s.RelocateFacility
) -> s.RelocationView:
    """Move a facility from a residential area into a cluster: a tenancy starts there."""
    facility = await repo.get_facility(session, facility_id)
    require_writer(caller.principal, facility.province_code, facility.commune_code)
    if facility.cluster_id is not None:
        raise Conflict(
            f"facility {facility_id} is already in cluster {facility.cluster_id}; "
            "only facilities in residential areas are relocated"
        )
    cluster = await repo.get_cluster(session, cmd.cluster_id)
    if cluster.province_code != facility.province_code:
        raise InvalidInput(
            f"cluster {cluster.id} is in province {cluster.province_code}, the "
            f"facility in {facility.province_code}",
            field="cluster_id",
        )
    tenancy = await start_tenancy(
        session,
        caller,
        cmd.cluster_id,
        s.StartTenancy(
            facility_id=facility_id,
            leased_area_ha=cmd.leased_area_ha,
            start_date=cmd.date,
        ),
        relocation=True,
    )
    await caller.record(
        session,
        ev.FacilityRelocated(
            facility_id=facility_id,
            enterprise_id=facility.enterprise_id,
            province_code=facility.province_code,
            commune_code=facility.commune_code,
            cluster_id=cluster.id,
            cluster_commune_code=cluster.commune_code,
            tenancy_id=tenancy.id,
            leased_area_ha=cmd.leased_area_ha,
            relocation_date=cmd.date,
            from_address=facility.address,
        ),
    )
    return s.RelocationView(
        facility=facility_view(await repo.get_facility(session, facility_id)), tenancy=tenancy
    )


# -- read model fed by the environment service ----------------------------------------------


async def on_facility_classified_polluting(
    session: AsyncSession, event: env_events.FacilityClassifiedPolluting, envelope_id: str
) -> None:
    await repo.upsert_relocation_candidate(
        session,
        {
            "facility_id": event.facility_id,
            "province_code": event.province_code,
            "commune_code": event.commune_code,
            "severity": event.severity.value,
            "relocation_priority": event.relocation_priority,
            "classified_on": event.classified_on,
            "inspection_id": event.inspection_id,
            "reasons": json.dumps(event.reasons, ensure_ascii=False),
            "event_id": envelope_id,
        },
    )


def candidate_view(row: repo.Row) -> s.RelocationCandidateView:
    return s.RelocationCandidateView(
        facility_id=row.facility_id,
        facility_name=row.facility_name,
        province_code=row.province_code,
        commune_code=row.commune_code,
        severity=row.severity,
        relocation_priority=row.relocation_priority,
        classified_on=row.classified_on,
        reasons=json.loads(row.reasons),
        relocated=row.relocated_on is not None,
        cluster_id=row.cluster_id,
        relocated_on=row.relocated_on,
    )
