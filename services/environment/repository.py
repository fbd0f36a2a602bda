"""Every query of the environment service, rows to and from its entities: handlers never
build SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.environment import tables as t
from services.environment.domain import (
    Classification,
    ClusterOnRecord,
    EnvironmentRules,
    FacilityOnRecord,
    Inspection,
    InspectionRecord,
    InspectionStatus,
    Limit,
    LimitColumn,
    LimitTable,
    MeasuredSample,
    Violation,
    ViolationStatus,
)
from services.environment.schemas import (
    FacilityQuery,
    InspectionQuery,
    LimitTableQuery,
    ViolationQuery,
)
from shared.db import insert_ignoring_duplicates, upsert
from shared.errors import InvalidInput, NotFound
from shared.pagination import Keyset
from shared.principal import Scope
from shared.repository import RepositoryBase, in_scope

# -- limit tables ----------------------------------------------------------------------------


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _range(pair: Sequence[str] | None) -> tuple[Decimal, Decimal] | None:
    return None if pair is None else (Decimal(pair[0]), Decimal(pair[1]))


class LimitTables:
    """Regulations' limit tables; their columns and limits are stored as JSON (exact text)."""

    table = t.limit_tables

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def to_entity(row: Any) -> LimitTable:
        limits = [
            Limit(**{**lim, "max": _decimal(lim["max"]), "min": _decimal(lim["min"])})
            for lim in row.limits
        ]
        facts = {c: getattr(row, c) for c in row._fields if c not in ("created_at",)}
        return LimitTable(
            **{
                **facts,
                "columns": [LimitColumn(**c) for c in row.columns],
                "limits": limits,
                "kq_range": _range(row.kq_range),
                "kf_range": _range(row.kf_range),
            }
        )

    @staticmethod
    def to_values(table: LimitTable) -> dict[str, Any]:
        values = dict(vars(table))
        values["columns"] = [vars(c) for c in table.columns]
        values["limits"] = [
            {**vars(lim), "max": _text(lim.max), "min": _text(lim.min)} for lim in table.limits
        ]
        for name in ("kq_range", "kf_range"):
            pair = values[name]
            values[name] = None if pair is None else [str(pair[0]), str(pair[1])]
        return values

    async def add(self, table: LimitTable) -> None:
        values = self.to_values(table) | {"created_at": datetime.now(UTC)}
        await self.session.execute(self.table.insert().values(**values))

    async def get(self, table_id: str) -> LimitTable:
        row = (
            await self.session.execute(select(self.table).where(self.table.c.id == table_id))
        ).first()
        if row is None:
            raise NotFound(f"no limit table {table_id}")
        return self.to_entity(row)

    async def of_kind(self, kind: str) -> list[LimitTable]:
        query = select(self.table).where(self.table.c.kind == kind)
        return [self.to_entity(r) for r in (await self.session.execute(query)).all()]

    async def for_province(self, province_code: str) -> list[LimitTable]:
        """The national tables and the province's own."""
        c = self.table.c
        query = select(self.table).where(
            (c.province_code.is_(None)) | (c.province_code == province_code)
        )
        return [self.to_entity(r) for r in (await self.session.execute(query)).all()]

    async def listed(self, query: LimitTableQuery) -> tuple[list[LimitTable], str | None]:
        c = self.table.c
        found = select(self.table)
        if query.province_code is not None:
            found = found.where(c.province_code == query.province_code)
        if query.in_force_on is not None:
            day = query.in_force_on
            found = found.where(c.effective_from <= day).where(
                c.effective_to.is_(None) | (c.effective_to >= day)
            )
        keyset = Keyset((c.effective_from, c.id), newest_first=True)
        rows = (await self.session.execute(keyset.page(found, query.cursor, query.limit))).all()
        items, next_cursor = keyset.split(rows, query.limit)
        return [self.to_entity(r) for r in items], next_cursor


# -- facilities, as the registry's events describe them --------------------------------------


class Facilities(RepositoryBase[FacilityOnRecord]):
    table = t.facilities
    entity = FacilityOnRecord
    what = "facility"

    async def known(self, facility_id: str, *, field: str = "facility_id") -> FacilityOnRecord:
        """The facility, or a 422 naming `field` if the registry has not told us of it."""
        found = await self.first(select(self.table).where(self.table.c.id == facility_id))
        if found is None:
            raise InvalidInput(
                f"facility {facility_id} is not known here: the registry has not published "
                "it (register it there first, or wait a moment for its event)",
                field=field,
            )
        return found

    async def listed(self, scope: Scope, query: FacilityQuery) -> tuple[list[Any], str | None]:
        """Facilities in scope with their standing, by name."""
        c, k = self.table.c, t.classifications.c
        found = in_scope(
            select(self.table, k.severity, k.relocation_priority).outerjoin(
                t.classifications, k.id == c.id
            ),
            self.table,
            scope,
        )
        if query.in_cluster is not None:
            found = found.where(c.cluster_id.is_not(None) == query.in_cluster)
        if query.classified is not None:
            found = found.where(k.severity.is_not(None) == query.classified)
        keyset = Keyset((c.name, c.id))
        rows = (await self.session.execute(keyset.page(found, query.cursor, query.limit))).all()
        return keyset.split(rows, query.limit)

    async def registered(self, facility: FacilityOnRecord) -> None:
        """The first fact of a facility, with any move that came before it."""
        values = vars(facility) | {"updated_at": datetime.now(UTC)}
        await insert_ignoring_duplicates(self.session, self.table, **values)
        early = t.early_moves.c
        query = select(t.early_moves).where(early.facility_id == facility.id)
        move = (await self.session.execute(query)).first()
        if move is not None:
            await self.moved(facility.id, move.cluster_id, on=move.located_on)
            await self.session.execute(
                t.early_moves.delete().where(early.facility_id == facility.id)
            )

    async def moved(self, facility_id: str, cluster_id: str | None, *, on: date) -> None:
        """The facility leased land in a cluster (or left it) on `on`; an older move arriving
        late changes nothing, and a move before the facility's registration waits for it."""
        c = self.table.c
        if await self.first(select(self.table).where(c.id == facility_id)) is None:
            await self._kept_early(facility_id, cluster_id, on)
            return
        await self.session.execute(
            update(self.table)
            .where(c.id == facility_id, c.located_on.is_(None) | (c.located_on <= on))
            .values(cluster_id=cluster_id, located_on=on, updated_at=datetime.now(UTC))
        )

    async def _kept_early(self, facility_id: str, cluster_id: str | None, on: date) -> None:
        early = t.early_moves.c
        query = select(t.early_moves).where(early.facility_id == facility_id).with_for_update()
        kept = (await self.session.execute(query)).first()
        if kept is None or kept.located_on <= on:
            values = {"cluster_id": cluster_id, "located_on": on}
            await upsert(
                self.session, t.early_moves, key="facility_id", facility_id=facility_id, **values
            )


class Clusters(RepositoryBase[ClusterOnRecord]):
    table = t.clusters
    entity = ClusterOnRecord
    what = "cluster"

    async def known(self, cluster_id: str | None) -> ClusterOnRecord | None:
        if cluster_id is None:
            return None
        return await self.first(select(self.table).where(self.table.c.id == cluster_id))

    async def planned(self, cluster: ClusterOnRecord) -> None:
        values = vars(cluster) | {"updated_at": datetime.now(UTC)}
        await insert_ignoring_duplicates(self.session, self.table, **values)

    async def equipped(self, cluster_id: str, reported_on: date, **facts: Any) -> None:
        """The cluster's infrastructure as reported on `reported_on`; an older report arriving
        late changes nothing."""
        c = self.table.c
        newer = c.infrastructure_reported_on.is_(None) | (
            c.infrastructure_reported_on <= reported_on
        )
        await self.session.execute(
            update(self.table)
            .where(c.id == cluster_id, newer)
            .values(**facts, infrastructure_reported_on=reported_on, updated_at=datetime.now(UTC))
        )


class ProvinceRules:
    """Each province's rule and remediation times, or the platform's defaults."""

    table = t.province_rules

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(
        self, province_code: str, default: EnvironmentRules, *, lock: bool = False
    ) -> tuple[EnvironmentRules, int | None]:
        """The province's rules and their version; the defaults and None if it set none
        (their version is then 1: a province's first rules are its version 2)."""
        query = select(self.table).where(self.table.c.id == province_code)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        if row is None:
            return default, None
        names = [f.name for f in fields(EnvironmentRules)]
        return EnvironmentRules(**{name: getattr(row, name) for name in names}), row.version

    async def set(self, province_code: str, rules: EnvironmentRules, version: int | None) -> int:
        """Store the province's rules over the `version` read (None: it had none)."""
        now, values = datetime.now(UTC), vars(rules)
        if version is None:
            await self.session.execute(
                self.table.insert().values(
                    id=province_code, **values, version=2, created_at=now, updated_at=now
                )
            )
            return 2
        await self.session.execute(
            update(self.table)
            .where(self.table.c.id == province_code)
            .values(**values, version=version + 1, updated_at=now)
        )
        return version + 1


class Classifications(RepositoryBase[Classification]):
    table = t.classifications
    entity = Classification
    what = "classification"

    async def standing(self, facility: FacilityOnRecord, *, lock: bool = False) -> Classification:
        """The facility's standing; a new, unclassified one if it never had any."""
        query = select(self.table).where(self.table.c.id == facility.id)
        found = await self.first(query.with_for_update() if lock else query)
        if found is not None:
            return found
        standing = Classification(facility.id, facility.province_code, facility.commune_code)
        if lock:
            await self.add(standing)
        return standing


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
