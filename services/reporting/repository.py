"""Every query of the reporting service: its projections written as events arrive, and read
back as of a date."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting import tables as t
from services.reporting.domain import ClusterFact, Entry
from shared.db import insert_ignoring_duplicates, update_row, upsert
from shared.events.registry import DossierStep
from shared.principal import Scope
from shared.repository import in_scope


class Projections:
    """The tables the registry's events build: cluster facts, tenancies, facilities,
    enterprises. Writes are idempotent: a redelivered event changes nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cluster_fact(self, fact: ClusterFact, *, event_id: str) -> None:
        await insert_ignoring_duplicates(
            self.session,
            t.cluster_facts,
            event_id=event_id,
            cluster_id=fact.cluster_id,
            kind=fact.kind,
            effective_on=fact.effective_on,
            data=json.dumps(fact.data, ensure_ascii=False),
            recorded_at=datetime.now(UTC),
        )

    async def cluster(
        self, cluster_id: str, name: str, province_code: str, commune: str | None
    ) -> None:
        await upsert(
            self.session,
            t.clusters,
            key="id",
            id=cluster_id,
            name=name,
            province_code=province_code,
            commune_code=commune,
        )

    async def tenancy_started(self, **tenancy: Any) -> None:
        await insert_ignoring_duplicates(self.session, t.tenancies, end_date=None, **tenancy)

    async def tenancy_ended(self, tenancy_id: str, end_date: date) -> None:
        await update_row(self.session, t.tenancies, key="id", id=tenancy_id, end_date=end_date)

    async def facility(self, **facility: Any) -> None:
        await upsert(self.session, t.facilities, key="id", **facility)

    async def enterprise(self, enterprise_id: str, kind: str) -> None:
        await upsert(self.session, t.enterprises, key="id", id=enterprise_id, kind=kind)


class Clusters:
    """The clusters' facts, and what ran in them, read back for reports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def in_scope(self, scope: Scope, cluster_id: str | None = None) -> list[Any]:
        query = in_scope(select(t.clusters), t.clusters, scope)
        if cluster_id is not None:
            query = query.where(t.clusters.c.id == cluster_id)
        return list((await self.session.execute(query)).all())

    async def facts(self, cluster_ids: Sequence[str]) -> dict[str, list[ClusterFact]]:
        c = t.cluster_facts.c
        rows = await self.session.execute(
            select(t.cluster_facts).where(c.cluster_id.in_(cluster_ids)).order_by(c.seq)
        )
        found: dict[str, list[ClusterFact]] = defaultdict(list)
        for r in rows:
            found[r.cluster_id].append(
                ClusterFact(r.cluster_id, r.kind, r.effective_on, r.seq, json.loads(r.data))
            )
        return found

    async def tenants_records(
        self, facility_ids: Sequence[str], day: date
    ) -> dict[str, tuple[int, int, int]]:
        """Per facility on `day`: its violations still open, those of them past their
        deadline, and the khuyến công money it had received (disbursed less returned)."""
        found: dict[str, list[int]] = {f: [0, 0, 0] for f in facility_ids}
        if not facility_ids:
            return {}
        v, m = t.violations.c, t.project_movements.c
        open_ = await self.session.execute(
            select(v.facility_id, v.remediation_deadline).where(
                v.facility_id.in_(facility_ids),
                v.detected_on <= day,
                (v.closed_on.is_(None)) | (v.closed_on > day),
            )
        )
        for facility_id, deadline in open_:
            found[facility_id][0] += 1
            found[facility_id][1] += deadline < day
        moved = await self.session.execute(
            select(m.facility_id, m.kind, func.sum(m.amount_vnd))
            .where(
                m.facility_id.in_(facility_ids),
                m.happened_on <= day,
                m.kind.in_(("disbursed", "returned")),
            )
            .group_by(m.facility_id, m.kind)
        )
        for facility_id, kind, amount in moved:
            found[facility_id][2] += int(amount) * (1 if kind == "disbursed" else -1)
        return {f: (a, b, c) for f, (a, b, c) in found.items()}

    async def tenants_on(self, cluster_ids: Sequence[str], day: date) -> list[Any]:
        """The tenancies running on `day`, with their facility's workers and owner's kind."""
        ten, f, e = t.tenancies.c, t.facilities.c, t.enterprises.c
        query = (
            select(ten.cluster_id, ten.facility_id, ten.leased_area_ha, f.workers, e.kind)
            .outerjoin(t.facilities, f.id == ten.facility_id)
            .outerjoin(t.enterprises, e.id == f.enterprise_id)
            .where(
                ten.cluster_id.in_(cluster_ids),
                ten.start_date <= day,
                (ten.end_date.is_(None)) | (ten.end_date > day),
            )
        )
        return list((await self.session.execute(query)).all())


class Timeline:
    """Facilities' histories: added to as events arrive, read back up to a day."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: Entry, *, event_id: str) -> None:
        await insert_ignoring_duplicates(
            self.session,
            t.facility_timeline,
            event_id=event_id,
            facility_id=entry.facility_id,
            occurred_on=entry.occurred_on,
            agency=entry.agency,
            kind=entry.kind,
            summary=entry.summary,
        )

    async def of(self, facility_id: str, day: date) -> list[Entry]:
        c = t.facility_timeline.c
        rows = await self.session.execute(
            select(t.facility_timeline)
            .where(c.facility_id == facility_id, c.occurred_on <= day)
            .order_by(c.occurred_on, c.seq)
        )
        return [Entry(r.facility_id, r.occurred_on, r.agency, r.kind, r.summary) for r in rows]

    async def facility(self, facility_id: str) -> Any:
        f = t.facilities.c
        query = select(t.facilities).where(f.id == facility_id)
        return (await self.session.execute(query)).first()


class ProvinceFacts:
    """What a province report counts besides its clusters: relocations, the environment
    department's decisions, tenants' reports, output statistics, placement applications and
    procedure dossiers; each kept with the dates its event gives."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, table: Any, **row: Any) -> None:
        await insert_ignoring_duplicates(self.session, table, **row)

    async def update(self, table: Any, record_id: str, **values: Any) -> None:
        await update_row(self.session, table, key="id", id=record_id, **values)

    async def provinces(self) -> list[str]:
        """The provinces with anything on record here."""
        found: set[str] = set()
        for table in (t.clusters, t.statistics, t.project_movements, t.inspections):
            rows = await self.session.execute(select(table.c.province_code).distinct())
            found.update(row.province_code for row in rows)
        return sorted(found)

    async def placement_closed(self, placement_id: str, on: date, outcome: str) -> None:
        await update_row(
            self.session, t.placements, key="id", id=placement_id, closed_on=on, outcome=outcome
        )

    async def relocated(self, province_code: str, start: date, end: date) -> int:
        r = t.relocations.c
        query = select(func.count()).where(
            r.province_code == province_code, r.relocation_date.between(start, end)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def still_to_move(self, province_code: str, day: date) -> int:
        """Facilities classified polluting by `day`, not declassified since, not moved."""
        d, r = t.pollution_decisions.c, t.relocations.c
        decisions = await self.session.execute(
            select(d.facility_id, d.classified, d.decided_on)
            .where(d.province_code == province_code, d.decided_on <= day)
            .order_by(d.facility_id, d.decided_on, d.seq)
        )
        latest: dict[str, bool] = {}
        for facility_id, classified, _ in decisions:
            latest[facility_id] = classified
        moved = await self.session.execute(
            select(r.facility_id).where(r.province_code == province_code, r.relocation_date <= day)
        )
        gone = {row.facility_id for row in moved}
        return sum(1 for f, polluting in latest.items() if polluting and f not in gone)

    async def report_rows(self, province_code: str, periods: Sequence[str], day: date) -> list[Any]:
        """Each tenant's latest revision for each period, as filed by `day`."""
        c = t.report_rows.c
        rows = await self.session.execute(
            select(t.report_rows)
            .where(c.province_code == province_code, c.period.in_(periods), c.filed_on <= day)
            .order_by(c.revision)
        )
        latest: dict[tuple[str, str, str], Any] = {}
        for row in rows:
            latest[(row.cluster_id, row.facility_id, row.period)] = row
        return list(latest.values())

    async def statistics(self, province_code: str, years: Sequence[int], day: date) -> list[Any]:
        """The latest figure recorded by `day` for each year and area."""
        c = t.statistics.c
        rows = await self.session.execute(
            select(t.statistics)
            .where(c.province_code == province_code, c.year.in_(years), c.recorded_on <= day)
            .order_by(c.recorded_on)
        )
        latest: dict[tuple[int, str], Any] = {}
        for row in rows:
            latest[(row.year, row.area)] = row
        return sorted(latest.values(), key=lambda r: (r.year, r.area))

    async def placements_waiting(self, province_code: str, day: date) -> int:
        p = t.placements.c
        query = select(func.count()).where(
            p.province_code == province_code,
            p.applied_on <= day,
            (p.closed_on.is_(None)) | (p.closed_on > day),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def dossiers_overdue(self, province_code: str, day: date) -> int:
        """Dossiers whose step awaited on `day` was due before it."""
        awaited = await self._awaited(province_code, day)
        return sum(1 for _, due in awaited.values() if due is not None and due < day)

    async def calls_for_investors(self, province_code: str, day: date) -> int:
        """Dossiers whose call for investors was announced by `day` and whose dossier had
        not reached Sở Công Thương by then (one open dossier a cluster: so many clusters)."""
        awaited = await self._awaited(province_code, day)
        return sum(1 for step, _ in awaited.values() if step == DossierStep.DOSSIER_RECEIVED)

    async def _awaited(
        self, province_code: str, day: date
    ) -> dict[str, tuple[str | None, date | None]]:
        """Each dossier's step awaited on `day`, and the day it was due by."""
        d = t.dossier_steps.c
        rows = await self.session.execute(
            select(d.dossier_id, d.next_step, d.next_due_on)
            .where(d.province_code == province_code, d.done_on <= day)
            .order_by(d.dossier_id, d.done_on, d.seq)
        )
        return {dossier_id: (step, due) for dossier_id, step, due in rows}

    async def inspections(self, province_code: str, start: date, end: date) -> list[Any]:
        """Inspections carried out in [start, end]."""
        i = t.inspections.c
        query = select(t.inspections).where(
            i.province_code == province_code, i.carried_out_on.between(start, end)
        )
        return list((await self.session.execute(query)).all())

    async def violations(self, province_code: str, end: date) -> list[Any]:
        """Violations detected by `end`."""
        v = t.violations.c
        query = select(t.violations).where(v.province_code == province_code, v.detected_on <= end)
        return list((await self.session.execute(query)).all())

    async def movements(self, province_code: str, start: date, end: date) -> list[Any]:
        """The khuyến công money's movements in [start, end]."""
        m = t.project_movements.c
        query = select(t.project_movements).where(
            m.province_code == province_code, m.happened_on.between(start, end)
        )
        return list((await self.session.execute(query)).all())
