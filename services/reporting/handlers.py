"""One function per report: read the projections in the caller's scope, fold each cluster's
facts up to the day asked for, and shape the report."""

from __future__ import annotations

from datetime import date

from services.reporting import schemas as s
from services.reporting.domain import as_of, in_order
from services.reporting.repository import Clusters, Timeline
from shared.commands import UnitOfWork
from shared.domain import today
from shared.errors import InvalidInput, NotFound
from shared.principal import Place, Scope, reading
from shared.text import fold

Uow = UnitOfWork[None]


def _day(asked: date | None) -> date:
    """The day a report is as of: today unless asked; never a day still to come."""
    if asked is None:
        return today()
    if asked > today():
        raise InvalidInput(f"{asked} is still to come; today is {today()}", field="as_of")
    return asked


async def _reports(
    uow: Uow, scope: Scope, day: date, cluster_id: str | None = None
) -> list[s.ClusterReport]:
    clusters = Clusters(uow.session)
    known = await clusters.in_scope(scope, cluster_id)
    ids = [c.id for c in known]
    facts = await clusters.facts(ids)
    running: dict[str, list[object]] = {}
    for row in await clusters.tenants_on(ids, day):
        running.setdefault(row.cluster_id, []).append(row)
    reports = []
    for cluster in known:
        state = as_of(cluster.id, facts.get(cluster.id, []), day)
        if state is not None:
            reports.append(s.ClusterReport.of(state, running.get(cluster.id, []), day))
    return sorted(reports, key=lambda r: (fold(r.name), r.id))


async def clusters_report(uow: Uow, *, query: s.ClustersQuery) -> s.ClustersReport:
    """Every cluster of the scope as it stood on the day, and their totals."""
    day = _day(query.as_of)
    scope = Scope.of(uow.caller, query.province_code)
    reports = await _reports(uow, scope, day)
    if query.status is not None:
        reports = [r for r in reports if r.status is query.status]
    return s.ClustersReport(
        as_of=day,
        province_code=query.province_code,
        clusters=reports,
        totals=s.ClusterTotals.of(reports),
    )


async def cluster_report(uow: Uow, *, cluster_id: str, query: s.AsOf) -> s.ClusterReport:
    """One cluster as it stood on the day (404 if nothing of it had happened by then)."""
    day = _day(query.as_of)
    known = await Clusters(uow.session).in_scope(Scope(None), cluster_id)
    if not known:
        raise NotFound(f"no cluster {cluster_id}")
    uow.authorize(reading(Place(known[0].province_code, known[0].commune_code)))
    found = await _reports(uow, Scope(None), day, cluster_id)
    if not found:
        raise NotFound(f"cluster {cluster_id} had no recorded fact by {day}")
    return found[0]


async def facility_history(uow: Uow, *, facility_id: str, query: s.AsOf) -> s.FacilityHistory:
    """Registration, tenancies and relocation, inspections and their samples, violations and
    their remediation, classification, khuyến công support, periodic reports: up to the day."""
    day = _day(query.as_of)
    timeline = Timeline(uow.session)
    facility = await timeline.facility(facility_id)
    if facility is None:
        raise NotFound(f"no facility {facility_id} (or the registry's event has not come yet)")
    uow.authorize(reading(Place(facility.province_code, facility.commune_code)))
    entries = in_order(await timeline.of(facility_id, day))
    return s.FacilityHistory.of(facility, entries, day)
