"""What every repository does: rows to and from entities, a record by id (404), locked for a
command, added, saved under its version (409 if someone changed it since it was read), and
lists limited to the caller's scope, a page at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Select, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import NotFound, StaleVersion
from shared.pagination import Keyset
from shared.principal import Scope
from shared.text import fold


class Entity(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=Entity)


class RepositoryBase(Generic[E]):
    """The rows of `table` as `entity` dataclasses whose fields are named like the columns.

    `folded` names the fields searched without accents: `name` is stored folded as
    `name_folded` too. A table with a `version` column is saved only over the version its
    entity was read at.
    """

    table: ClassVar[Table]
    entity: ClassVar[type[Any]]
    what: ClassVar[str]
    folded: ClassVar[tuple[str, ...]] = ()

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def to_entity(self, row: Any) -> E:
        entity: E = self.entity(**{f.name: getattr(row, f.name) for f in fields(self.entity)})
        return entity

    def to_values(self, entity: E) -> dict[str, Any]:
        columns = self.table.c
        values = {f.name: getattr(entity, f.name) for f in fields(self.entity) if f.name in columns}
        values.update({f"{name}_folded": fold(getattr(entity, name)) for name in self.folded})
        return values

    async def get(self, entity_id: str, *, lock: bool = False) -> E:
        """The record with this id (404 if none), locked until the transaction ends if `lock`."""
        query = select(self.table).where(self.table.c.id == entity_id)
        found = await self.first(query.with_for_update() if lock else query)
        if found is None:
            raise NotFound(f"no {self.what} {entity_id}")
        return found

    async def find(self, entity_id: str) -> E | None:
        """The record with this id, or None."""
        return await self.first(select(self.table).where(self.table.c.id == entity_id))

    async def many(self, entity_ids: Iterable[str]) -> dict[str, E]:
        """The records with these ids that exist, by id, in one query."""
        wanted = sorted(set(entity_ids))
        if not wanted:
            return {}
        found = await self.all(select(self.table).where(self.table.c.id.in_(wanted)))
        return {entity.id: entity for entity in found}

    async def lock(self, entity_id: str) -> E:
        """The record a command changes, read once and locked (PostgreSQL) against others."""
        return await self.get(entity_id, lock=True)

    async def first(self, query: Select[Any]) -> E | None:
        row = (await self.session.execute(query)).first()
        return None if row is None else self.to_entity(row)

    async def all(self, query: Select[Any]) -> list[E]:
        return [self.to_entity(row) for row in (await self.session.execute(query)).all()]

    async def page(
        self, query: Select[Any], keyset: Keyset, *, cursor: str | None, limit: int
    ) -> tuple[list[E], str | None]:
        rows = (await self.session.execute(keyset.page(query, cursor, limit))).all()
        items, next_cursor = keyset.split(rows, limit)
        return [self.to_entity(row) for row in items], next_cursor

    async def add(self, entity: E) -> None:
        now = datetime.now(UTC)
        values = self.to_values(entity) | self._stamped(now, "created_at", "updated_at")
        await self.session.execute(self.table.insert().values(**values))

    async def save(self, entity: E) -> None:
        """Write the entity's state; if versioned, only over the version it was read at."""
        t = self.table
        query = update(t).where(t.c.id == entity.id)
        values = self.to_values(entity) | self._stamped(datetime.now(UTC), "updated_at")
        versioned = "version" in t.c
        if versioned:
            query = query.where(t.c.version == values["version"])
            values["version"] += 1
        result = await self.session.execute(query.values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"{self.what} {entity.id} was changed by someone else; reload and retry"
            )
        if versioned:
            entity.version = values["version"]  # type: ignore[attr-defined]

    def _stamped(self, now: datetime, *columns: str) -> dict[str, datetime]:
        return {c: now for c in columns if c in self.table.c}


def in_scope(query: Select[Any], table: Table, scope: Scope) -> Select[Any]:
    """Only the rows of the scope's province (all, if none) and communes (all, if none)."""
    if scope.province_code is not None:
        query = query.where(table.c.province_code == scope.province_code)
    if scope.commune_codes:
        query = query.where(table.c.commune_code.in_(scope.commune_codes))
    return query
