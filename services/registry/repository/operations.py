"""The registry's yearly operations: procedure dossiers, placement applications and the
criteria that rank them, tenants' periodic reports and the provinces' output statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import tables as t
from services.registry.domain import (
    Dossier,
    PlacementApplication,
    PlacementCriteria,
    PlacementGroup,
    PlacementStatus,
    ProvinceStatistics,
    ReportRow,
    Standing,
    TieBreaker,
)
from services.registry.schemas import (
    DossierQuery,
    PlacementQuery,
)
from shared.errors import NotFound
from shared.pagination import Keyset
from shared.principal import NATIONWIDE, Scope
from shared.repository import RepositoryBase, in_scope


class ReportRows(RepositoryBase[ReportRow]):
    table = t.period_report_rows
    entity = ReportRow
    what = "report row"

    async def current(
        self, cluster_ids: Sequence[str], period: str, *, tax_code: str | None = None
    ) -> list[ReportRow]:
        """The current revision of each tenant's row (of one enterprise's, if `tax_code`)."""
        c = self.table.c
        query = select(self.table).where(
            c.cluster_id.in_(cluster_ids), c.period == period, c.current.is_(True)
        )
        if tax_code is not None:
            query = query.join(t.enterprises, t.enterprises.c.id == c.enterprise_id).where(
                t.enterprises.c.tax_code == tax_code
            )
        return await self.all(query.order_by(c.facility_id))

    async def revisions(self, cluster_id: str, period: str, facility_id: str) -> list[ReportRow]:
        c = self.table.c
        query = select(self.table).where(
            c.cluster_id == cluster_id, c.period == period, c.facility_id == facility_id
        )
        return await self.all(query.order_by(c.revision))

    async def retire(self, rows: Sequence[ReportRow]) -> None:
        """These revisions are no longer current: a newer one replaces each."""
        if rows:
            c = self.table.c
            await self.session.execute(
                update(self.table).where(c.id.in_([r.id for r in rows])).values(current=False)
            )


class Statistics(RepositoryBase[ProvinceStatistics]):
    table = t.province_statistics
    entity = ProvinceStatistics
    what = "statistics"

    async def of(self, province_code: str, year: int, area: str) -> ProvinceStatistics | None:
        c = self.table.c
        return await self.first(
            select(self.table)
            .where(c.province_code == province_code, c.year == year, c.area == area)
            .with_for_update()
        )

    async def of_province(self, province_code: str, year: int | None) -> list[ProvinceStatistics]:
        c = self.table.c
        query = select(self.table).where(c.province_code == province_code)
        if year is not None:
            query = query.where(c.year == year)
        return await self.all(query.order_by(c.year, c.area))


class Dossiers(RepositoryBase[Dossier]):
    table = t.dossiers
    entity = Dossier
    what = "dossier"

    async def open_for(self, cluster_id: str) -> Dossier | None:
        c = self.table.c
        return await self.first(
            select(self.table).where(c.cluster_id == cluster_id, c.next_step.is_not(None))
        )

    async def listed(
        self, scope: Scope, query: DossierQuery, today: date
    ) -> tuple[list[Dossier], str | None]:
        """Dossiers in scope, oldest request first."""
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope)
        if query.cluster_id is not None:
            found = found.where(c.cluster_id == query.cluster_id)
        if query.kind is not None:
            found = found.where(c.kind == query.kind)
        if query.open is not None:
            found = found.where(c.next_step.is_not(None) == query.open)
        if query.overdue is not None:
            past = c.next_due_on < today
            found = found.where(past if query.overdue else or_(c.next_due_on.is_(None), ~past))
        keyset = Keyset((c.request_received_on, c.id))
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)


class PlacementApplications(RepositoryBase[PlacementApplication]):
    table = t.placement_applications
    entity = PlacementApplication
    what = "placement application"

    async def waiting(
        self, province_codes: Sequence[str] | None
    ) -> list[tuple[PlacementApplication, Standing, bool]]:
        """The applications still waiting in these provinces (all, if None), each with its
        facility's standing on the relocation list and whether it is in a residential area."""
        c, rc, f = self.table.c, t.relocation_candidates.c, t.facilities.c
        query = (
            select(
                self.table,
                rc.relocation_priority,
                rc.classified_on,
                f.cluster_id.label("in_cluster"),
            )
            .outerjoin(
                t.relocation_candidates,
                (rc.facility_id == c.facility_id) & rc.declassified_on.is_(None),
            )
            .outerjoin(t.facilities, f.id == c.facility_id)
            .where(c.status == PlacementStatus.APPLIED)
        )
        if province_codes is not None:
            query = query.where(c.province_code.in_(province_codes))
        rows = (await self.session.execute(query)).all()
        return [
            (
                self.to_entity(row),
                Standing(row.relocation_priority, row.classified_on),
                row.facility_id is not None and row.in_cluster is None,
            )
            for row in rows
        ]

    async def closed(
        self, scope: Scope, query: PlacementQuery
    ) -> tuple[list[PlacementApplication], str | None]:
        """Approved, rejected or withdrawn applications, the latest decision first."""
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope).where(c.status == query.status)
        if query.cluster_id is not None:
            found = found.where(
                (c.cluster_id == query.cluster_id)
                | c.cluster_ids.contains(f'"{query.cluster_id}"', autoescape=True)
            )
        keyset = Keyset((c.decided_on, c.id), newest_first=True)
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)


class Criteria:
    """The provinces' priority criteria: a province's own, or the default (00)."""

    table = t.placement_criteria

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, province_code: str, *, lock: bool = False) -> PlacementCriteria:
        """The province's own criteria, else the default."""
        c = self.table.c
        query = (
            select(self.table)
            .where(c.province_code.in_((province_code, NATIONWIDE.province_code)))
            .order_by(c.province_code.desc())
        )
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        if row is None:
            raise NotFound("no placement criteria, not even the default")
        return PlacementCriteria(
            province_code=row.province_code,
            groups=[PlacementGroup(g) for g in row.groups],
            tie_breakers=[TieBreaker(b) for b in row.tie_breakers],
            basis=row.basis,
            version=row.version,
        )

    async def save(self, criteria: PlacementCriteria, *, previous: PlacementCriteria) -> None:
        """Write a province's criteria over the version read (its first: over the default)."""
        now = datetime.now(UTC)
        values = {
            "groups": [g.value for g in criteria.groups],
            "tie_breakers": [b.value for b in criteria.tie_breakers],
            "basis": criteria.basis,
            "updated_at": now,
        }
        if previous.province_code != criteria.province_code:
            await self.session.execute(
                self.table.insert().values(
                    province_code=criteria.province_code, version=1, created_at=now, **values
                )
            )
            criteria.version = 1
            return
        c = self.table.c
        criteria.version = previous.version + 1
        await self.session.execute(
            update(self.table)
            .where(c.province_code == criteria.province_code)
            .values(version=criteria.version, **values)
        )
