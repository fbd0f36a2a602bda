"""Inspections, their samples, and the violations they found."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from services.environment import tables as t
from services.environment.domain import (
    Inspection,
    InspectionRecord,
    InspectionStatus,
    MeasuredSample,
    Violation,
    ViolationStatus,
)
from services.environment.schemas import (
    InspectionQuery,
    ViolationQuery,
)
from shared.pagination import Keyset
from shared.principal import Scope
from shared.repository import RepositoryBase, in_scope

# -- inspections and their samples -----------------------------------------------------------


class Inspections(RepositoryBase[Inspection]):
    table = t.inspections
    entity = Inspection
    what = "inspection"

    async def listed(
        self, scope: Scope, query: InspectionQuery
    ) -> tuple[list[Inspection], str | None]:
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope)
        if query.facility_id is not None:
            found = found.where(c.facility_id == query.facility_id)
        if query.cluster_id is not None:
            found = found.where(c.cluster_id == query.cluster_id)
        if query.status is not None:
            found = found.where(c.status == query.status)
        if query.from_ is not None:
            found = found.where(c.scheduled_on >= query.from_)
        if query.to is not None:
            found = found.where(c.scheduled_on <= query.to)
        keyset = Keyset((c.scheduled_on, c.id), newest_first=True)
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)

    async def of_facility(self, facility_id: str, *, limit: int = 20) -> list[Inspection]:
        c = self.table.c
        query = (
            select(self.table)
            .where(c.facility_id == facility_id)
            .order_by(c.scheduled_on.desc(), c.id.desc())
            .limit(limit)
        )
        return await self.all(query)

    async def history(self, facility_id: str) -> list[InspectionRecord]:
        """The facility's completed inspections, oldest first, with each one's worst ratio."""
        c, s = self.table.c, t.samples.c
        rows = await self.session.execute(
            select(c.id, c.carried_out_on, s.exceedance_ratio)
            .outerjoin(t.samples, (s.inspection_id == c.id) & s.exceeded.is_(True))
            .where(c.facility_id == facility_id, c.status == InspectionStatus.COMPLETED)
        )
        worst: dict[tuple[str, date], Decimal | None] = {}
        for inspection_id, carried_out_on, ratio in rows.all():
            key = (inspection_id, carried_out_on)
            ratio = None if ratio is None else Decimal(ratio)
            known = worst.get(key)
            worst[key] = ratio if known is None or (ratio is not None and ratio > known) else known
        records = [InspectionRecord(i, on, r) for (i, on), r in worst.items()]
        return sorted(records, key=lambda r: (r.carried_out_on, r.inspection_id))


class Samples(RepositoryBase[MeasuredSample]):
    table = t.samples
    entity = MeasuredSample
    what = "sample"

    async def of(self, inspection_ids: Sequence[str]) -> dict[str, list[MeasuredSample]]:
        by_inspection: dict[str, list[MeasuredSample]] = defaultdict(list)
        if inspection_ids:
            c = self.table.c
            query = (
                select(self.table)
                .where(c.inspection_id.in_(inspection_ids))
                .order_by(c.sampled_on, c.created_at, c.id)
            )
            for sample in await self.all(query):
                by_inspection[sample.inspection_id].append(sample)
        return by_inspection


# -- violations ------------------------------------------------------------------------------


class Violations(RepositoryBase[Violation]):
    table = t.violations
    entity = Violation
    what = "violation"

    def _open(self, today: date, *, overdue: bool) -> Any:
        c = self.table.c
        past = c.remediation_deadline < today
        return (c.status == ViolationStatus.OPEN) & (past if overdue else ~past)

    async def listed(
        self, scope: Scope, query: ViolationQuery, today: date
    ) -> tuple[list[Violation], str | None]:
        c = self.table.c
        found: Select[Any] = in_scope(select(self.table), self.table, scope)
        if query.facility_id is not None:
            found = found.where(c.facility_id == query.facility_id)
        if query.cluster_id is not None:
            found = found.where(c.cluster_id == query.cluster_id)
        if query.status is not None:
            found = found.where(c.status == query.status)
        if query.overdue is not None:
            found = found.where(self._open(today, overdue=True) == query.overdue)
        keyset = Keyset((c.remediation_deadline, c.id))
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)

    async def open_of(self, facility_id: str) -> list[Violation]:
        c = self.table.c
        return await self.all(
            select(self.table)
            .where(c.facility_id == facility_id, c.status == ViolationStatus.OPEN)
            .order_by(c.remediation_deadline, c.id)
        )

    async def overdue_count(self, facility_id: str, today: date) -> int:
        c = self.table.c
        query = select(func.count()).where(
            c.facility_id == facility_id, self._open(today, overdue=True)
        )
        return int((await self.session.execute(query)).scalar_one())
