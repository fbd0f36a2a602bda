"""Limit tables and each province's rules: the data inspections are judged by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.environment import tables as t
from services.environment.domain import (
    EnvironmentRules,
    Limit,
    LimitColumn,
    LimitTable,
)
from services.environment.schemas import (
    LimitTableQuery,
)
from shared.errors import NotFound
from shared.pagination import Keyset

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
