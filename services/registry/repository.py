"""Every query of the registry, rows to and from its entities: handlers never build SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import tables as t
from services.registry.domain import (
    Cluster,
    Dossier,
    Enterprise,
    Facility,
    PlacementApplication,
    PlacementCriteria,
    PlacementGroup,
    PlacementStatus,
    ProvinceStatistics,
    ReportRow,
    Standing,
    Tenancy,
    Tenants,
    TieBreaker,
)
from services.registry.schemas import (
    ClusterQuery,
    DossierQuery,
    EnterpriseQuery,
    FacilityQuery,
    PlacementQuery,
)
from shared.db import upsert
from shared.errors import NotFound
from shared.events.environment import FacilityClassifiedPolluting, FacilityDeclassified
from shared.pagination import Keyset
from shared.principal import NATIONWIDE, Scope
from shared.repository import E, RepositoryBase, in_scope
from shared.schemas import ListQuery
from shared.text import fold


class NamedRepository(RepositoryBase[E]):
    """Records with a name, listed in accent-folded name order (the id breaks ties)."""

    folded = ("name",)

    def listing(self, scope: Scope, query: ListQuery) -> Select[Any]:
        """The records in `scope` whose names contain the query's `q`, whatever the accents."""
        found = in_scope(select(self.table), self.table, scope)
        if query.q:
            found = found.where(self.table.c.name_folded.contains(fold(query.q), autoescape=True))
        return found

    async def page_of(self, found: Select[Any], query: ListQuery) -> tuple[list[E], str | None]:
        keyset = Keyset((self.table.c.name_folded, self.table.c.id))
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)


class Clusters(NamedRepository[Cluster]):
    table = t.clusters
    entity = Cluster
    what = "cluster"

    async def listed(self, scope: Scope, query: ClusterQuery) -> tuple[list[Cluster], str | None]:
        found = self.listing(scope, query)
        if query.status is not None:
            found = found.where(self.table.c.status == query.status)
        return await self.page_of(found, query)

    async def all_in(self, scope: Scope) -> list[Cluster]:
        """Every cluster in the scope, by name (for reports that cover them all)."""
        c = self.table.c
        return await self.all(
            in_scope(select(self.table), self.table, scope).order_by(c.name_folded, c.id)
        )

    async def tenants(self, cluster_ids: Sequence[str]) -> dict[str, Tenants]:
        """Facilities with an active tenancy, and their workers, per cluster."""
        if not cluster_ids:
            return {}
        active = (
            select(t.tenancies.c.cluster_id, t.tenancies.c.facility_id)
            .where(t.tenancies.c.cluster_id.in_(cluster_ids), t.tenancies.c.end_date.is_(None))
            .distinct()
            .subquery()
        )
        rows = await self.session.execute(
            select(
                active.c.cluster_id,
                func.count(),
                func.coalesce(func.sum(t.facilities.c.workers), 0),
            )
            .join(t.facilities, t.facilities.c.id == active.c.facility_id)
            .group_by(active.c.cluster_id)
        )
        return {cid: Tenants(int(n), int(w)) for cid, n, w in rows.all()}


class Enterprises(NamedRepository[Enterprise]):
    table = t.enterprises
    entity = Enterprise
    what = "enterprise"

    async def with_tax_code(self, tax_code: str) -> Enterprise | None:
        return await self.first(select(self.table).where(self.table.c.tax_code == tax_code))

    async def listed(
        self, scope: Scope, query: EnterpriseQuery
    ) -> tuple[list[Enterprise], str | None]:
        found = self.listing(scope, query)
        if query.tax_code:
            found = found.where(self.table.c.tax_code == query.tax_code)
        return await self.page_of(found, query)


class Facilities(NamedRepository[Facility]):
    table = t.facilities
    entity = Facility
    what = "facility"

    async def listed(self, scope: Scope, query: FacilityQuery) -> tuple[list[Facility], str | None]:
        c = self.table.c
        found = self.listing(scope, query)
        if query.cluster_id:
            found = found.where(c.cluster_id == query.cluster_id)
        if query.enterprise_id:
            found = found.where(c.enterprise_id == query.enterprise_id)
        if query.in_residential_area is not None:
            in_cluster = c.cluster_id.is_not(None)
            found = found.where(~in_cluster if query.in_residential_area else in_cluster)
        return await self.page_of(found, query)


class Tenancies(RepositoryBase[Tenancy]):
    table = t.tenancies
    entity = Tenancy
    what = "tenancy"

    async def of(self, cluster_id: str, tenancy_id: str) -> Tenancy:
        """A tenancy of this cluster (404 if the cluster has none with this id)."""
        c = self.table.c
        found = await self.first(
            select(self.table).where(c.id == tenancy_id, c.cluster_id == cluster_id)
        )
        if found is None:
            raise NotFound(f"no tenancy {tenancy_id} in cluster {cluster_id}")
        return found

    async def active_on(self, cluster_ids: Sequence[str], day: date) -> list[Tenancy]:
        """The tenancies of these clusters that ran on `day`."""
        c = self.table.c
        query = select(self.table).where(
            c.cluster_id.in_(cluster_ids),
            c.start_date <= day,
            or_(c.end_date.is_(None), c.end_date > day),
        )
        return await self.all(query.order_by(c.cluster_id, c.start_date, c.id))

    async def of_cluster(self, cluster_id: str, *, active_only: bool) -> list[Tenancy]:
        c = self.table.c
        query = select(self.table).where(c.cluster_id == cluster_id)
        if active_only:
            query = query.where(c.end_date.is_(None))
        return await self.all(query.order_by(c.start_date, c.id))


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


class RelocationCandidates:
    """The read model of the environment agency's newest decision on each facility: classified
    as polluting (a relocation candidate) or declassified (not one).

    Decisions are ordered by their own dates (`classified_on`, `declassified_on`), not by when
    they arrive: one older than the decision kept is ignored, so a late event never undoes a
    newer one; one of the same date replaces it, because a facility's events arrive in the
    order they were published (one key, one partition). The inbox keeps redeliveries out.
    """

    table = t.relocation_candidates

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def classified(self, event: FacilityClassifiedPolluting, *, event_id: str) -> None:
        """The facility is a candidate, as classified, unless a newer decision is kept."""
        await self._decided(
            event,
            event.classified_on,
            event_id,
            severity=event.severity,
            relocation_priority=event.relocation_priority,
            classified_on=event.classified_on,
            inspection_id=event.inspection_id,
            reasons=event.reasons,
            declassified_on=None,
            declassification_reason=None,
        )

    async def declassified(self, event: FacilityDeclassified, *, event_id: str) -> None:
        """The facility leaves the list, unless a newer classification is kept."""
        await self._decided(
            event,
            event.declassified_on,
            event_id,
            declassified_on=event.declassified_on,
            declassification_reason=event.reason,
        )

    async def _decided(
        self,
        event: FacilityClassifiedPolluting | FacilityDeclassified,
        decided_on: date,
        event_id: str,
        **decision: Any,
    ) -> None:
        if not await self._is_newest(event.facility_id, decided_on):
            return
        await upsert(
            self.session,
            self.table,
            key="facility_id",
            facility_id=event.facility_id,
            province_code=event.province_code,
            commune_code=event.commune_code,
            event_id=event_id,
            updated_at=datetime.now(UTC),
            **decision,
        )

    async def _is_newest(self, facility_id: str, decided_on: date) -> bool:
        """Whether a decision of `decided_on` is no older than the one kept (locked until the
        transaction ends)."""
        c = self.table.c
        kept_on = func.coalesce(c.declassified_on, c.classified_on)
        query = select(kept_on).where(c.facility_id == facility_id).with_for_update()
        kept: date | None = (await self.session.execute(query)).scalar_one_or_none()
        return kept is None or decided_on >= kept

    async def listed(self, scope: Scope) -> list[Any]:
        """The facilities classified and not since declassified, most urgent first, with the
        facility's name and where it is now."""
        rc, f = self.table, t.facilities
        query = select(
            rc, f.c.name.label("facility_name"), f.c.cluster_id, f.c.relocated_on
        ).outerjoin(f, f.c.id == rc.c.facility_id)
        query = in_scope(query.where(rc.c.declassified_on.is_(None)), rc, scope)
        query = query.order_by(rc.c.relocation_priority, rc.c.classified_on, rc.c.facility_id)
        return list((await self.session.execute(query)).all())
