"""Every query of the registry: handlers and routes never build SQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import tables as t
from shared.errors import InvalidInput, NotFound
from shared.repository import get_row, update_versioned

Row = Any


def now() -> datetime:
    return datetime.now(UTC)


# -- pagination ------------------------------------------------------------------------------


def encode_cursor(*key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(key, list) and len(key) == parts:
            return key
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput("cursor is not one this API gave out", field="cursor")


@dataclass(frozen=True)
class Scope:
    """Which rows a list may show: one province (or all) and, optionally, some communes."""

    province_code: str | None
    commune_codes: tuple[str, ...] = ()


def _scoped(query: Select[Any], table: Any, scope: Scope) -> Select[Any]:
    if scope.province_code is not None:
        query = query.where(table.c.province_code == scope.province_code)
    if scope.commune_codes:
        query = query.where(table.c.commune_code.in_(scope.commune_codes))
    return query


def _page(query: Select[Any], table: Any, cursor: str | None, limit: int) -> Select[Any]:
    if cursor:
        name, row_id = decode_cursor(cursor, 2)
        query = query.where(
            or_(table.c.name_folded > name, and_(table.c.name_folded == name, table.c.id > row_id))
        )
    return query.order_by(table.c.name_folded, table.c.id).limit(limit + 1)


def split_page(rows: Sequence[Row], limit: int) -> tuple[list[Row], str | None]:
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, (encode_cursor(items[-1].name_folded, items[-1].id) if more else None)


# -- clusters --------------------------------------------------------------------------------


async def insert_cluster(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.clusters.insert().values(**values, created_at=now(), updated_at=now()))


async def get_cluster(session: AsyncSession, cluster_id: str, *, for_update: bool = False) -> Row:
    return await get_row(session, t.clusters, cluster_id, what="cluster", for_update=for_update)


async def update_cluster(session: AsyncSession, row: Row, **values: Any) -> None:
    await update_versioned(session, t.clusters, row, what="cluster", **values)


async def list_clusters(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row], str | None]:
    query = _scoped(select(t.clusters), t.clusters, scope)
    if status:
        query = query.where(t.clusters.c.status == status)
    if q:
        query = query.where(t.clusters.c.name_folded.contains(q, autoescape=True))
    rows = (await session.execute(_page(query, t.clusters, cursor, limit))).all()
    return split_page(rows, limit)


@dataclass(frozen=True)
class Tenants:
    count: int = 0
    workers: int = 0


async def tenants_of(session: AsyncSession, cluster_ids: Sequence[str]) -> dict[str, Tenants]:
    """Facilities with an active tenancy, and their workers, per cluster."""
    if not cluster_ids:
        return {}
    active = (
        select(t.tenancies.c.cluster_id, t.tenancies.c.facility_id)
        .where(t.tenancies.c.cluster_id.in_(cluster_ids), t.tenancies.c.end_date.is_(None))
        .distinct()
        .subquery()
    )
    rows = await session.execute(
        select(
            active.c.cluster_id, func.count(), func.coalesce(func.sum(t.facilities.c.workers), 0)
        )
        .join(t.facilities, t.facilities.c.id == active.c.facility_id)
        .group_by(active.c.cluster_id)
    )
    return {cid: Tenants(int(n), int(w)) for cid, n, w in rows.all()}


# -- enterprises -----------------------------------------------------------------------------


async def insert_enterprise(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.enterprises.insert().values(**values, created_at=now()))


async def get_enterprise(session: AsyncSession, enterprise_id: str) -> Row:
    return await get_row(session, t.enterprises, enterprise_id, what="enterprise")


async def enterprise_by_tax_code(session: AsyncSession, tax_code: str) -> Row | None:
    return (
        await session.execute(select(t.enterprises).where(t.enterprises.c.tax_code == tax_code))
    ).first()


async def list_enterprises(
    session: AsyncSession,
    province_code: str | None,
    *,
    q: str | None,
    tax_code: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row], str | None]:
    query = select(t.enterprises)
    if province_code is not None:
        query = query.where(t.enterprises.c.province_code == province_code)
    if q:
        query = query.where(t.enterprises.c.name_folded.contains(q, autoescape=True))
    if tax_code:
        query = query.where(t.enterprises.c.tax_code == tax_code)
    rows = (await session.execute(_page(query, t.enterprises, cursor, limit))).all()
    return split_page(rows, limit)


# -- facilities ------------------------------------------------------------------------------


async def insert_facility(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        t.facilities.insert().values(**values, created_at=now(), updated_at=now())
    )


async def get_facility(session: AsyncSession, facility_id: str, *, for_update: bool = False) -> Row:
    return await get_row(session, t.facilities, facility_id, what="facility", for_update=for_update)


async def update_facility(session: AsyncSession, row: Row, **values: Any) -> None:
    await update_versioned(session, t.facilities, row, what="facility", **values)


async def list_facilities(
    session: AsyncSession,
    scope: Scope,
    *,
    q: str | None,
    cluster_id: str | None,
    enterprise_id: str | None,
    in_residential_area: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row], str | None]:
    query = _scoped(select(t.facilities), t.facilities, scope)
    if q:
        query = query.where(t.facilities.c.name_folded.contains(q, autoescape=True))
    if cluster_id:
        query = query.where(t.facilities.c.cluster_id == cluster_id)
    if enterprise_id:
        query = query.where(t.facilities.c.enterprise_id == enterprise_id)
    if in_residential_area is not None:
        column = t.facilities.c.cluster_id
        query = query.where(column.is_(None) if in_residential_area else column.is_not(None))
    rows = (await session.execute(_page(query, t.facilities, cursor, limit))).all()
    return split_page(rows, limit)


# -- tenancies -------------------------------------------------------------------------------


async def insert_tenancy(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.tenancies.insert().values(**values, created_at=now()))


async def get_tenancy(session: AsyncSession, cluster_id: str, tenancy_id: str) -> Row:
    row = (
        await session.execute(
            select(t.tenancies).where(
                t.tenancies.c.id == tenancy_id, t.tenancies.c.cluster_id == cluster_id
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"no tenancy {tenancy_id} in cluster {cluster_id}")
    return row


async def active_tenancy_of(session: AsyncSession, facility_id: str) -> Row | None:
    return (
        await session.execute(
            select(t.tenancies).where(
                t.tenancies.c.facility_id == facility_id, t.tenancies.c.end_date.is_(None)
            )
        )
    ).first()


async def end_tenancy(session: AsyncSession, tenancy_id: str, end_date: Any) -> None:
    await session.execute(
        update(t.tenancies).where(t.tenancies.c.id == tenancy_id).values(end_date=end_date)
    )


async def list_tenancies(session: AsyncSession, cluster_id: str, *, active_only: bool) -> list[Row]:
    query = select(t.tenancies).where(t.tenancies.c.cluster_id == cluster_id)
    if active_only:
        query = query.where(t.tenancies.c.end_date.is_(None))
    return list(
        (await session.execute(query.order_by(t.tenancies.c.start_date, t.tenancies.c.id))).all()
    )


# -- relocation candidates (read model fed by the environment service) -----------------------


async def upsert_relocation_candidate(session: AsyncSession, values: dict[str, Any]) -> None:
    table = t.relocation_candidates
    found = (
        await session.execute(
            select(table.c.facility_id).where(table.c.facility_id == values["facility_id"])
        )
    ).first()
    if found is None:
        await session.execute(table.insert().values(**values, updated_at=now()))
    else:
        await session.execute(
            update(table)
            .where(table.c.facility_id == values["facility_id"])
            .values(**values, updated_at=now())
        )


async def relocation_candidates(session: AsyncSession, scope: Scope) -> list[Row]:
    rc, f = t.relocation_candidates, t.facilities
    query = select(rc, f.c.name.label("facility_name"), f.c.cluster_id, f.c.relocated_on).outerjoin(
        f, f.c.id == rc.c.facility_id
    )
    query = _scoped(query, rc, scope)
    query = query.order_by(rc.c.relocation_priority, rc.c.classified_on, rc.c.facility_id)
    return list((await session.execute(query)).all())


def zero_area() -> Decimal:
    return Decimal("0.0000")
