"""The commands and queries of placement applications and the provinces' priority criteria.

A province's waiting applications are ranked when read, under its criteria as they stand
then, so a new classification or a change of criteria reorders the queue at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.registry import schemas as s
from services.registry.domain import (
    Cluster,
    Enterprise,
    Facility,
    PlacementApplication,
    PlacementCriteria,
    PlacementStatus,
    Ranked,
    Standing,
    Tenancy,
    approving,
    setting_criteria,
    writing,
)
from services.registry.handlers.base import Uow, province
from services.registry.repository import (
    Clusters,
    Criteria,
    Enterprises,
    Facilities,
    PlacementApplications,
    Tenancies,
)
from shared.domain import check_not_future
from shared.errors import Conflict, InvalidInput
from shared.events import registry as ev
from shared.events.registry import ClusterStatus
from shared.pagination import Page, page_of_list
from shared.preconditions import Precondition
from shared.principal import Place, Scope, reading

TAKING = {ClusterStatus.ESTABLISHED, ClusterStatus.UNDER_CONSTRUCTION, ClusterStatus.OPERATING}
"""Clusters a producer may ask to enter: established, and not removed from the plan."""


async def apply_for_placement(uow: Uow, *, cmd: s.ApplyForPlacement) -> s.PlacementView:
    """Record a producer's application; its facility, or the new enterprise, must be of the
    province of every cluster it prefers."""
    applicant = await _applicant(uow, cmd)
    uow.authorize(writing(applicant.place))
    check_not_future(cmd.applied_on, field="applied_on")
    await _check_preferred(uow, cmd.cluster_ids, applicant.province_code)
    application, applied = PlacementApplication.apply(
        province_code=applicant.province_code,
        commune_code=applicant.commune_code,
        facility_id=cmd.facility_id,
        applicant_name=applicant.name,
        applicant_tax_code=applicant.tax_code,
        applicant_kind=cmd.new_enterprise.kind if cmd.new_enterprise else None,
        sector=applicant.sector,
        address=cmd.new_enterprise.address if cmd.new_enterprise else None,
        purpose=cmd.purpose,
        requested_area_ha=cmd.requested_area_ha,
        cluster_ids=cmd.cluster_ids,
        applied_on=cmd.applied_on,
        annual_output_vnd=applicant.annual_output_vnd or cmd.annual_output_vnd,
        workers=applicant.workers if applicant.workers is not None else cmd.workers,
        facts=cmd.facts,
    )
    await PlacementApplications(uow.session).add(application)
    await uow.record(applied)
    return await _view(uow, application)


@dataclass(frozen=True)
class _Applicant:
    name: str
    province_code: str
    commune_code: str
    tax_code: str | None
    sector: str
    annual_output_vnd: int | None = None
    workers: int | None = None

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)


async def _applicant(uow: Uow, cmd: s.ApplyForPlacement) -> _Applicant:
    """Who applies: a facility on record (in a residential area), or a new enterprise."""
    if (cmd.facility_id is None) == (cmd.new_enterprise is None):
        raise InvalidInput(
            "name the facility that applies, or describe the new_enterprise; not both",
            field="facility_id",
        )
    if cmd.new_enterprise is not None:
        new = cmd.new_enterprise
        return _Applicant(new.name, new.province_code, new.commune_code, new.tax_code, new.sector)
    facility = await Facilities(uow.session).get(cmd.facility_id or "")
    uow.authorize(writing(facility.place))
    if facility.cluster_id is not None:
        raise Conflict(
            f"facility {facility.id} already leases land in cluster {facility.cluster_id}",
            cluster_id=facility.cluster_id,
        )
    owner = await Enterprises(uow.session).get(facility.enterprise_id)
    return _Applicant(
        facility.name,
        facility.province_code,
        facility.commune_code,
        owner.tax_code,
        facility.sector,
        facility.annual_output_vnd,
        facility.workers,
    )


async def _check_preferred(uow: Uow, cluster_ids: list[str], province_code: str) -> None:
    for cluster_id in cluster_ids:
        cluster = await Clusters(uow.session).find(cluster_id)
        if cluster is None or cluster.province_code != province_code:
            raise InvalidInput(
                f"no cluster {cluster_id} in province {province_code}", field="cluster_ids"
            )
        if cluster.status not in TAKING:
            raise InvalidInput(
                f"cluster {cluster_id} is {cluster.status.value}: a producer applies to an "
                "established cluster",
                field="cluster_ids",
            )


async def _changing(uow: Uow, placement_id: str, version: Precondition) -> PlacementApplication:
    application = await PlacementApplications(uow.session).lock(placement_id)
    uow.authorize(writing(application.place))
    version.check(application.version)
    return application


async def _changed(
    uow: Uow, application: PlacementApplication, *events: ev.Event
) -> s.PlacementView:
    await PlacementApplications(uow.session).save(application)
    await uow.record(*events)
    return await _view(uow, application)


async def approve_placement(
    uow: Uow, *, placement_id: str, cmd: s.ApprovePlacement, version: Precondition
) -> s.PlacementView:
    """Allocate the land in one step: the facility moves into the cluster, or the new
    enterprise and its facility are registered there; 409 when the cluster cannot take it."""
    application = await PlacementApplications(uow.session).lock(placement_id)
    uow.authorize(approving(application.place))
    version.check(application.version)
    check_not_future(cmd.approved_on, field="approved_on")
    ranked = await _rank_of(uow, application)
    cluster = await Clusters(uow.session).lock(cmd.cluster_id)
    uow.authorize(approving(cluster.place))
    if cluster.province_code != application.province_code:
        raise InvalidInput(
            f"cluster {cluster.id} is in province {cluster.province_code}, the application "
            f"in {application.province_code}",
            field="cluster_id",
        )
    area = cmd.leased_area_ha or application.requested_area_ha
    if application.facility_id is not None:
        facility = await Facilities(uow.session).lock(application.facility_id)
        tenancy, moved = facility.relocate(cluster, area_ha=area, on=cmd.approved_on)
        events: list[ev.Event] = moved
    else:
        facility, events = await _new_producer(uow, application, cluster)
        tenancy, started = cluster.lease(facility, area_ha=area, start_date=cmd.approved_on)
        events.append(started)
    await _allocated(uow, cluster, facility, tenancy)
    approved = application.approve(
        cluster_id=cluster.id,
        enterprise_id=facility.enterprise_id,
        tenancy_id=tenancy.id,
        area_ha=tenancy.leased_area_ha,
        on=cmd.approved_on,
        rank=ranked.rank if ranked else None,
    )
    return await _changed(uow, application, *events, approved)


async def _new_producer(
    uow: Uow, application: PlacementApplication, cluster: Cluster
) -> tuple[Facility, list[ev.Event]]:
    """The new enterprise (or the one already registered under its tax code) and its
    facility, registered in the cluster's commune."""
    enterprises = Enterprises(uow.session)
    tax_code = application.applicant_tax_code or ""
    events: list[ev.Event] = []
    owner = await enterprises.with_tax_code(tax_code)
    if owner is None:
        registration = s.RegisterEnterprise(
            name=application.applicant_name,
            tax_code=tax_code,
            kind=application.applicant_kind or ev.EnterpriseKind.COMPANY,
            province_code=application.province_code,
        )
        owner, registered = Enterprise.register(registration)
        meanwhile = Conflict(f"tax code {tax_code} was registered meanwhile; try again")
        await enterprises.add_unless_there(owner, refused=meanwhile)
        events.append(registered)
    in_cluster = s.RegisterFacility(
        enterprise_id=owner.id,
        name=application.applicant_name,
        province_code=cluster.province_code,
        commune_code=cluster.commune_code or application.commune_code or "",
        address=cluster.name,
        sector=application.sector or "",
        workers=application.workers or 0,
        annual_output_vnd=application.annual_output_vnd or 0,
    )
    facility, registered_facility = Facility.register(owner, in_cluster)
    await Facilities(uow.session).add(facility)
    return facility, [*events, registered_facility]


async def _allocated(uow: Uow, cluster: Cluster, facility: Facility, tenancy: Tenancy) -> None:
    await Tenancies(uow.session).add(tenancy)
    await Clusters(uow.session).save(cluster)
    await Facilities(uow.session).save(facility)


async def reject_placement(
    uow: Uow, *, placement_id: str, cmd: s.RejectPlacement, version: Precondition
) -> s.PlacementView:
    application = await _changing(uow, placement_id, version)
    return await _changed(
        uow, application, application.reject(on=cmd.rejected_on, reason=cmd.reason)
    )


async def withdraw_placement(
    uow: Uow, *, placement_id: str, cmd: s.WithdrawPlacement, version: Precondition
) -> s.PlacementView:
    application = await _changing(uow, placement_id, version)
    withdrawn = application.withdraw(on=cmd.withdrawn_on, reason=cmd.reason)
    return await _changed(uow, application, withdrawn)


# -- the queue -------------------------------------------------------------------------------


async def _queue(uow: Uow, province_codes: list[str] | None) -> list[Ranked]:
    """The waiting applications of these provinces (every one, if None), each province's
    ranked under its own criteria."""
    waiting = await PlacementApplications(uow.session).waiting(province_codes)
    by_province: dict[str, list[tuple[PlacementApplication, Standing, bool]]] = {}
    for item in waiting:
        by_province.setdefault(item[0].province_code, []).append(item)
    ranked: list[Ranked] = []
    for province_code in sorted(by_province):
        criteria = await Criteria(uow.session).of(province_code)
        ranked.extend(criteria.rank(by_province[province_code]))
    return ranked


async def _rank_of(uow: Uow, application: PlacementApplication) -> Ranked | None:
    queue = await _queue(uow, [application.province_code])
    return next((r for r in queue if r.application.id == application.id), None)


async def _view(uow: Uow, application: PlacementApplication) -> s.PlacementView:
    """The application with its place in the queue (a closed one has none: no queue read)."""
    waiting = application.status is PlacementStatus.APPLIED
    return s.PlacementView.of(application, await _rank_of(uow, application) if waiting else None)


async def get_placement(uow: Uow, *, placement_id: str) -> s.PlacementView:
    """One application with its place in the province's queue, and why."""
    application = await PlacementApplications(uow.session).get(placement_id)
    uow.authorize(reading(application.place))
    return await _view(uow, application)


async def list_placements(uow: Uow, *, query: s.PlacementQuery) -> Page[s.PlacementView]:
    """Waiting applications in the order the criteria rank them; closed ones, latest first."""
    scope = Scope.of(uow.caller, query.province_code)
    if query.status is not PlacementStatus.APPLIED:
        closed, next_cursor = await PlacementApplications(uow.session).closed(scope, query)
        items = [s.PlacementView.of(a, None) for a in closed]
        return Page[s.PlacementView](items=items, next_cursor=next_cursor)
    provinces = None if scope.province_code is None else [scope.province_code]
    queue = [
        r
        for r in await _queue(uow, provinces)
        if scope.covers(r.application.place)
        and (query.cluster_id is None or query.cluster_id in r.application.cluster_ids)
    ]
    page, next_cursor = page_of_list(queue, cursor=query.cursor, limit=query.limit)
    items = [s.PlacementView.of(r.application, r) for r in page]
    return Page[s.PlacementView](items=items, next_cursor=next_cursor)


# -- the criteria ----------------------------------------------------------------------------


async def get_criteria(uow: Uow, *, province_code: str) -> s.CriteriaView:
    """The criteria that rank the province's applications: its own, or the default (00)."""
    uow.authorize(reading(province(province_code)))
    return s.CriteriaView.of(await Criteria(uow.session).of(province_code))


async def approve_criteria(
    uow: Uow, *, province_code: str, cmd: s.SetCriteria, version: Precondition
) -> s.CriteriaView:
    """Record the criteria the province approved (00: the default, by the Ministry)."""
    uow.authorize(setting_criteria(province(province_code)))
    criteria = Criteria(uow.session)
    previous = await criteria.of(province_code, lock=True)
    version.check(previous.version)
    approved = PlacementCriteria(province_code, cmd.groups, cmd.tie_breakers, cmd.basis)
    await criteria.save(approved, previous=previous)
    await uow.record(approved.approved())
    return s.CriteriaView.of(approved)
