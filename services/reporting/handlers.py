"""One function per report: read the projections in the caller's scope, fold each cluster's
facts up to the day asked for, and shape the report."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting import schemas as s
from services.reporting.domain import ClusterFact, as_of, established_between, in_order
from services.reporting.repository import Clusters, ProvinceFacts, Timeline
from shared.commands import UnitOfWork
from shared.domain import check_not_future, today
from shared.errors import InvalidInput, NotFound
from shared.periods import Period, Span
from shared.principal import NATIONWIDE, Place, Scope, province_place, reading
from shared.text import fold

Uow = UnitOfWork[None]


def _day(asked: date | None) -> date:
    """The day a report is as of: today unless asked; never a day still to come."""
    if asked is None:
        return today()
    check_not_future(asked, field="as_of")
    return asked


async def _reports(
    uow: Uow, scope: Scope, day: date, cluster_id: str | None = None
) -> list[s.ClusterReport]:
    clusters = Clusters(uow.session)
    known = await clusters.in_scope(scope, cluster_id)
    facts = await clusters.facts([c.id for c in known])
    return await _reports_of(uow, known, facts, day)


async def _reports_of(
    uow: Uow, known: list[Any], facts: dict[str, list[ClusterFact]], day: date
) -> list[s.ClusterReport]:
    """The clusters `known`, each its `facts` folded up to `day`, with their tenants then."""
    clusters = Clusters(uow.session)
    ids = [c.id for c in known]
    running: dict[str, list[Any]] = {}
    for row in await clusters.tenants_on(ids, day):
        running.setdefault(row.cluster_id, []).append(row)
    records = await clusters.tenants_records(
        [r.facility_id for rows in running.values() for r in rows], day
    )
    reports = []
    for cluster in known:
        state = as_of(cluster.id, facts.get(cluster.id, []), day)
        if state is not None:
            tenants = running.get(cluster.id, [])
            theirs = [records[r.facility_id] for r in tenants]
            reports.append(s.ClusterReport.of(state, tenants, theirs, day))
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


# -- a province over a period ----------------------------------------------------------------


async def province_report(
    uow: Uow, *, province_code: str, query: s.ProvincePeriodQuery
) -> s.ProvinceReport:
    """The province over the period, as known on `as_of` (today if not given): its clusters,
    relocations still needed, applications waiting, steps overdue and calls for investors as
    the period ended (or on `as_of`, if earlier); clusters established or expanded and
    relocations done in it; the tenants' reports for it filed by `as_of`, their production and
    its share of the output statistics, and who was late or has not reported."""
    uow.authorize(reading(province_place(province_code)))
    span, day = _span(query)
    return await _province_figures(uow, province_code, span, day)


def _span(query: s.ProvincePeriodQuery) -> tuple[Span, date]:
    span = Span.parse(query.period)
    day = _day(query.as_of)
    if min(span.ends_on, day) < span.starts_on:
        raise InvalidInput(f"the period starts on {span.starts_on}, after {day}", field="period")
    return span, day


async def national_report(uow: Uow, *, query: s.ProvincePeriodQuery) -> s.NationalReport:
    """Every province with anything on record, each as its own report shows it."""
    uow.authorize(reading(NATIONWIDE))
    span, day = _span(query)
    provinces = await ProvinceFacts(uow.session).provinces()
    return s.NationalReport(
        period=str(span),
        as_of=day,
        provinces=[await _province_figures(uow, code, span, day) for code in provinces],
    )


async def _province_figures(
    uow: Uow, province_code: str, span: Span, day: date
) -> s.ProvinceReport:
    cut = min(span.ends_on, day)
    known = await Clusters(uow.session).in_scope(Scope(province_code))
    cluster_facts = await Clusters(uow.session).facts([c.id for c in known])
    clusters = await _reports_of(uow, known, cluster_facts, cut)
    facts = ProvinceFacts(uow.session)
    years = list(range(span.first_year, span.last_year + 1))
    statistics = await facts.statistics(province_code, years, day)
    periods = [str(p) for p in span.periods]
    wanted = sorted({*periods, *(str(stat.year) for stat in statistics)})
    filed: dict[str, list[Any]] = {period: [] for period in wanted}
    for row in await facts.report_rows(province_code, wanted, day):
        filed[row.period].append(row)
    rows = [r for period in periods for r in filed[period]]
    ids = [c.id for c in clusters]
    return s.ProvinceReport(
        province_code=province_code,
        period=str(span),
        starts_on=span.starts_on,
        ends_on=span.ends_on,
        as_of=day,
        figures_on=cut,
        clusters=s.ClusterTotals.of(clusters),
        established=s.Established.of(
            established_between(cluster_facts, span.starts_on, cut),
            await facts.calls_for_investors(province_code, cut),
        ),
        relocations=s.Relocations(
            done_in_period=await facts.relocated(province_code, span.starts_on, cut),
            still_needed=await facts.still_to_move(province_code, cut),
        ),
        production=s.Production(
            reports=[str(p) for p in span.periods],
            tenants_reporting=len({r.facility_id for r in rows}),
            production_value_vnd=sum(r.production_value_vnd for r in rows),
            workers=sum(r.workers for r in rows) // max(1, len(span.periods)),
            budget_paid_vnd=sum(r.budget_paid_vnd for r in rows),
        ),
        output_shares=[_share(stat, filed[str(stat.year)], ids) for stat in statistics],
        reporting=[await _compliance(uow, p, filed[str(p)], day, ids) for p in span.periods],
        inspections=await _inspections(facts, province_code, span.starts_on, cut),
        khuyen_cong=_khuyen_cong(await facts.movements(province_code, span.starts_on, cut)),
        placements_waiting=await facts.placements_waiting(province_code, cut),
        dossiers_overdue=await facts.dossiers_overdue(province_code, cut),
    )


def _share(stat: Any, rows: list[Any], cluster_ids: list[str]) -> s.OutputShare:
    """An output figure, and what the year's reports of the clusters in its area add up to."""
    inside = json.loads(stat.cluster_ids) or cluster_ids
    produced = sum(r.production_value_vnd for r in rows if r.cluster_id in inside)
    share = Decimal(produced) / stat.small_industry_output_vnd
    return s.OutputShare(
        year=stat.year,
        area=stat.area,
        small_industry_output_vnd=stat.small_industry_output_vnd,
        cluster_production_value_vnd=produced,
        cluster_share=share.quantize(s.RATE),
    )


async def _compliance(
    uow: Uow, period: Period, rows: list[Any], day: date, cluster_ids: list[str]
) -> s.ReportingCompliance:
    """The tenants of the period's end: who had filed by `day`, on time or late, and who not."""
    running = await Clusters(uow.session).tenants_on(cluster_ids, period.ends_on)
    tenants = {r.facility_id for r in running}
    filed = {r.facility_id: r for r in rows if r.facility_id in tenants}
    late = sum(r.late for r in filed.values())
    unfiled = len(tenants) - len(filed)
    due = day > period.due_on
    return s.ReportingCompliance(
        period=str(period),
        due_on=period.due_on,
        tenants=len(tenants),
        on_time=len(filed) - late,
        late=late,
        missing=unfiled if due else 0,
        not_yet_due=0 if due else unfiled,
    )


async def _inspections(
    facts: ProvinceFacts, province_code: str, start: date, end: date
) -> s.Inspections:
    done = await facts.inspections(province_code, start, end)
    found = await facts.violations(province_code, end)
    still_open = [v for v in found if v.closed_on is None or v.closed_on > end]
    return s.Inspections(
        carried_out=len(done),
        compliant=sum(i.outcome == "compliant" for i in done),
        violations_found=sum(i.outcome == "violations_found" for i in done),
        violations_detected=sum(v.detected_on >= start for v in found),
        violations_open=len(still_open),
        violations_overdue=sum(v.remediation_deadline < end for v in still_open),
    )


def _khuyen_cong(movements: list[Any]) -> s.KhuyenCong:
    total = s.Money()
    by_source: dict[str, s.Money] = {}
    by_content: dict[str, s.Money] = {}
    outputs: Counter[str] = Counter()
    for m in movements:
        for money in (
            total,
            by_source.setdefault(m.funding_source, s.Money()),
            by_content.setdefault(m.content_group, s.Money()),
        ):
            _moved(money, m)
        if m.outputs:
            outputs.update(json.loads(m.outputs))
    kinds = Counter(m.kind for m in movements)
    return s.KhuyenCong(
        projects_approved=len({m.project_id for m in movements if m.kind == "approved"}),
        total=total,
        by_funding_source=by_source,
        by_content_group=by_content,
        outputs=dict(outputs),
        paused=kinds["paused"],
        rescheduled=kinds["rescheduled"],
        cancelled=kinds["cancelled"],
    )


def _moved(money: s.Money, movement: Any) -> None:
    field = f"{movement.kind}_vnd"
    if field in s.Money.model_fields:
        setattr(money, field, getattr(money, field) + movement.amount_vnd)
    money.counterpart_vnd += movement.counterpart_vnd
