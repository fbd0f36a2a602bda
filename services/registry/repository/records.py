"""Clusters, enterprises, facilities, tenancies and the relocation candidates: rows to and
from the registry's entities, and the queries its handlers need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import tables as t
from services.registry.domain import (
    Cluster,
    Enterprise,
    Facility,
    Tenancy,
    Tenants,
)
from services.registry.schemas import (
    ClusterQuery,
    EnterpriseQuery,
    FacilityQuery,
)
from shared.db import upsert
from shared.errors import NotFound
from shared.events.environment import FacilityClassifiedPolluting, FacilityDeclassified
from shared.pagination import Keyset
from shared.principal import Scope
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
