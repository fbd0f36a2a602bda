"""The commands and queries of clusters, tenancies, enterprises and facilities."""

from __future__ import annotations

from collections.abc import Callable

from services.registry import schemas as s
from services.registry.domain import (
    NO_TENANTS,
    Cluster,
    Enterprise,
    Facility,
    Tenancy,
    Tenants,
    approving,
    writing,
    writing_locally,
)
from services.registry.handlers.base import Uow
from services.registry.repository import (
    Clusters,
    Enterprises,
    Facilities,
    RelocationCandidates,
    Tenancies,
)
from shared.domain import check_not_future
from shared.errors import Conflict
from shared.events import registry as ev
from shared.pagination import Page
from shared.preconditions import Precondition
from shared.principal import Permit, Place, Scope, reading


async def _cluster_view(uow: Uow, cluster: Cluster) -> s.ClusterView:
    return s.ClusterView.of(cluster, await _tenants(uow, cluster))


async def _tenants(uow: Uow, cluster: Cluster) -> Tenants:
    return (await Clusters(uow.session).tenants([cluster.id])).get(cluster.id, NO_TENANTS)


async def _changing(
    uow: Uow, cluster_id: str, version: Precondition, permit: Callable[[Place], Permit]
) -> Cluster:
    """The cluster a lifecycle command changes: locked, the caller authorized, the version
    the caller read checked (in that order: no version talk with a caller without rights)."""
    cluster = await Clusters(uow.session).lock(cluster_id)
    uow.authorize(permit(cluster.place))
    version.check(cluster.version)
    return cluster


async def _changed(uow: Uow, cluster: Cluster, event: ev.Event) -> s.ClusterView:
    # Its tenants are read before the writes, which then go in one statement.
    tenants = await _tenants(uow, cluster)
    await Clusters(uow.session).save(cluster)
    await uow.record(event)
    return s.ClusterView.of(cluster, tenants)


# -- clusters --------------------------------------------------------------------------------


async def plan_cluster(uow: Uow, *, cmd: s.PlanCluster) -> s.ClusterView:
    uow.authorize(writing(cmd.place))
    cluster, planned = Cluster.plan(cmd)
    await Clusters(uow.session).add(cluster)
    await uow.record(planned)
    return s.ClusterView.of(cluster, NO_TENANTS)


async def establish_cluster(
    uow: Uow, *, cluster_id: str, cmd: s.EstablishCluster, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, approving)
    return await _changed(uow, cluster, cluster.establish(cmd, uow.rules))


async def record_construction(
    uow: Uow, *, cluster_id: str, cmd: s.RecordConstruction, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, writing_locally)
    return await _changed(uow, cluster, cluster.record_construction(cmd))


async def report_infrastructure(
    uow: Uow, *, cluster_id: str, cmd: s.ReportInfrastructure, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, writing_locally)
    check_not_future(cmd.reported_on, field="reported_on")
    return await _changed(uow, cluster, cluster.report_infrastructure(cmd))


async def start_operation(
    uow: Uow, *, cluster_id: str, cmd: s.StartOperation, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, writing)
    return await _changed(uow, cluster, cluster.start_operation(start_date=cmd.start_date))


async def expand_cluster(
    uow: Uow, *, cluster_id: str, cmd: s.ExpandCluster, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, approving)
    return await _changed(uow, cluster, cluster.expand(cmd, uow.rules))


async def remove_cluster(
    uow: Uow, *, cluster_id: str, cmd: s.RemoveCluster, version: Precondition
) -> s.ClusterView:
    cluster = await _changing(uow, cluster_id, version, approving)
    return await _changed(uow, cluster, cluster.remove_from_plan(reason=cmd.reason))


async def get_cluster(uow: Uow, *, cluster_id: str) -> s.ClusterView:
    cluster = await Clusters(uow.session).get(cluster_id)
    uow.authorize(reading(cluster.place))
    return await _cluster_view(uow, cluster)


async def list_clusters(uow: Uow, *, query: s.ClusterQuery) -> Page[s.ClusterView]:
    clusters = Clusters(uow.session)
    found, next_cursor = await clusters.listed(Scope.of(uow.caller, query.province_code), query)
    tenants = await clusters.tenants([c.id for c in found])
    items = [s.ClusterView.of(c, tenants.get(c.id, NO_TENANTS)) for c in found]
    return Page[s.ClusterView](items=items, next_cursor=next_cursor)


# -- tenancies and relocations ---------------------------------------------------------------


async def start_tenancy(
    uow: Uow, *, cluster_id: str, cmd: s.StartTenancy, version: Precondition = Precondition(None)
) -> s.TenancyView:
    cluster, facility = await Clusters(uow.session).lock_with(
        cluster_id, Facilities(uow.session), cmd.facility_id
    )
    uow.authorize(writing(cluster.place), writing(facility.place))
    version.check_if_sent(cluster.version)
    tenancy, started = cluster.lease(
        facility, area_ha=cmd.leased_area_ha, start_date=cmd.start_date
    )
    await _leased(uow, cluster, facility, tenancy)
    await uow.record(started)
    return s.TenancyView.of(tenancy, cluster)


async def end_tenancy(
    uow: Uow,
    *,
    cluster_id: str,
    tenancy_id: str,
    cmd: s.EndTenancy,
    version: Precondition = Precondition(None),
) -> s.TenancyView:
    cluster = await Clusters(uow.session).lock(cluster_id)
    uow.authorize(writing(cluster.place))
    version.check_if_sent(cluster.version)
    tenancy = await Tenancies(uow.session).of(cluster_id, tenancy_id)
    facility = await Facilities(uow.session).lock(tenancy.facility_id)
    uow.authorize(writing(facility.place))
    ended = cluster.release(tenancy, facility, end_date=cmd.end_date)
    await Tenancies(uow.session).save(tenancy)
    await Clusters(uow.session).save(cluster)
    await Facilities(uow.session).save(facility)
    await uow.record(ended)
    return s.TenancyView.of(tenancy, cluster)


async def relocate_facility(
    uow: Uow,
    *,
    facility_id: str,
    cmd: s.RelocateFacility,
    version: Precondition = Precondition(None),
) -> s.RelocationView:
    """Move a facility from a residential area into a cluster of its province (di dời)."""
    cluster, facility = await Clusters(uow.session).lock_with(
        cmd.cluster_id, Facilities(uow.session), facility_id
    )
    uow.authorize(writing(facility.place))
    version.check_if_sent(facility.version)
    facility.check_relocatable_to(cluster)
    uow.authorize(writing(cluster.place))
    tenancy, events = facility.relocate(cluster, area_ha=cmd.leased_area_ha, on=cmd.date)
    await _leased(uow, cluster, facility, tenancy)
    await uow.record(*events)
    return s.RelocationView(
        facility=s.FacilityView.of(facility), tenancy=s.TenancyView.of(tenancy, cluster)
    )


async def _leased(uow: Uow, cluster: Cluster, facility: Facility, tenancy: Tenancy) -> None:
    await Tenancies(uow.session).add(tenancy)
    await Clusters(uow.session).save(cluster)
    await Facilities(uow.session).save(facility)


async def get_tenancy(uow: Uow, *, cluster_id: str, tenancy_id: str) -> s.TenancyView:
    cluster = await Clusters(uow.session).get(cluster_id)
    uow.authorize(reading(cluster.place))
    return s.TenancyView.of(await Tenancies(uow.session).of(cluster_id, tenancy_id), cluster)


async def list_tenancies(uow: Uow, *, cluster_id: str, active: bool) -> list[s.TenancyView]:
    cluster = await Clusters(uow.session).get(cluster_id)
    uow.authorize(reading(cluster.place))
    found = await Tenancies(uow.session).of_cluster(cluster_id, active_only=active)
    return [s.TenancyView.of(t, cluster) for t in found]


# -- enterprises and facilities --------------------------------------------------------------


async def register_enterprise(uow: Uow, *, cmd: s.RegisterEnterprise) -> s.EnterpriseView:
    uow.authorize(writing(Place(cmd.province_code)))
    enterprises = Enterprises(uow.session)
    existing = await enterprises.with_tax_code(cmd.tax_code)
    if existing is not None:
        raise Conflict(f"tax code {cmd.tax_code} is already registered", enterprise_id=existing.id)
    enterprise, registered = Enterprise.register(cmd)
    # The same tax code registered by two officials at once: the second is told so too.
    meanwhile = Conflict(f"tax code {cmd.tax_code} was registered meanwhile by someone else")
    await enterprises.add_unless_there(enterprise, refused=meanwhile)
    await uow.record(registered)
    return s.EnterpriseView.of(enterprise)


async def get_enterprise(uow: Uow, *, enterprise_id: str) -> s.EnterpriseView:
    found = await Enterprises(uow.session).get(enterprise_id)
    Scope.of(uow.caller, found.province_code, by_commune=False)  # 403 outside the province
    return s.EnterpriseView.of(found)


async def list_enterprises(uow: Uow, *, query: s.EnterpriseQuery) -> Page[s.EnterpriseView]:
    scope = Scope.of(uow.caller, query.province_code, by_commune=False)
    found, next_cursor = await Enterprises(uow.session).listed(scope, query)
    return Page[s.EnterpriseView](
        items=[s.EnterpriseView.of(e) for e in found], next_cursor=next_cursor
    )


async def register_facility(uow: Uow, *, cmd: s.RegisterFacility) -> s.FacilityView:
    uow.authorize(writing(cmd.place))
    owner = await Enterprises(uow.session).get(cmd.enterprise_id)
    facility, registered = Facility.register(owner, cmd)
    await Facilities(uow.session).add(facility)
    await uow.record(registered)
    return s.FacilityView.of(facility)


async def get_facility(uow: Uow, *, facility_id: str) -> s.FacilityView:
    found = await Facilities(uow.session).get(facility_id)
    uow.authorize(reading(found.place))
    return s.FacilityView.of(found)


async def list_facilities(uow: Uow, *, query: s.FacilityQuery) -> Page[s.FacilityView]:
    scope = Scope.of(uow.caller, query.province_code)
    found, next_cursor = await Facilities(uow.session).listed(scope, query)
    return Page[s.FacilityView](
        items=[s.FacilityView.of(f) for f in found], next_cursor=next_cursor
    )


async def list_relocation_candidates(
    uow: Uow, *, province_code: str | None
) -> list[s.RelocationCandidateView]:
    found = await RelocationCandidates(uow.session).listed(Scope.of(uow.caller, province_code))
    return [s.RelocationCandidateView.of(row) for row in found]
