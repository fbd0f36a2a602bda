"""Sample data: Hà Nội's plan (`ha_noi_plan.py`) loaded through the handlers, after the rest
of the sample data (`seed.py`), whose Hà Nội clusters count among the 159. The investment is
recorded as construction reports of the new clusters and of the second phases, dated after
their decisions; the calls for investors are establishment dossiers whose call was announced
in the days before the data was loaded (their dossiers are not due at Sở Công Thương for weeks
yet). Loading it twice changes nothing: every command runs under a fixed idempotency key.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from services.registry import handlers as h
from services.registry import schemas as s
from services.registry.domain import ClusterRules, with_check_digit
from services.registry.ha_noi_plan import (
    FAMILY_NAMES,
    GIVEN_NAMES,
    HA_NOI,
    IN_CALLS,
    INFRASTRUCTURE_REPORTED_ON,
    LEASES_UNTIL,
    PLANNED,
    SECTORS,
    Planned,
    Sampled,
    Tenant,
    layout,
    names,
    place_name,
    tenants_of,
)
from shared import geo
from shared.domain import today
from shared.events.registry import DossierKind, EnterpriseKind
from shared.preconditions import Precondition
from shared.sample_data import SampleLoader
from shared.service import Progress

PROGRESS_EVERY = 500

Loader = SampleLoader[ClusterRules]


async def load_ha_noi_plan(loader: Loader, progress: Progress, *, beside: Sampled) -> None:
    """Load Hà Nội's plan to its published totals, `beside` what the rest of the sample data
    has already put there."""
    rng = random.Random(1292)
    plan = layout(names(), beside, rng)
    tenants = tenants_of(plan, beside, rng)
    serials = iter(range(10_000_003, 99_999_999, 7919))
    leased = 0
    total = sum(len(t) for t in tenants.values())
    for cluster in plan:
        record = await _advance(loader, cluster)
        for i, tenant in enumerate(tenants.get(cluster.name, [])):
            await _lease(loader, rng, serials, cluster, record["id"], i, tenant)
            leased += 1
            if leased % PROGRESS_EVERY == 0 or leased == total:
                progress(f"sample data: Hà Nội, {leased:,} of {total:,} tenants leased")
        if cluster.second is not None:
            await _expand(loader, cluster, record["id"])
        if cluster.call_for_investors:
            await _call_for_investors(loader, cluster, record["id"])
    progress(
        f"sample data: Hà Nội's plan, {len(plan)} clusters more ({PLANNED} in all, "
        f"{IN_CALLS} in calls for investors)"
    )


async def _run_step(
    loader: Loader, key: str, handler: Any, record: dict[str, Any], cmd: Any
) -> dict[str, Any]:
    """One command on the cluster as last seen (its version)."""
    version = Precondition(record["version"])
    return await loader.run(HA_NOI, key, handler, cluster_id=record["id"], cmd=cmd, version=version)


async def _advance(loader: Loader, cluster: Planned) -> dict[str, Any]:
    """Plan the cluster and take it as far as its status (its expansion comes later, once
    its tenants have filled it)."""
    plan = s.PlanCluster(
        name=cluster.name,
        province_code=HA_NOI,
        commune_code=cluster.commune,
        planned_area_ha=cluster.planned_area_ha,
        sectors=list(SECTORS[cluster.number % 4 : cluster.number % 4 + 3]),
    )
    record = await loader.run(HA_NOI, f"{cluster.key} plan", h.plan_cluster, cmd=plan)
    first = cluster.first
    if first is None:
        return record
    decision = s.EstablishCluster(
        decision_number=f"{1000 + cluster.number}/QĐ-UBND",
        decision_date=first.decided,
        investor_name=_investor(cluster),
        area_ha=first.area_ha,
        industrial_land_area_ha=first.land_ha,
    )
    record = await _run_step(
        loader, f"{cluster.key} establish", h.establish_cluster, record, decision
    )
    if first.built is not None:
        report = s.RecordConstruction(investment_vnd=first.investment_vnd, report_date=first.built)
        record = await _run_step(
            loader, f"{cluster.key} build", h.record_construction, record, report
        )
    if cluster.opened is None:
        return record
    opening = s.StartOperation(start_date=cluster.opened)
    record = await _run_step(loader, f"{cluster.key} open", h.start_operation, record, opening)
    return await _run_step(
        loader, f"{cluster.key} infrastructure", h.report_infrastructure, record, _shared(cluster)
    )


def _investor(cluster: Planned) -> str:
    if cluster.number % 2:
        return f"Công ty CP Đầu tư hạ tầng {cluster.name.removeprefix('Cụm công nghiệp ')}"
    commune = geo.commune_name(cluster.commune) or ""
    return f"Ban quản lý dự án đầu tư xây dựng {commune[:1].lower()}{commune[1:]}"


def _shared(cluster: Planned) -> s.ReportInfrastructure:
    """Many of Hà Nội's clusters lack a treatment plant, waste collection or fire safety."""
    plant = ("operating", "none", "under_construction", "none")[cluster.number % 4]
    return s.ReportInfrastructure.model_validate(
        {
            "treatment_plant": plant,
            "treatment_capacity_m3_per_day": None if plant == "none" else 600,
            "solid_waste_collection": ("full", "partial", "none")[cluster.number % 3],
            "fire_safety": ("partial", "none")[cluster.number % 2],
            "reported_on": INFRASTRUCTURE_REPORTED_ON,
        }
    )


async def _lease(
    loader: Loader,
    rng: random.Random,
    serials: Iterator[int],
    cluster: Planned,
    cluster_id: str,
    i: int,
    tenant: Tenant,
) -> None:
    """Register the tenant's enterprise and facility, and lease it land in the cluster."""
    assert cluster.first is not None and cluster.opened is not None
    place = place_name(cluster.commune)
    key = f"{cluster.key} tenant {i + 1}"
    registration = s.RegisterEnterprise(
        name=_owner(tenant, place, i),
        tax_code=_tax_code(serials),
        kind=tenant.kind,
        province_code=HA_NOI,
    )
    enterprise = await loader.run(
        HA_NOI, f"{key} enterprise", h.register_enterprise, cmd=registration
    )
    facility = s.RegisterFacility(
        enterprise_id=enterprise["id"],
        name=f"Xưởng {tenant.sector} {place} {i + 1}",
        province_code=HA_NOI,
        commune_code=cluster.commune,
        address=f"Lô {i + 1}, {cluster.name}",
        sector=tenant.sector,
        workers=tenant.workers,
        annual_output_vnd=tenant.workers * rng.randint(150, 400) * 1_000_000,
    )
    registered = await loader.run(HA_NOI, f"{key} facility", h.register_facility, cmd=facility)
    lease = s.StartTenancy(
        facility_id=registered["id"],
        leased_area_ha=tenant.leased_area_ha,
        start_date=_between(cluster.opened, LEASES_UNTIL, rng),
    )
    await loader.run(HA_NOI, f"{key} lease", h.start_tenancy, cluster_id=cluster_id, cmd=lease)


def _owner(tenant: Tenant, place: str, i: int) -> str:
    person = f"{FAMILY_NAMES[i % len(FAMILY_NAMES)]} {GIVEN_NAMES[i % len(GIVEN_NAMES)]}"
    return {
        EnterpriseKind.HOUSEHOLD: f"Hộ kinh doanh {person}",
        EnterpriseKind.COOPERATIVE: f"Hợp tác xã {tenant.sector} {place}",
        EnterpriseKind.COMPANY: f"Công ty TNHH {tenant.sector.capitalize()} {place} {i + 1}",
    }[tenant.kind]


def _tax_code(serials: Iterator[int]) -> str:
    code = None
    while code is None:
        code = with_check_digit(f"{next(serials):09d}")
    return code


def _between(first: date, last: date, rng: random.Random) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


async def _expand(loader: Loader, cluster: Planned, cluster_id: str) -> None:
    """The second phase: the decision, then the construction it paid for."""
    second = cluster.second
    assert second is not None and second.built is not None
    current = await loader.query(HA_NOI, h.get_cluster, cluster_id=cluster_id)
    record = {"id": cluster_id, "version": current.version}
    expansion = s.ExpandCluster(
        decision_number=f"{2000 + cluster.number}/QĐ-UBND",
        decision_date=second.decided,
        added_area_ha=second.area_ha,
        added_industrial_land_area_ha=second.land_ha,
    )
    record = await _run_step(loader, f"{cluster.key} expand", h.expand_cluster, record, expansion)
    report = s.RecordConstruction(
        investment_vnd=second.investment_vnd,
        report_date=second.built,
        note="Giai đoạn 2",
    )
    await _run_step(loader, f"{cluster.key} build phase 2", h.record_construction, record, report)


async def _call_for_investors(loader: Loader, cluster: Planned, cluster_id: str) -> None:
    """An investor asked to build the cluster a few days before the data was loaded, and
    the commune announced the call for investors within the days allowed."""
    asked = today() - timedelta(days=3 + cluster.number % 10)
    request = s.OpenDossier(
        cluster_id=cluster_id,
        kind=DossierKind.ESTABLISHMENT,
        request_received_on=asked,
        investor_name=_investor(cluster),
    )
    key = f"{cluster.key} dossier"
    dossier = await loader.run(HA_NOI, key, h.open_dossier, cmd=request)
    call = s.AnnounceCall(announced_on=asked + timedelta(days=1 + cluster.number % 2))
    await loader.run(
        HA_NOI,
        f"{key} call for investors",
        h.announce_call,
        dossier_id=dossier["id"],
        cmd=call,
        version=Precondition(dossier["version"]),
    )
