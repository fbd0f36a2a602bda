"""Every query of the promotion service, rows to and from its entities: handlers never build
SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.promotion import tables as t
from services.promotion.domain import Plan, Project, SupportCap
from services.promotion.schemas import PlanQuery, ProjectQuery, SummaryQuery, SupportCapQuery
from shared.db import upsert
from shared.errors import InvalidInput
from shared.events import Event
from shared.events.promotion import FundsDisbursed, MonitoringVisitRecorded
from shared.pagination import Keyset
from shared.principal import Scope
from shared.repository import RepositoryBase, in_scope
from shared.text import fold


class Plans(RepositoryBase[Plan]):
    table = t.plans
    entity = Plan
    what = "plan"

    async def listed(self, scope: Scope, query: PlanQuery) -> tuple[list[Plan], str | None]:
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope)
        if query.year is not None:
            found = found.where(c.year == query.year)
        if query.funding_source is not None:
            found = found.where(c.funding_source == query.funding_source)
        keyset = Keyset((c.province_code, c.id))
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)

    async def of_project(self, project: Project) -> Plan | None:
        """The plan a project draws on, locked, if it draws on one."""
        return None if project.plan_id is None else await self.lock(project.plan_id)


class SupportCaps(RepositoryBase[SupportCap]):
    table = t.support_caps
    entity = SupportCap
    what = "support cap"

    async def for_province(self, province_code: str) -> list[SupportCap]:
        """The national caps and the province's own."""
        c = self.table.c
        query = select(self.table).where(
            c.province_code.is_(None) | (c.province_code == province_code)
        )
        return await self.all(query)

    async def listed(self, query: SupportCapQuery) -> tuple[list[SupportCap], str | None]:
        c = self.table.c
        found = select(self.table)
        if query.province_code is not None:
            found = found.where(c.province_code == query.province_code)
        if query.content_group is not None:
            found = found.where(c.content_group == query.content_group)
        if query.in_force_on is not None:
            day = query.in_force_on
            found = found.where(c.valid_from <= day, c.valid_to.is_(None) | (c.valid_to >= day))
        keyset = Keyset((c.valid_from, c.id), newest_first=True)
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)


class Projects(RepositoryBase[Project]):
    table = t.projects
    entity = Project
    what = "project"
    folded = ("name",)

    async def listed(self, scope: Scope, query: ProjectQuery) -> tuple[list[Project], str | None]:
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope)
        if query.q:
            found = found.where(c.name_folded.contains(fold(query.q), autoescape=True))
        for name in ("status", "funding_source", "content_group"):
            wanted = getattr(query, name)
            if wanted is not None:
                found = found.where(c[name] == wanted)
        if query.year is not None:
            found = found.where(extract("year", c.start_date) == query.year)
        keyset = Keyset((c.name_folded, c.id))
        return await self.page(found, keyset, cursor=query.cursor, limit=query.limit)

    async def summarised(self, scope: Scope, query: SummaryQuery) -> list[Project]:
        """Every project in scope that starts within the summary's period."""
        c = self.table.c
        found = in_scope(select(self.table), self.table, scope)
        if query.from_ is not None:
            found = found.where(c.start_date >= query.from_)
        if query.to is not None:
            found = found.where(c.start_date <= query.to)
        return await self.all(found.order_by(c.start_date, c.id))


class History:
    """A project's payments and monitoring visits, as its events recorded them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recorded(self, *events: Event) -> None:
        now = datetime.now(UTC)
        for event in events:
            if isinstance(event, FundsDisbursed):
                await self.session.execute(
                    t.disbursements.insert().values(
                        id=event.disbursement_id,
                        project_id=event.project_id,
                        amount_vnd=event.amount_vnd,
                        kind=event.disbursement_kind,
                        disbursed_on=event.disbursed_on,
                        created_at=now,
                    )
                )
            elif isinstance(event, MonitoringVisitRecorded):
                await self.session.execute(
                    t.monitoring_visits.insert().values(
                        id=event.visit_id,
                        project_id=event.project_id,
                        visited_on=event.visited_on,
                        phase=event.phase,
                        findings=event.findings,
                        created_at=now,
                    )
                )

    @staticmethod
    def empty() -> dict[str, list[Any]]:
        """A new project's: none."""
        return {"disbursements": [], "monitoring_visits": []}

    async def of(self, project_ids: Sequence[str]) -> dict[str, dict[str, list[Any]]]:
        """Each project's disbursements and visits, in date order."""
        found = {p: self.empty() for p in project_ids}
        for name, table, day in (
            ("disbursements", t.disbursements, t.disbursements.c.disbursed_on),
            ("monitoring_visits", t.monitoring_visits, t.monitoring_visits.c.visited_on),
        ):
            query = (
                select(table)
                .where(table.c.project_id.in_(project_ids))
                .order_by(day, table.c.created_at)
            )
            for row in (await self.session.execute(query)).all():
                found[row.project_id][name].append(row._mapping)
        return found


class Beneficiaries:
    """The registry's enterprises and facilities, as its events told of them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def registered(self, table: Table, **facts: Any) -> None:
        """An enterprise or a facility as the registry's event describes it (a redelivery or
        a later fact replaces the row)."""
        await upsert(self.session, table, key="id", **facts, updated_at=datetime.now(UTC))

    async def check(self, table: Any, record_id: str, province_code: str, *, field: str) -> None:
        """The beneficiary exists here and lies in the project's province; else 422."""
        row = (await self.session.execute(select(table).where(table.c.id == record_id))).first()
        if row is None:
            raise InvalidInput(
                f"{record_id} is not known here: the registry's event about it may not have "
                "arrived yet (register it there first, or try again in a moment)",
                field=field,
            )
        if row.province_code != province_code:
            raise InvalidInput(
                f"{row.name} is in province {row.province_code}, not in the project's "
                f"province {province_code}",
                field=field,
            )

    async def check_project(self, project: Any) -> None:
        p = project.province_code
        if project.beneficiary_enterprise_id is not None:
            await self.check(
                t.enterprises,
                project.beneficiary_enterprise_id,
                p,
                field="beneficiary_enterprise_id",
            )
        if project.beneficiary_facility_id is not None:
            await self.check(
                t.facilities, project.beneficiary_facility_id, p, field="beneficiary_facility_id"
            )
