"""The commands and queries of tenants' periodic reports (Circular 14/2024/TT-BCT), who is
late or missing, and the provinces' small-industry output that cluster output is a share of."""

from __future__ import annotations

from datetime import date

from services.registry import schemas as s
from services.registry.domain import (
    Cluster,
    Period,
    ProvinceStatistics,
    ReportRow,
    Tenancy,
    filing,
    reading_reports,
    report_filed,
    writing,
)
from services.registry.handlers.base import Uow, province
from services.registry.repository import (
    Clusters,
    Enterprises,
    Facilities,
    ReportRows,
    Statistics,
    Tenancies,
)
from shared.domain import check_not_future, today
from shared.errors import InvalidInput, StaleVersion
from shared.pagination import Page
from shared.principal import Scope, reading


async def file_period_report(
    uow: Uow, *, cluster_id: str, cmd: s.FilePeriodReport
) -> s.PeriodReportView:
    """Each row a tenant's figures for the period: new, or the next revision of its row. An
    enterprise files only for its own facilities, and on the day it files."""
    period = Period.parse(cmd.period)
    cluster = await Clusters(uow.session).lock(cluster_id)
    filed_on = today() if cmd.filed_on is None or uow.caller.is_enterprise else cmd.filed_on
    check_not_future(filed_on, field="filed_on")
    period.check_filable(filed_on, field="filed_on" if cmd.filed_on else "period")
    tenants = await _tenants_in(uow, cluster, period)
    reports = ReportRows(uow.session)
    current = {r.facility_id: r for r in await reports.current([cluster.id], str(period))}
    facilities = await Facilities(uow.session).many(r.facility_id for r in cmd.rows)
    owners = await Enterprises(uow.session).many(f.enterprise_id for f in facilities.values())
    rows: list[ReportRow] = []
    for i, figures in enumerate(cmd.rows):
        tenancy = tenants.get(figures.facility_id)
        if tenancy is None:
            raise InvalidInput(
                f"facility {figures.facility_id} leased no land in cluster {cluster.id} during "
                f"{period} ({period.starts_on} to {period.ends_on})",
                field=f"rows.{i}.facility_id",
            )
        facility = facilities[figures.facility_id]  # a tenant's facility is on record
        uow.authorize(filing(cluster.place, owners[facility.enterprise_id].tax_code))
        rows.append(
            ReportRow.filed(
                figures,
                previous=current.get(figures.facility_id),
                period=period,
                cluster_id=cluster.id,
                enterprise_id=facility.enterprise_id,
                province_code=cluster.province_code,
                commune_code=cluster.commune_code,
                filed_on=filed_on,
                filed_by=uow.caller.subject,
                filed_by_agency=uow.caller.agency.value,
            )
        )
    await reports.retire([current[r.facility_id] for r in rows if r.facility_id in current])
    for row in rows:
        await reports.add(row)
    await uow.record(report_filed(rows, cluster_id=cluster.id, period=period))
    return await _report(uow, cluster, period)


async def _tenants_in(uow: Uow, cluster: Cluster, period: Period) -> dict[str, Tenancy]:
    """The facilities that leased land in the cluster on some day of the period."""
    tenancies = await Tenancies(uow.session).of_cluster(cluster.id, active_only=False)
    return {
        t.facility_id: t
        for t in tenancies
        if t.start_date <= period.ends_on and (t.end_date is None or t.end_date > period.starts_on)
    }


async def _report(uow: Uow, cluster: Cluster, period: Period) -> s.PeriodReportView:
    """The cluster's current rows for the period: an enterprise sees only its own."""
    tax_code = uow.caller.tax_code if uow.caller.is_enterprise else None
    rows = await ReportRows(uow.session).current([cluster.id], str(period), tax_code=tax_code)
    return s.PeriodReportView.of(cluster.id, period, rows)


async def get_period_report(
    uow: Uow, *, cluster_id: str, query: s.PeriodQuery
) -> s.PeriodReportView:
    cluster = await Clusters(uow.session).get(cluster_id)
    uow.authorize(reading_reports(cluster.place))
    return await _report(uow, cluster, Period.parse(query.period))


async def list_report_revisions(
    uow: Uow, *, cluster_id: str, facility_id: str, query: s.PeriodQuery
) -> list[s.ReportRowView]:
    """Every revision of one tenant's row for the period, the first first."""
    cluster = await Clusters(uow.session).get(cluster_id)
    facility = await Facilities(uow.session).get(facility_id)
    owner = await Enterprises(uow.session).get(facility.enterprise_id)
    uow.authorize(reading_reports(cluster.place))
    if uow.caller.is_enterprise:
        uow.authorize(filing(cluster.place, owner.tax_code))
    revisions = await ReportRows(uow.session).revisions(cluster.id, query.period, facility.id)
    return [s.ReportRowView.of(r) for r in revisions]


async def reporting_compliance(uow: Uow, *, query: s.ComplianceQuery) -> s.ComplianceView:
    """Per cluster, each tenant of the period: on time, late, missing (once due), or not yet
    due."""
    period = Period.parse(query.period)
    scope = Scope.of(uow.caller, query.province_code)
    found = await _compliance(uow, await Clusters(uow.session).all_in(scope), period)
    return s.ComplianceView(period=str(period), due_on=period.due_on, clusters=found)


async def _compliance(
    uow: Uow, clusters: list[Cluster], period: Period
) -> list[s.ClusterCompliance]:
    by_id = {c.id: c for c in clusters}
    tenancies = await Tenancies(uow.session).active_on(list(by_id), period.ends_on)
    filed = {
        (r.cluster_id, r.facility_id): r
        for r in await ReportRows(uow.session).current(list(by_id), str(period))
    }
    facilities = await Facilities(uow.session).many(t.facility_id for t in tenancies)
    standings: dict[str, list[s.TenantStanding]] = {}
    for tenancy in tenancies:
        row = filed.get((tenancy.cluster_id, tenancy.facility_id))
        facility = facilities[tenancy.facility_id]
        standings.setdefault(tenancy.cluster_id, []).append(
            s.TenantStanding(
                facility_id=facility.id,
                facility_name=facility.name,
                standing=_standing(row, period, today()),
                filed_on=row.filed_on if row else None,
            )
        )
    return [_counted(by_id[cid], found) for cid, found in standings.items()]


def _standing(row: ReportRow | None, period: Period, on: date) -> s.Standing:
    if row is not None:
        return s.Standing.LATE if row.late else s.Standing.ON_TIME
    return s.Standing.MISSING if on > period.due_on else s.Standing.NOT_YET_DUE


def _counted(cluster: Cluster, standings: list[s.TenantStanding]) -> s.ClusterCompliance:
    def count(standing: s.Standing) -> int:
        return sum(t.standing is standing for t in standings)

    return s.ClusterCompliance(
        cluster_id=cluster.id,
        cluster_name=cluster.name,
        province_code=cluster.province_code,
        tenants=len(standings),
        on_time=count(s.Standing.ON_TIME),
        late=count(s.Standing.LATE),
        missing=count(s.Standing.MISSING),
        not_yet_due=count(s.Standing.NOT_YET_DUE),
        standings=standings,
    )


# -- the provinces' output statistics --------------------------------------------------------


async def record_statistics(
    uow: Uow, *, province_code: str, cmd: s.RecordStatistics
) -> s.StatisticsView:
    """The statistics office's figure, entered by Sở Công Thương; a new figure for the same
    year and area replaces the one before."""
    uow.authorize(writing(province(province_code)))
    for cluster_id in cmd.cluster_ids:
        cluster = await Clusters(uow.session).find(cluster_id)
        if cluster is None or cluster.province_code != province_code:
            raise InvalidInput(
                f"no cluster {cluster_id} in province {province_code}", field="cluster_ids"
            )
    statistics = Statistics(uow.session)
    previous = await statistics.of(province_code, cmd.year, cmd.area)
    recorded, event = ProvinceStatistics.recorded(
        previous, province_code=province_code, **cmd.model_dump()
    )
    if previous is None:
        # Another figure of the year and area recorded meanwhile: this one is refused (a
        # retry replaces it), not failed on the table's key.
        meanwhile = StaleVersion(
            f"statistics of {province_code} for {cmd.year} ({cmd.area}) were recorded "
            "meanwhile by someone else; reload and retry"
        )
        await statistics.add_unless_there(recorded, refused=meanwhile)
    else:
        await statistics.save(recorded)
    await uow.record(event)
    return await _statistics_view(uow, recorded)


async def _statistics_view(uow: Uow, statistics: ProvinceStatistics) -> s.StatisticsView:
    cluster_ids = statistics.cluster_ids
    if not cluster_ids:
        clusters = await Clusters(uow.session).all_in(Scope(statistics.province_code))
        cluster_ids = [c.id for c in clusters]
    rows = await ReportRows(uow.session).current(cluster_ids, str(statistics.year))
    return s.StatisticsView.of(statistics, sum(r.production_value_vnd for r in rows))


async def list_statistics(
    uow: Uow, *, province_code: str, query: s.StatisticsQuery
) -> Page[s.StatisticsView]:
    """The province's figures, by year, each with the output its clusters' tenants reported."""
    uow.authorize(reading(province(province_code)))
    found = await Statistics(uow.session).of_province(province_code, query.year)
    items = [await _statistics_view(uow, f) for f in found]
    return Page[s.StatisticsView](items=items, next_cursor=None)
